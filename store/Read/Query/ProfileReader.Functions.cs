using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Query.Selectors;

namespace GrafanaProfiles.Store.Query;

/// <summary>Which value of a function a function series measures.</summary>
public enum FunctionValue
{
    /// <summary>Samples whose leaf frame is the function (pprof's flat).</summary>
    Self,
    /// <summary>Samples with the function anywhere in the stack, each stack once even with recursion (pprof's cum).</summary>
    Total,
}

/// <summary>
/// The functions a function series follows: one exact name, or every name an RE2 pattern fully
/// matches. Names group functions as the top table does: every function id with the name counts.
/// </summary>
public sealed class FunctionMatch
{
    /// <summary>Longest accepted name or pattern, in UTF-16 characters.</summary>
    public const int MaxLength = 4096;

    private FunctionMatch(string text, bool isRegex)
    {
        Text = text;
        IsRegex = isRegex;
    }

    /// <summary>The exact name, or the pattern.</summary>
    public string Text { get; }

    public bool IsRegex { get; }

    /// <summary>Functions named exactly <paramref name="name"/>.</summary>
    public static FunctionMatch Exact(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Check(name, "function");
        return new FunctionMatch(name, false);
    }

    /// <summary>Functions whose whole name matches the RE2 <paramref name="pattern"/> ('.' also matches a newline, as in selectors).</summary>
    /// <exception cref="QueryException">RE2, as DuckDB runs it, rejects the pattern.</exception>
    public static FunctionMatch Regex(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        Check(pattern, "functionRegex");
        if (Re2Patterns.Check(pattern) is { } reason)
        {
            throw new QueryException($"functionRegex is not a valid RE2 pattern: {reason}");
        }
        return new FunctionMatch(pattern, true);
    }

    private static void Check(string text, string what)
    {
        if (text.Length == 0)
        {
            throw new QueryException($"{what} is empty; name a function, for example main.handler.");
        }
        if (text.Length > MaxLength)
        {
            throw new QueryException($"{what} is {text.Length} characters long; the limit is {MaxLength}.");
        }
    }

    /// <summary>The SQL condition over the functions table's name column.</summary>
    internal string Condition(SqlParameters parameters) => IsRegex
        ? Re2Patterns.FullMatch(FunctionsTable.FunctionName, parameters.Add(Text))
        : $"{FunctionsTable.FunctionName} = {parameters.Add(Text)}";

    public override string ToString() => IsRegex ? $"=~{Text}" : Text;
}

public sealed partial class ProfileReader
{
    /// <summary>Most names <see cref="FunctionNames"/> returns.</summary>
    public const int MaxFunctionNames = 10_000;

    /// <summary>
    /// The self or total of the matching functions per step, one series per combination of the
    /// group-by labels. With several matching functions, a stack counts once for total when any of
    /// them is on it (so a caller and its callee matched together are not counted twice); for self
    /// the leaf decides. Every step with profiles of a group has a point, 0 when no matching
    /// function ran, so an alert sees 0 rather than no data.
    /// </summary>
    public IReadOnlyList<TimeSeries> FunctionSeries(ProfileSelection selection, FunctionMatch function, FunctionValue value, TimeSpan step,
        IReadOnlyList<string> groupBy, SeriesAggregation aggregation = SeriesAggregation.Sum, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        var effective = EffectiveStep(step, selection.From, selection.To);
        CheckGroupBy(groupBy);
        return Run(selection.Tenant, selection.From, selection.To, (connection, files) =>
        {
            if (files.IsEmpty || files.Stacks.Count == 0 || files.Functions.Count == 0)
            {
                return (IReadOnlyList<TimeSeries>)[];
            }
            var parameters = new SqlParameters();
            var match = function.Condition(parameters);
            var functionsFiles = parameters.Add(files.Functions);
            var stacksFiles = parameters.Add(files.Stacks);
            var stackMatches = value == FunctionValue.Self
                ? $"list_contains(fn.ids, {StacksTable.FrameIds}[-1])"
                : $"list_has_any({StacksTable.FrameIds}, fn.ids)";
            var stepParam = parameters.Add((long)effective.TotalMicroseconds);
            var groupNames = string.Concat(groupBy.Select((name, i) => $", {LabelExpression(name, parameters)} AS g{i}"));
            var filter = SampleFilter(selection, parameters, files);
            var sql = $"""
                WITH fn AS (
                    SELECT coalesce(list(DISTINCT {FunctionsTable.FunctionId}), []::UBIGINT[]) AS ids
                    FROM read_parquet({functionsFiles})
                    WHERE {match}),
                hit AS (
                    SELECT DISTINCT {StacksTable.StackId}
                    FROM read_parquet({stacksFiles}), fn
                    WHERE {stackMatches})
                SELECT t{groupNames}, sum(v) AS v, sum(n) AS n
                FROM (
                    SELECT time_bucket(to_microseconds({stepParam}), {SamplesTable.Time}, TIMESTAMP '1970-01-01') AS t,
                           {SamplesTable.SeriesId}, {SamplesTable.ServiceName}, {SamplesTable.ProfileType},
                           coalesce(sum({SamplesTable.Value}) FILTER (WHERE {SamplesTable.StackId} IN (SELECT {StacksTable.StackId} FROM hit)), 0)::DOUBLE AS v,
                           count(DISTINCT ({SamplesTable.Time}, {SamplesTable.ProfileType}))::DOUBLE AS n
                    FROM {files.SamplesSource(parameters)}
                    WHERE {filter}
                    GROUP BY ALL) p
                {LabelsJoin(groupBy, files, parameters)}
                GROUP BY ALL
                ORDER BY {string.Join(", ", Enumerable.Range(0, groupBy.Count).Select(i => $"g{i}").Append("t"))}
                """;
            using var statement = connection.Prepare(sql);
            parameters.BindTo(statement);
            using var result = statement.Execute();
            return ReadSeries(result, groupBy, aggregation);
        }, cancellationToken);
    }

    /// <summary>
    /// Distinct function names in the files of [from, to), for the editor's completion: names that
    /// contain <paramref name="search"/> (case-insensitive; all when empty), those starting with it
    /// first, then by name; at most <paramref name="limit"/> (up to <see cref="MaxFunctionNames"/>).
    /// </summary>
    public IReadOnlyList<string> FunctionNames(string tenant, DateTime fromUtc, DateTime toUtc, string? search, int limit,
        CancellationToken cancellationToken = default)
    {
        if (limit <= 0 || limit > MaxFunctionNames)
        {
            throw new QueryException($"limit={limit} for function names must be from 1 to {MaxFunctionNames}.");
        }
        search ??= "";
        // Whole days read their day rollup's one functions file (the distinct functions of its hours) instead of 24.
        return Run(() => Plan(tenant, fromUtc, toUtc, RollupUse.StackTotals), (connection, files) =>
        {
            if (files.Functions.Count == 0)
            {
                return (IReadOnlyList<string>)[];
            }
            var parameters = new SqlParameters();
            var name = FunctionsTable.FunctionName;
            var text = parameters.Add(search.ToLowerInvariant());
            var sql = $"""
                SELECT {name}
                FROM read_parquet({parameters.Add(files.Functions)})
                WHERE {name} <> '' AND contains(lower({name}), {text})
                GROUP BY {name}
                ORDER BY NOT starts_with(lower({name}), {text}), {name}
                LIMIT {parameters.Add((long)limit)}
                """;
            return ReadStrings(connection, sql, parameters);
        }, cancellationToken);
    }

    private static void CheckGroupBy(IReadOnlyList<string> groupBy)
    {
        foreach (var name in groupBy)
        {
            if (!LabelRules.IsValid(name))
            {
                throw new QueryException($"Group-by label '{name}' is not a valid label name.");
            }
        }
    }

    /// <summary>
    /// Reads rows of (t, g0…gN, v, n) ordered by the groups, then time, into one series per group;
    /// <paramref name="aggregation"/> Average divides v by n, the profiles in the step.
    /// </summary>
    private List<TimeSeries> ReadSeries(DuckDbResult result, IReadOnlyList<string> groupBy, SeriesAggregation aggregation)
    {
        var series = new List<TimeSeries>();
        string[]? currentKey = null;
        List<DateTime> times = [];
        List<double> values = [];
        foreach (var chunk in result.Chunks())
        {
            var t = chunk.Column(0).Values<long>();
            var v = chunk.Column(groupBy.Count + 1).Values<double>();
            var n = chunk.Column(groupBy.Count + 2).Values<double>();
            for (var row = 0; row < chunk.RowCount; row++)
            {
                var key = new string[groupBy.Count];
                for (var g = 0; g < groupBy.Count; g++)
                {
                    key[g] = chunk.Column(g + 1).GetString(row) ?? "";
                }
                if (currentKey is null || !key.AsSpan().SequenceEqual(currentKey))
                {
                    if (currentKey is not null)
                    {
                        series.Add(new TimeSeries(GroupLabels(groupBy, currentKey), times, values));
                        // The row starts one more series.
                        if (series.Count + 1 > Options.MaxSeries)
                        {
                            throw new QueryException(
                                $"The query returns more than max_series={Options.MaxSeries} series; group by fewer labels or narrow the selector.");
                        }
                    }
                    currentKey = key;
                    times = [];
                    values = [];
                }
                times.Add(Timestamps.FromMicros(t[row]));
                values.Add(aggregation == SeriesAggregation.Average && n[row] > 0 ? v[row] / n[row] : v[row]);
            }
        }
        if (currentKey is not null)
        {
            series.Add(new TimeSeries(GroupLabels(groupBy, currentKey), times, values));
        }
        return series;
    }
}
