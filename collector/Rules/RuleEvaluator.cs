using System.Diagnostics;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Query.Selectors;
using GrafanaProfiles.Store.Write;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Collector.Rules;

/// <summary>
/// Evaluates the recording rules as the store flushes (<see cref="IFlushObserver"/>): for each rule,
/// per step and group (the group-by label values plus the extra labels), the summed value of the
/// windows of the rule's profile type whose series match its selectors — the windows' totals, or a
/// function's self or total (a stack that holds the function several times counts once, as in the
/// top table). The points go into the partition's metrics file with the flush; once committed they
/// are handed to <see cref="RecordedValues"/> for /metrics and remote write. Runs on the flush's
/// thread, one flush at a time. See README.md in this folder.
/// </summary>
public sealed class RuleEvaluator : IFlushObserver, IDisposable
{
    /// <summary>
    /// Series whose match a rule remembers; past this the memory is dropped and series are judged
    /// again as they come (the active series per tenant are bounded by limits.max_series_per_tenant).
    /// </summary>
    internal const int MaxRememberedSeriesPerRule = 100_000;

    private readonly RecordingRuleSet _set;
    private readonly RecordedValues? _values;
    private readonly ILogger _log;
    private readonly Re2Matcher _re2 = new();
    private readonly RuleState[] _rules;

    /// <summary>The functions the rules filter on; a stack's flags for all of them fit one 64-bit mask (two bits each).</summary>
    private readonly string[] _functionNames;
    private long _evaluationTicks;
    private long _failures;
    private long _points;

    public RuleEvaluator(RecordingRuleSet set, RecordedValues? values, ILogger log)
    {
        _set = set;
        _values = values;
        _log = log;
        _rules = [.. set.Rules.Select(r => new RuleState(r))];
        _functionNames = [.. set.Rules.Select(r => r.Function?.Name).OfType<string>().Distinct(StringComparer.Ordinal)];
    }

    public RecordingRuleSet Rules => _set;

    /// <summary>Time spent evaluating rules, on the flushes' thread (the ingest cost of the rules).</summary>
    public TimeSpan EvaluationTime => TimeSpan.FromTicks(Interlocked.Read(ref _evaluationTicks));

    /// <summary>Partitions whose evaluation failed (logged; their points were not written).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Points written into metrics files.</summary>
    public long PointsWritten => Interlocked.Read(ref _points);

    public IReadOnlyList<MetricPoint> PartitionFlushing(FlushedPartition partition)
    {
        ArgumentNullException.ThrowIfNull(partition);
        var started = Stopwatch.GetTimestamp();
        try
        {
            return Evaluate(partition);
        }
#pragma warning disable CA1031 // A rule's failure must cost its points only, never the flush of the profiles.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _failures);
            _log.LogError(e, "Evaluating the recording rules for {Tenant} {Hour:yyyy-MM-ddTHH} failed; this flush records no metrics for it.",
                partition.Tenant, partition.Hour);
            return [];
        }
        finally
        {
            Interlocked.Add(ref _evaluationTicks, Stopwatch.GetElapsedTime(started).Ticks);
        }
    }

    public void FlushCommitted(IReadOnlyList<FlushedMetrics> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        Interlocked.Add(ref _points, metrics.Sum(m => m.Points.Count));
        _values?.Add(metrics);
    }

    private List<MetricPoint> Evaluate(FlushedPartition partition)
    {
        var points = new List<MetricPoint>();
        long[]? totals = null;
        FunctionSums? functions = null;
        var stepTicks = _set.Step.Ticks;
        var sums = new Dictionary<(Group Group, long Step), (long Value, long Profiles)>();
        foreach (var state in _rules)
        {
            var rule = state.Rule;
            if (rule.Tenant is { } tenant && tenant != partition.Tenant)
            {
                continue;
            }
            var groups = state.GroupsOf(partition, _re2);
            if (groups is null)
            {
                continue;
            }
            var function = rule.Function is { } filter ? (functions ??= new FunctionSums(partition, _functionNames)).Slot(filter) : -1;
            sums.Clear();
            for (var w = 0; w < partition.WindowCount; w++)
            {
                var window = partition.Window(w);
                if (groups[window.SeriesIndex] is not { } group)
                {
                    continue;
                }
                long value;
                if (function < 0)
                {
                    totals ??= WindowTotals(partition);
                    value = totals[w];
                }
                else
                {
                    value = functions!.Value(w, window, function);
                }
                var key = (group, window.Time.Ticks - (window.Time.Ticks % stepTicks));
                sums.TryGetValue(key, out var sum);
                sums[key] = (sum.Value + value, sum.Profiles + 1);
            }
            foreach (var ((group, step), (value, profiles)) in sums)
            {
                points.Add(new MetricPoint(rule.MetricName, rule.ProfileType, group.Labels, new DateTime(step, DateTimeKind.Utc), _set.Step, value, profiles));
            }
        }
        return points;
    }

    /// <summary>Every window's total, computed once per partition for all the rules without a function filter.</summary>
    private static long[] WindowTotals(FlushedPartition partition)
    {
        var totals = new long[partition.WindowCount];
        for (var w = 0; w < totals.Length; w++)
        {
            var window = partition.Window(w);
            long total = 0;
            for (var r = window.FirstRow; r < window.FirstRow + window.RowCount; r++)
            {
                total += partition.Row(r).Value;
            }
            totals[w] = total;
        }
        return totals;
    }

    public void Dispose() => _re2.Dispose();

    /// <summary>One group of a rule: its labels (group-by values and extra labels), shared by the series that fall into it.</summary>
    private sealed class Group(LabelSet labels)
    {
        public LabelSet Labels { get; } = labels;
    }

    /// <summary>A rule with what it remembers of series it judged: the group of each (null: no match).</summary>
    private sealed class RuleState(RecordingRule rule)
    {
        private readonly Dictionary<ulong, Group?> _seriesGroups = [];
        private readonly Dictionary<LabelSet, Group> _groups = [];

        public RecordingRule Rule { get; } = rule;

        /// <summary>The group of each of the partition's series (by index), or null when none matches the rule.</summary>
        public Group?[]? GroupsOf(FlushedPartition partition, Re2Matcher re2)
        {
            var series = partition.Series;
            var result = new Group?[series.Count];
            List<int>? pending = null;
            for (var i = 0; i < series.Count; i++)
            {
                if (!string.Equals(series[i].ProfileType, Rule.ProfileType, StringComparison.Ordinal))
                {
                    continue;
                }
                if (_seriesGroups.TryGetValue(series[i].SeriesId, out var known))
                {
                    result[i] = known;
                }
                else
                {
                    (pending ??= []).Add(i);
                }
            }
            if (pending is not null)
            {
                if (_seriesGroups.Count + pending.Count > MaxRememberedSeriesPerRule)
                {
                    _seriesGroups.Clear();
                    _groups.Clear();
                }
                var matching = Match(series, pending, re2);
                foreach (var i in pending)
                {
                    var group = matching.Contains(i) ? GroupOf(series[i]) : null;
                    _seriesGroups[series[i].SeriesId] = group;
                    result[i] = group;
                }
            }
            return Array.TrueForAll(result, g => g is null) ? null : result;
        }

        /// <summary>The series (of <paramref name="candidates"/>) that every matcher of every selector holds for; regexes in one RE2 call each.</summary>
        private HashSet<int> Match(IReadOnlyList<RowKey> series, List<int> candidates, Re2Matcher re2)
        {
            var left = new List<int>(candidates);
            foreach (var matcher in Rule.Selectors.SelectMany(s => s.Matchers))
            {
                if (left.Count == 0)
                {
                    break;
                }
                var values = left.Select(i => ValueOf(series[i], matcher.Name)).ToList();
                bool[] holds;
                switch (matcher.Operator)
                {
                    case MatchOperator.Equal:
                        holds = [.. values.Select(v => string.Equals(v, matcher.Value, StringComparison.Ordinal))];
                        break;
                    case MatchOperator.NotEqual:
                        holds = [.. values.Select(v => !string.Equals(v, matcher.Value, StringComparison.Ordinal))];
                        break;
                    case MatchOperator.Regex:
                        holds = re2.FullMatch(matcher.Value, values);
                        break;
                    default:
                        holds = [.. re2.FullMatch(matcher.Value, values).Select(m => !m)];
                        break;
                }
                left = [.. left.Where((_, k) => holds[k])];
            }
            return [.. left];
        }

        private Group GroupOf(RowKey key)
        {
            var pairs = new List<KeyValuePair<string, string>>(Rule.GroupBy.Count + Rule.ExternalLabels.Count);
            foreach (var name in Rule.GroupBy)
            {
                // An absent label is no label, as in Prometheus.
                if (ValueOf(key, name) is { Length: > 0 } value)
                {
                    pairs.Add(new(name, value));
                }
            }
            pairs.AddRange(Rule.ExternalLabels);
            var labels = LabelSet.From(pairs);
            if (!_groups.TryGetValue(labels, out var group))
            {
                group = new Group(labels);
                _groups[labels] = group;
            }
            return group;
        }
    }

    /// <summary>A label's value of a series as selectors see it: service_name and the profile type are columns, an absent label is ''.</summary>
    internal static string ValueOf(RowKey key, string name) => name switch
    {
        LabelRules.ServiceName => key.ServiceName,
        LabelRules.ProfileType => key.ProfileType,
        "__name__" => key.ProfileType.Split(':')[0],
        _ => key.Labels.Get(name) ?? "",
    };

    /// <summary>
    /// The value of the rules' functions in each window of a partition: a stack is judged once per
    /// flush into a mask of two bits per function (anywhere in it: total, counted once however often
    /// it recurs; its leaf: self), matched by name (every function id of that name), and each window's
    /// rows are read once for all function filters together, however many rules use them.
    /// </summary>
    private sealed class FunctionSums
    {
        private readonly FlushedPartition _partition;
        private readonly string[] _names;
        private readonly Dictionary<ulong, int> _bitOfFunction = [];
        private readonly Dictionary<ulong, ulong> _stackMasks = [];
        private readonly long[]?[] _windows;

        public FunctionSums(FlushedPartition partition, string[] names)
        {
            if (names.Length > RecordingRulesConfig.MaxFunctions)
            {
                throw new InvalidOperationException($"{names.Length} functions in recording rules; at most {RecordingRulesConfig.MaxFunctions} are evaluated together.");
            }
            _partition = partition;
            _names = names;
            _windows = new long[]?[partition.WindowCount];
            var index = names.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i, StringComparer.Ordinal);
            foreach (var (id, function) in partition.Functions)
            {
                if (index.TryGetValue(function.Name, out var i))
                {
                    _bitOfFunction[id] = i;
                }
            }
        }

        /// <summary>The slot of a filter's value in a window's sums: 2 × function + (self ? 1 : 0).</summary>
        public int Slot(FunctionFilter filter) => (2 * Array.IndexOf(_names, filter.Name)) + (filter.Value == FunctionValue.Self ? 1 : 0);

        public long Value(int index, ProfileWindow window, int slot) => (_windows[index] ??= Sum(window))[slot];

        private long[] Sum(ProfileWindow window)
        {
            var sums = new long[2 * _names.Length];
            if (_bitOfFunction.Count == 0)
            {
                return sums;
            }
            for (var r = window.FirstRow; r < window.FirstRow + window.RowCount; r++)
            {
                var row = _partition.Row(r);
                var mask = Mask(row.StackId);
                while (mask != 0)
                {
                    var slot = System.Numerics.BitOperations.TrailingZeroCount(mask);
                    sums[slot] += row.Value;
                    mask &= mask - 1;
                }
            }
            return sums;
        }

        private ulong Mask(ulong stackId)
        {
            if (_stackMasks.TryGetValue(stackId, out var mask))
            {
                return mask;
            }
            if (_partition.TryGetStack(stackId, out var frames) && frames.Length > 0)
            {
                foreach (var frame in frames)
                {
                    if (_bitOfFunction.TryGetValue(frame, out var i))
                    {
                        mask |= 1UL << (2 * i);
                    }
                }
                if (_bitOfFunction.TryGetValue(frames[^1], out var leaf))
                {
                    mask |= 1UL << ((2 * leaf) + 1);
                }
            }
            _stackMasks[stackId] = mask;
            return mask;
        }
    }
}
