namespace GrafanaProfiles.Schema.Tables;

/// <summary>
/// The one place where the store's table and column names live. Every SQL text in the project builds
/// on these constants; <c>schema/README.md</c> documents the same tables for people and other tools.
/// </summary>
public static class SamplesTable
{
    public const string Name = "samples";
    /// <summary>Start of the profile window, TIMESTAMP (microseconds, UTC).</summary>
    public const string Time = "time";
    /// <summary>Length of the profile window in nanoseconds, BIGINT.</summary>
    public const string Duration = "duration";
    public const string ServiceName = "service_name";
    public const string ProfileType = "profile_type";
    /// <summary>64-bit hash of service_name and the label map: the series identity, UBIGINT; its labels are in <see cref="SeriesTable"/>.</summary>
    public const string SeriesId = "series_id";
    public const string StackId = "stack_id";
    public const string Value = "value";
    public const string SpanId = "span_id";

    /// <summary>
    /// The columns of the samples files. The series labels are not among them: they are stored once
    /// per series in <see cref="SeriesTable"/> (a label map on every row cost the Parquet writer
    /// more than everything else in a flush; see docs/architecture.md). SQL users see them through
    /// a <c>samples</c> view that joins them back (<see cref="ViewColumns"/>).
    /// </summary>
    public const string Columns =
        $"{Time} TIMESTAMP, {Duration} BIGINT, {ServiceName} VARCHAR, {ProfileType} VARCHAR, {SeriesId} UBIGINT, " +
        $"{StackId} UBIGINT, {Value} BIGINT, {SpanId} UBIGINT";

    /// <summary>The samples columns with the series labels joined back in, in the order a <c>samples</c> view shows them.</summary>
    public const string ViewColumns =
        $"{Time} TIMESTAMP, {Duration} BIGINT, {ServiceName} VARCHAR, {ProfileType} VARCHAR, {SeriesId} UBIGINT, " +
        $"{SeriesTable.Labels} MAP(VARCHAR, VARCHAR), {StackId} UBIGINT, {Value} BIGINT, {SpanId} UBIGINT";

    /// <summary>Sort order of every samples file: row-group statistics prune on these.</summary>
    public const string SortOrder = $"{ServiceName}, {ProfileType}, {SeriesId}, {Time}, {StackId}";
}

/// <summary>
/// One row per series: the labels of a <see cref="SamplesTable.SeriesId"/>. A writer writes a series
/// into an hour partition the first time it flushes rows of it there; readers see a series id in
/// several files of a partition and keep one row per id (the id is a hash of the row's content).
/// </summary>
public static class SeriesTable
{
    public const string Name = "series";
    public const string SeriesId = SamplesTable.SeriesId;
    public const string ServiceName = SamplesTable.ServiceName;
    /// <summary>The series labels other than service_name, MAP(VARCHAR, VARCHAR).</summary>
    public const string Labels = "labels";

    public const string Columns = $"{SeriesId} UBIGINT, {ServiceName} VARCHAR, {Labels} MAP(VARCHAR, VARCHAR)";
    public const string SortOrder = SeriesId;
}

public static class StacksTable
{
    public const string Name = "stacks";
    public const string StackId = "stack_id";
    /// <summary>Function ids of the stack, root first, UBIGINT[].</summary>
    public const string FrameIds = "frame_ids";

    public const string Columns = $"{StackId} UBIGINT, {FrameIds} UBIGINT[]";
    public const string SortOrder = StackId;
}

public static class FunctionsTable
{
    public const string Name = "functions";
    public const string FunctionId = "function_id";
    public const string FunctionName = "name";
    public const string SystemName = "system_name";
    public const string Filename = "filename";
    /// <summary>The function's start line in its file (0 when unknown), BIGINT.</summary>
    public const string Line = "line";

    public const string Columns =
        $"{FunctionId} UBIGINT, {FunctionName} VARCHAR, {SystemName} VARCHAR, {Filename} VARCHAR, {Line} BIGINT";
    public const string SortOrder = FunctionId;
}

/// <summary>The hive partition columns that the directory layout adds to every table.</summary>
public static class PartitionColumns
{
    public const string Tenant = "tenant";
    public const string Hour = "hour";
    /// <summary>Format of the hour partition value, UTC: <c>2026-11-22T13</c>.</summary>
    public const string HourFormat = "yyyy-MM-dd'T'HH";
}
