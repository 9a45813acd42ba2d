using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Query.Selectors;

namespace GrafanaProfiles.Store.Query;

/// <summary>A metric recorded from profiles (by a recording rule) in a time range: its name, profile type and label names.</summary>
public sealed record RecordedMetric(string Name, string ProfileType, IReadOnlyList<string> LabelNames);

/// <summary>
/// What a query of recorded metrics reads: one metric over a range, its series narrowed by a selector
/// over the metric's labels, summed per step into one series per recorded series, or per combination
/// of <see cref="GroupBy"/> labels when given.
/// </summary>
public sealed record RecordedSeriesQuery(string Tenant, DateTime From, DateTime To, string MetricName)
{
    /// <summary>Matchers on the metric's labels (an absent label is the empty string); its profile type, if any, must be the metric's.</summary>
    public LabelSelector Selector { get; init; } = LabelSelector.Empty;

    /// <summary>Labels to sum the recorded series by; empty: every recorded series on its own, with all its labels.</summary>
    public IReadOnlyList<string> GroupBy { get; init; } = [];

    public SeriesAggregation Aggregation { get; init; } = SeriesAggregation.Sum;
}

public sealed partial class ProfileReader
{
    /// <summary>The metrics recorded in [from, to), by name, each with its profile type and the label names of its series.</summary>
    public IReadOnlyList<RecordedMetric> RecordedMetrics(string tenant, DateTime fromUtc, DateTime toUtc, CancellationToken cancellationToken = default) =>
        RunMetrics(tenant, fromUtc, toUtc, (connection, files) =>
        {
            if (files.Count == 0)
            {
                return (IReadOnlyList<RecordedMetric>)[];
            }
            var parameters = new SqlParameters();
            var sql = $"""
                SELECT {MetricsTable.MetricName}, any_value({MetricsTable.ProfileType}),
                       list_sort(list_distinct(flatten(list(map_keys({MetricsTable.Labels})))))
                FROM read_parquet({parameters.Add(files)}, hive_partitioning = false)
                WHERE {MetricsTable.Time} >= {parameters.Add(fromUtc)} AND {MetricsTable.Time} < {parameters.Add(toUtc)}
                GROUP BY {MetricsTable.MetricName}
                ORDER BY {MetricsTable.MetricName}
                """;
            using var statement = connection.Prepare(sql);
            parameters.BindTo(statement);
            using var result = statement.Execute();
            var metrics = new List<RecordedMetric>();
            foreach (var chunk in result.Chunks())
            {
                var names = chunk.Column(2);
                var entries = names.ListEntries();
                var child = names.ListChild();
                for (var row = 0; row < chunk.RowCount; row++)
                {
                    var labelNames = new List<string>((int)entries[row].Length);
                    for (var i = (int)entries[row].Offset; i < (int)(entries[row].Offset + entries[row].Length); i++)
                    {
                        labelNames.Add(child.GetString(i) ?? "");
                    }
                    metrics.Add(new RecordedMetric(chunk.Column(0).GetString(row) ?? "", chunk.Column(1).GetString(row) ?? "", labelNames));
                }
            }
            return metrics;
        }, cancellationToken);

    /// <summary>
    /// The series of one recorded metric, summed per step. The step is <paramref name="step"/>, at
    /// least the rule's own, widened to the point limit and rounded up to a whole number of the rule's
    /// steps, so a query never splits what the rule recorded as one point. Values are the sum of the
    /// step (<see cref="SeriesAggregation.Sum"/>) or the average per profile window.
    /// </summary>
    public IReadOnlyList<TimeSeries> RecordedSeries(RecordedSeriesQuery query, TimeSpan step, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        CheckGroupBy(query.GroupBy);
        return RunMetrics(query.Tenant, query.From, query.To, (connection, files) =>
        {
            if (files.Count == 0)
            {
                return (IReadOnlyList<TimeSeries>)[];
            }
            var parameters = new SqlParameters();
            var filter = $"""
                {MetricsTable.MetricName} = {parameters.Add(query.MetricName)}
                AND {MetricsTable.Time} >= {parameters.Add(query.From)} AND {MetricsTable.Time} < {parameters.Add(query.To)}
                {string.Concat(query.Selector.Matchers.Select(m => "AND " + MatcherCondition(m, parameters)))}
                {(query.Selector.ProfileTypeId is { } type ? $"AND {MetricsTable.ProfileType} = {parameters.Add(type)}" : "")}
                """;
            var source = $"read_parquet({parameters.Add(files)}, hive_partitioning = false)";
            // The rule's step (nanoseconds; the largest, should the rule have changed within the range).
            var ruleStepMicros = 0L;
            using (var statement = connection.Prepare($"SELECT coalesce(max({MetricsTable.Step}), 0) // 1000 FROM {source} WHERE {filter}"))
            {
                parameters.BindTo(statement);
                using var result = statement.Execute();
                using var chunk = result.FetchChunk();
                ruleStepMicros = chunk is { RowCount: > 0 } ? chunk.Column(0).Values<long>()[0] : 0;
            }
            if (ruleStepMicros == 0)
            {
                return [];
            }
            var stepMicros = RecordedStepMicros(step, ruleStepMicros, query.To - query.From);
            var bucket = $"time_bucket(to_microseconds({parameters.Add(stepMicros)}), {MetricsTable.Time}, TIMESTAMP '1970-01-01')";
            var perSeries = query.GroupBy.Count == 0;
            var keys = perSeries
                ? [MetricsTable.SeriesId]
                : query.GroupBy.Select((name, i) => $"coalesce({MetricsTable.Labels}[{parameters.Add(name)}], '') AS g{i}").ToList();
            var keyNames = perSeries ? [MetricsTable.SeriesId] : query.GroupBy.Select((_, i) => $"g{i}").ToList();
            var sql = $"""
                SELECT {bucket} AS t, {string.Join(", ", keys)},
                       {(perSeries ? $"any_value({MetricsTable.Labels})" : "NULL")} AS l,
                       sum({MetricsTable.Value})::DOUBLE AS v, sum({MetricsTable.Profiles})::DOUBLE AS n
                FROM {source}
                WHERE {filter}
                GROUP BY t, {string.Join(", ", keyNames)}
                ORDER BY {string.Join(", ", keyNames)}, t
                """;
            using var query2 = connection.Prepare(sql);
            parameters.BindTo(query2);
            using var rows = query2.Execute();
            return ReadRecordedSeries(rows, query.GroupBy, query.Aggregation);
        }, cancellationToken);
    }

    /// <summary>
    /// The step of a recorded series in microseconds: the requested step, at least the rule's, widened
    /// so the range fits <see cref="ReaderOptions.MaxPointsPerSeries"/>, and rounded up to a whole
    /// number of the rule's steps (the data source's minimum step is for profiles; a rule's step is its own).
    /// </summary>
    private long RecordedStepMicros(TimeSpan requested, long ruleStepMicros, TimeSpan range)
    {
        var micros = Math.Max((long)requested.TotalMicroseconds, ruleStepMicros);
        var fit = (long)Math.Ceiling(range.TotalMicroseconds / Options.MaxPointsPerSeries);
        micros = Math.Max(micros, fit);
        return (micros + ruleStepMicros - 1) / ruleStepMicros * ruleStepMicros;
    }

    /// <summary>One matcher over the metric's labels as SQL (absent label: the empty string; regexes through RE2, as selectors run).</summary>
    private static string MatcherCondition(LabelMatcher matcher, SqlParameters parameters)
    {
        var value = matcher.Name == "__name__"
            ? MetricsTable.MetricName
            : $"coalesce({MetricsTable.Labels}[{parameters.Add(matcher.Name)}], '')";
        var pattern = parameters.Add(matcher.Value);
        return matcher.Operator switch
        {
            MatchOperator.Equal => $"{value} = {pattern}",
            MatchOperator.NotEqual => $"{value} <> {pattern}",
            MatchOperator.Regex => Re2Patterns.FullMatch(value, pattern),
            _ => $"NOT {Re2Patterns.FullMatch(value, pattern)}",
        };
    }

    private List<TimeSeries> ReadRecordedSeries(DuckDbResult result, IReadOnlyList<string> groupBy, SeriesAggregation aggregation)
    {
        var perSeries = groupBy.Count == 0;
        var keyColumns = perSeries ? 1 : groupBy.Count;
        var series = new List<TimeSeries>();
        string[]? currentKey = null;
        LabelSet currentLabels = LabelSet.Empty;
        List<DateTime> times = [];
        List<double> values = [];
        foreach (var chunk in result.Chunks())
        {
            var t = chunk.Column(0).Values<long>();
            var labels = chunk.Column(keyColumns + 1);
            var v = chunk.Column(keyColumns + 2).Values<double>();
            var n = chunk.Column(keyColumns + 3).Values<double>();
            for (var row = 0; row < chunk.RowCount; row++)
            {
                var key = new string[keyColumns];
                for (var g = 0; g < keyColumns; g++)
                {
                    key[g] = perSeries
                        ? chunk.Column(1).Values<ulong>()[row].ToString(System.Globalization.CultureInfo.InvariantCulture)
                        : chunk.Column(g + 1).GetString(row) ?? "";
                }
                if (currentKey is null || !key.AsSpan().SequenceEqual(currentKey))
                {
                    if (currentKey is not null)
                    {
                        series.Add(new TimeSeries(currentLabels, times, values));
                        if (series.Count + 1 > Options.MaxSeries)
                        {
                            throw new QueryException(
                                $"The query returns more than max_series={Options.MaxSeries} series; group by fewer labels or narrow the selector.");
                        }
                    }
                    currentKey = key;
                    currentLabels = perSeries ? LabelSet.From(labels.GetMap(row)) : GroupLabels(groupBy, key);
                    times = [];
                    values = [];
                }
                times.Add(Timestamps.FromMicros(t[row]));
                values.Add(aggregation == SeriesAggregation.Average && n[row] > 0 ? v[row] / n[row] : v[row]);
            }
        }
        if (currentKey is not null)
        {
            series.Add(new TimeSeries(currentLabels, times, values));
        }
        if (perSeries)
        {
            // Ordered by series id above (a hash); by labels for the caller.
            series.Sort((a, b) => string.CompareOrdinal(a.Labels.ToString(), b.Labels.ToString()));
        }
        return series;
    }

    /// <summary>
    /// Runs <paramref name="query"/> over the visible metrics files of the range's partitions, as
    /// <see cref="FilesFor"/> lists them with the other tables (a file removed under it by a
    /// compaction lists the files again, through <see cref="Run{T}(string, DateTime, DateTime, Func{DuckDbConnection, QueryFiles, T}, CancellationToken)"/>).
    /// </summary>
    private T RunMetrics<T>(string tenant, DateTime fromUtc, DateTime toUtc, Func<DuckDbConnection, IReadOnlyList<string>, T> query,
        CancellationToken cancellationToken) =>
        Run(tenant, fromUtc, toUtc, (connection, files) => query(connection, files.Metrics), cancellationToken);
}
