namespace GrafanaProfiles.Schema.Tables;

/// <summary>
/// Metrics recorded from profiles by the collector's recording rules: one row per (rule metric,
/// series, step) and flush. A flush writes the points it evaluated into the hour partition of the
/// profiles they came from, in the same commit as the profiles' own files; a step whose profiles
/// arrive in several flushes has a row from each, so readers sum <see cref="Value"/> and
/// <see cref="Profiles"/> per (metric, series, time). Compaction merges a closed hour's rows into one
/// row per (metric, series, time, step).
/// </summary>
public static class MetricsTable
{
    public const string Name = "metrics";
    /// <summary>The rule's Prometheus metric name, VARCHAR.</summary>
    public const string MetricName = "metric_name";
    /// <summary>The profile type the rule reads, VARCHAR (for the unit).</summary>
    public const string ProfileType = "profile_type";
    /// <summary>XXH64 of the metric name and the label pairs (the store's series hash), UBIGINT.</summary>
    public const string SeriesId = "series_id";
    /// <summary>The point's labels: the rule's group-by label values and its extra labels, MAP(VARCHAR, VARCHAR).</summary>
    public const string Labels = "labels";
    /// <summary>Start of the step, TIMESTAMP (microseconds, UTC).</summary>
    public const string Time = "time";
    /// <summary>Length of the step in nanoseconds, BIGINT.</summary>
    public const string Step = "step";
    /// <summary>Summed value in the profile type's unit, BIGINT.</summary>
    public const string Value = "value";
    /// <summary>Profile windows that contributed, BIGINT (an average per profile is value / profiles).</summary>
    public const string Profiles = "profiles";

    public const string Columns =
        $"{MetricName} VARCHAR, {ProfileType} VARCHAR, {SeriesId} UBIGINT, {Labels} MAP(VARCHAR, VARCHAR), " +
        $"{Time} TIMESTAMP, {Step} BIGINT, {Value} BIGINT, {Profiles} BIGINT";

    public const string SortOrder = $"{MetricName}, {SeriesId}, {Time}";
}
