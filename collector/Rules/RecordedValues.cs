using System.Text;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Collector.Rules;

/// <summary>A final value of a recorded series: the sum of one step, stamped with the step's start (as the plugin shows it).</summary>
public sealed record SealedSample(string Tenant, string MetricName, LabelSet Labels, DateTime Time, double Value);

/// <summary>
/// The recorded series the collector follows in memory, for <c>/metrics</c> and remote write. A
/// step's points may arrive in several flushes (its profiles in several), so its value is added up
/// here until the step is sealed — <c>seal_delay</c> after it ends — and only then exported: a
/// Prometheus series takes one value per timestamp, in time order. A point for a step already
/// sealed (a profile that arrived later than the delay) is in the metrics file the plugin reads but
/// is not exported again; <see cref="LatePoints"/> counts them. At most <c>max_series</c> series are
/// followed (<see cref="SeriesDropped"/> counts the points of others); a series with no new step
/// for <c>series_idle_time</c> is forgotten. Thread-safe.
/// <para>
/// Steps that ended <c>seal_delay</c> before <paramref name="startedUtc"/> count as sealed from the
/// start: an earlier process may have sealed and sent them, and sending one again (with another
/// value, or behind a newer sample) would make Prometheus refuse the whole request. A step after
/// that was never sealed by anyone, so replaying the log after a crash never exports a step twice.
/// </para>
/// </summary>
public sealed class RecordedValues(RecordingRuleSet set, DateTime startedUtc)
{
    /// <summary>Steps starting at or before this (ticks) were sealable before this process started.</summary>
    private readonly long _sealedBeforeStart = (startedUtc - set.Step - set.SealDelay).Ticks;

    private readonly Lock _lock = new();
    private readonly Dictionary<(string Tenant, string Metric, ulong SeriesId), SeriesState> _series = [];
    private readonly Dictionary<string, RecordingRule> _rules = set.Rules.ToDictionary(r => r.MetricName, StringComparer.Ordinal);
    private long _late;
    private long _dropped;

    public RecordingRuleSet Rules => set;

    /// <summary>Points that arrived for a step already sealed, here or before this process started (in the metrics files, not exported).</summary>
    public long LatePoints => Interlocked.Read(ref _late);

    /// <summary>Points of series beyond <c>max_series</c> (in the metrics files, not exported).</summary>
    public long SeriesDropped => Interlocked.Read(ref _dropped);

    public int SeriesCount
    {
        get
        {
            lock (_lock)
            {
                return _series.Count;
            }
        }
    }

    /// <summary>
    /// Takes up what earlier processes flushed into the metrics files for the steps not sealed before
    /// this one started, so that a step whose profiles were flushed partly before a restart and
    /// partly after (by the log's replay) is exported with its whole value. Call it before the store
    /// opens: the replay's own points then come on top, none of them twice.
    /// </summary>
    /// <returns>The points taken up.</returns>
    public int Resume(Store.Query.ProfileReader reader, DateTime nowUtc, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        // The first step that starts after the last one sealable before the start.
        var from = new DateTime(((_sealedBeforeStart / set.Step.Ticks) + 1) * set.Step.Ticks, DateTimeKind.Utc);
        var taken = 0;
        foreach (var tenant in reader.Layout.Tenants())
        {
            foreach (var rule in set.Rules.Where(r => r.Tenant is null || r.Tenant == tenant))
            {
                var query = new Store.Query.RecordedSeriesQuery(tenant, from, nowUtc.AddHours(1), rule.MetricName);
                var points = new List<MetricPoint>();
                foreach (var series in reader.RecordedSeries(query, set.Step, cancellationToken))
                {
                    for (var i = 0; i < series.Times.Count; i++)
                    {
                        points.Add(new MetricPoint(rule.MetricName, rule.ProfileType, series.Labels, series.Times[i], set.Step, (long)series.Values[i], 0));
                    }
                }
                if (points.Count > 0)
                {
                    Add([new FlushedMetrics(tenant, from, points)]);
                    taken += points.Count;
                }
            }
        }
        return taken;
    }

    /// <summary>Takes the points of a committed flush.</summary>
    public void Add(IReadOnlyList<FlushedMetrics> flushed)
    {
        ArgumentNullException.ThrowIfNull(flushed);
        lock (_lock)
        {
            foreach (var partition in flushed)
            {
                foreach (var point in partition.Points)
                {
                    var key = (partition.Tenant, point.MetricName, point.SeriesId);
                    if (!_series.TryGetValue(key, out var state))
                    {
                        if (_series.Count >= set.MaxSeries)
                        {
                            _dropped++;
                            continue;
                        }
                        state = new SeriesState(point.Labels);
                        _series[key] = state;
                    }
                    var step = point.Time.Ticks;
                    if (step <= _sealedBeforeStart || (state.LastSealedStep is { } sealedUpTo && step <= sealedUpTo))
                    {
                        _late++;
                        continue;
                    }
                    state.Open.TryGetValue(step, out var sum);
                    state.Open[step] = sum + point.Value;
                }
            }
        }
    }

    /// <summary>
    /// Seals every step that ended <c>seal_delay</c> before <paramref name="nowUtc"/> and returns
    /// their samples (per series in time order); forgets series idle for <c>series_idle_time</c>.
    /// </summary>
    public IReadOnlyList<SealedSample> Seal(DateTime nowUtc)
    {
        var sealedSamples = new List<SealedSample>();
        var horizon = (nowUtc - set.Step - set.SealDelay).Ticks;
        lock (_lock)
        {
            List<(string, string, ulong)>? idle = null;
            foreach (var (key, state) in _series)
            {
                while (state.Open.Count > 0 && state.Open.Keys.First() <= horizon)
                {
                    var (step, value) = state.Open.First();
                    state.Open.Remove(step);
                    state.LastSealedStep = step;
                    state.LastValue = value;
                    state.LastSealedUtc = nowUtc;
                    sealedSamples.Add(new SealedSample(key.Tenant, key.Metric, state.Labels, new DateTime(step, DateTimeKind.Utc), value));
                }
                if (state.Open.Count == 0 && nowUtc - state.LastSealedUtc > set.SeriesIdleTime)
                {
                    (idle ??= []).Add(key);
                }
            }
            idle?.ForEach(k => _series.Remove(k));
        }
        return sealedSamples;
    }

    /// <summary>Writes each rule's latest sealed value per series, a gauge per metric with its labels and the tenant label.</summary>
    public void WritePrometheus(StringBuilder text)
    {
        ArgumentNullException.ThrowIfNull(text);
        List<(string Metric, string Tenant, LabelSet Labels, double Value)> rows;
        lock (_lock)
        {
            rows = [.. _series.Where(p => p.Value.LastSealedStep is not null).Select(p => (p.Key.Metric, p.Key.Tenant, p.Value.Labels, p.Value.LastValue))];
        }
        foreach (var metric in rows.GroupBy(r => r.Metric).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var help = _rules.TryGetValue(metric.Key, out var rule) ? rule.Description : "Recorded from profiles.";
            Telemetry.MetricsRegistry.WriteHeader(text, metric.Key, help, "gauge");
            foreach (var row in metric.OrderBy(r => r.Tenant, StringComparer.Ordinal).ThenBy(r => r.Labels.ToString(), StringComparer.Ordinal))
            {
                Telemetry.MetricsRegistry.WriteSample(text, metric.Key, row.Value, [.. ExportedLabels(row.Tenant, row.Labels)]);
            }
        }
    }

    /// <summary>The labels a series is exported with: its own and, unless <c>tenant_label</c> is empty, the tenant.</summary>
    public IEnumerable<(string Name, string Value)> ExportedLabels(string tenant, LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var pairs = labels.Select(l => (l.Key, l.Value));
        return set.TenantLabel.Length == 0
            ? pairs
            : pairs.Append((set.TenantLabel, tenant)).OrderBy(p => p.Item1, StringComparer.Ordinal);
    }

    private sealed class SeriesState(LabelSet labels)
    {
        public LabelSet Labels { get; } = labels;

        /// <summary>Steps not sealed yet: start (ticks) → summed value.</summary>
        public SortedDictionary<long, double> Open { get; } = [];

        public long? LastSealedStep { get; set; }

        public double LastValue { get; set; }

        /// <summary>When the last step was sealed (the series' start counts as one, so a new series is not idle at once).</summary>
        public DateTime LastSealedUtc { get; set; } = DateTime.UtcNow;
    }
}
