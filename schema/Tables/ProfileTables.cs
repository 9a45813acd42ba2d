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
    /// <summary>64-bit hash of service_name and the label map: the series identity, UBIGINT.</summary>
    public const string SeriesId = "series_id";
    public const string Labels = "labels";
    public const string StackId = "stack_id";
    public const string Value = "value";
    public const string SpanId = "span_id";

    public const string Columns =
        $"{Time} TIMESTAMP, {Duration} BIGINT, {ServiceName} VARCHAR, {ProfileType} VARCHAR, {SeriesId} UBIGINT, " +
        $"{Labels} MAP(VARCHAR, VARCHAR), {StackId} UBIGINT, {Value} BIGINT, {SpanId} UBIGINT";

    /// <summary>Sort order of every samples file: row-group statistics prune on these.</summary>
    public const string SortOrder = $"{ServiceName}, {ProfileType}, {SeriesId}, {Time}, {StackId}";
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
