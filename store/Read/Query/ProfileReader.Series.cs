using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Partitions;
using GrafanaProfiles.Store.Query.Selectors;

namespace GrafanaProfiles.Store.Query;

/// <summary>How values of several profiles within one step are combined.</summary>
public enum SeriesAggregation
{
    /// <summary>The sum of all profiles' totals in the step (Pyroscope's default).</summary>
    Sum,
    /// <summary>The average total per profile window in the step.</summary>
    Average,
}

/// <summary>One time series: the group-by label values and a value per step (steps without data are absent).</summary>
public sealed record TimeSeries(LabelSet Labels, IReadOnlyList<DateTime> Times, IReadOnlyList<double> Values);

public sealed partial class ProfileReader
{
    /// <summary>The step a series query really uses: at least the minimum step, and coarse enough for the point limit.</summary>
    public TimeSpan EffectiveStep(TimeSpan requested, DateTime fromUtc, DateTime toUtc)
    {
        var step = requested < Options.MinStep ? Options.MinStep : requested;
        var range = toUtc - fromUtc;
        if (range.Ticks / step.Ticks > Options.MaxPointsPerSeries)
        {
            step = TimeSpan.FromSeconds(Math.Ceiling(range.TotalSeconds / Options.MaxPointsPerSeries));
        }
        return TimeSpan.FromSeconds(Math.Max(1, Math.Round(step.TotalSeconds)));
    }

    /// <summary>Total per step of a selection, one series per combination of the group-by labels.</summary>
    public IReadOnlyList<TimeSeries> Series(ProfileSelection selection, TimeSpan step, IReadOnlyList<string> groupBy,
        SeriesAggregation aggregation = SeriesAggregation.Sum, CancellationToken cancellationToken = default) =>
        Series(selection, step, groupBy, aggregation, limit: null, cancellationToken);

    /// <summary>
    /// As above, keeping only the <paramref name="limit"/> series with the largest sums (ties by label
    /// values): DuckDB picks them, so a selection with more groups than <c>MaxSeries</c> still answers a
    /// query that asks for its top series (Pyroscope's <c>limit</c>).
    /// </summary>
    public IReadOnlyList<TimeSeries> Series(ProfileSelection selection, TimeSpan step, IReadOnlyList<string> groupBy,
        SeriesAggregation aggregation, int? limit, CancellationToken cancellationToken = default)
    {
        if (limit is <= 0)
        {
            throw new QueryException($"The series limit must be positive; got {limit}.");
        }
        var effective = EffectiveStep(step, selection.From, selection.To);
        CheckGroupBy(groupBy);
        return Run(() => Plan(selection.Tenant, selection.From, selection.To, StepUse(selection, effective)), (connection, files) =>
        {
            if (files.IsEmpty)
            {
                return (IReadOnlyList<TimeSeries>)[];
            }
            var parameters = new SqlParameters();
            var stepParam = parameters.Add((long)effective.TotalMicroseconds);
            var groups = groupBy.Select((name, i) => $"{LabelExpression(name, parameters)} AS g{i}").ToList();
            var groupColumns = string.Concat(groups.Select(g => ", " + g));
            var keys = Enumerable.Range(0, groupBy.Count).Select(i => $"g{i}").ToList();
            // The step's start in microseconds, floored as time_bucket(step, time, epoch) floors (also
            // before 1970), in integer arithmetic: 30 days of minute totals (1.6 M rows) took
            // 75–78 ms of CPU so against 89–104 ms with time_bucket. The series id decides the
            // service, and the profile type is one: they are keys only when a group needs them
            // (the two string keys cost another 15 ms there; docs/benchmarks.md, "Long ranges").
            var micros = $"epoch_us({SamplesTable.Time})";
            var bucket = $"({micros} - (({micros} % {stepParam}) + {stepParam}) % {stepParam})";
            var seriesColumns = string.Join(", ", new[] { SamplesTable.SeriesId }
                .Concat(groupBy.Contains(SamplesTable.ServiceName) ? [SamplesTable.ServiceName] : [])
                .Concat(groupBy.Contains(LabelRules.ProfileType) ? [SamplesTable.ProfileType] : []));
            // Per step and series: the raw pieces sum their samples and count their windows; the
            // rollups of whole hours and days (minute steps, which a step of whole minutes merges
            // exactly) sum their step totals and window counts. The pieces are disjoint in time, so
            // a window is counted in one piece only; integers are summed before the one conversion.
            // Windows are counted only for an average (a sum never reads them): the distinct count
            // was most of a raw series' time (24 h of 11.4 M rows by pod: 4.9 s with it).
            // Within a group (one series and profile type) a window is its start time.
            var average = aggregation == SeriesAggregation.Average;
            var pieces = new List<string>();
            if (files.Samples.Count > 0)
            {
                pieces.Add($"""
                    SELECT {bucket} AS t, {seriesColumns}, sum({SamplesTable.Value}) AS v,
                           {(average ? $"count(DISTINCT {SamplesTable.Time})" : "0")} AS n
                    FROM {files.SamplesSource(parameters)}
                    WHERE {SampleFilter(selection, parameters, files)}
                    GROUP BY ALL
                    """);
            }
            if (files.Rollups.Count > 0)
            {
                pieces.Add($"""
                    SELECT {bucket} AS t, {seriesColumns}, sum({SamplesTable.Value}) AS v, {(average ? $"sum({RollupTables.Windows})" : "0")} AS n
                    FROM {files.RollupSource(parameters)}
                    WHERE {SampleFilter(selection, parameters, files, withTime: false)}
                    GROUP BY ALL
                    """);
            }
            // Sum per step and series first, then join the (few) aggregated rows with their series'
            // labels when a group needs them: the label map is read once per series and step, not
            // once per samples row (series 24 h by pod at scale 1: 228–243 ms joining every row,
            // 134 ms so). Windows counted per series add up, as a series' windows are its own.
            var buckets = $"""
                SELECT p.t{groupColumns}, sum(p.v) AS v, sum(p.n) AS n
                FROM (
                    SELECT t, {seriesColumns}, sum(v)::DOUBLE AS v, sum(n)::DOUBLE AS n
                    FROM ({string.Join("\nUNION ALL\n", pieces)})
                    GROUP BY ALL) p
                {LabelsJoin(groupBy, files, parameters)}
                GROUP BY ALL
                """;
            var order = string.Join(", ", keys.Append("t"));
            var sql = limit is { } top && keys.Count > 0
                ? $"""
                    WITH buckets AS ({buckets}),
                         kept AS (SELECT {string.Join(", ", keys)} FROM buckets GROUP BY ALL
                                  ORDER BY sum(v) DESC, {string.Join(", ", keys)} LIMIT {parameters.Add((long)top)})
                    SELECT buckets.* FROM buckets SEMI JOIN kept USING ({string.Join(", ", keys)})
                    ORDER BY {order}
                    """
                : $"{buckets}\nORDER BY {order}";
            using var statement = connection.Prepare(sql);
            parameters.BindTo(statement);
            using var result = statement.Execute();
            return ReadSeries(result, groupBy, aggregation);
        }, cancellationToken);
    }

    private static LabelSet GroupLabels(IReadOnlyList<string> names, string[] values) =>
        LabelSet.From(names.Select((name, i) => new KeyValuePair<string, string>(name, values[i])));

    /// <summary>
    /// SQL for a label's value: the service_name or profile_type column, or the series' label map
    /// (absent → ''), which needs the samples joined with their series (<see cref="NeedsLabels"/>).
    /// </summary>
    internal static string LabelExpression(string name, SqlParameters parameters) => name switch
    {
        SamplesTable.ServiceName => SamplesTable.ServiceName,
        LabelRules.ProfileType => SamplesTable.ProfileType,
        _ => $"coalesce({SeriesTable.Labels}[{parameters.Add(name)}], '')",
    };

    /// <summary>Whether grouping by these labels needs the series' label map.</summary>
    internal static bool NeedsLabels(IReadOnlyList<string> groupBy) =>
        groupBy.Any(name => name is not (SamplesTable.ServiceName or LabelRules.ProfileType));

    /// <summary>
    /// The join that gives rows aggregated per series (alias <c>p</c>) their series' <c>labels</c>,
    /// or nothing when the group-by labels are all samples columns.
    /// </summary>
    internal static string LabelsJoin(IReadOnlyList<string> groupBy, QueryFiles files, SqlParameters parameters) =>
        NeedsLabels(groupBy)
            ? $"LEFT JOIN {files.SeriesLabels(parameters)} sr ON sr.{SeriesTable.SeriesId} = p.{SamplesTable.SeriesId}"
            : "";
}
