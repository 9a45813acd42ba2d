using GrafanaProfiles.Backend.Settings;
using GrafanaProfiles.Schema.Tables;

namespace GrafanaProfiles.Backend.Sql;

/// <summary>What the SQL editor shows: the views a query can read, their columns, and the macros.</summary>
public sealed record SqlSchema(string Tenant, IReadOnlyList<SqlSchemaTable> Tables, IReadOnlyList<SqlSchemaMacro> Macros)
{
    /// <summary>The views of every SQL query of this data source (descriptions from schema/README.md).</summary>
    public static SqlSchema Describe(DataSourceInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return new SqlSchema(instance.Settings.Tenant, AllTables, AllMacros);
    }

    private static readonly IReadOnlyList<SqlSchemaTable> AllTables =
    [
        new(SamplesTable.Name, "One row per (profile window, series, stack), for the hours the time range touches; filter with $__timeFilter(time).",
        [
            new(SamplesTable.Time, "TIMESTAMP", "start of the profile window (UTC, microseconds)"),
            new(SamplesTable.Duration, "BIGINT", "length of the window in nanoseconds"),
            new(SamplesTable.ServiceName, "VARCHAR", "the service (Pyroscope's service_name)"),
            new(SamplesTable.ProfileType, "VARCHAR", "name:sample_type:sample_unit:period_type:period_unit, e.g. process_cpu:cpu:nanoseconds:cpu:nanoseconds"),
            new(SamplesTable.SeriesId, "UBIGINT", "XXH64 of service name and label pairs: the series identity"),
            new(SeriesTable.Labels, "MAP(VARCHAR, VARCHAR)", "the series labels other than service_name; labels['env'] (joined from series)"),
            new(SamplesTable.StackId, "UBIGINT", "id of the stack (see stacks)"),
            new(SamplesTable.Value, "BIGINT", "the sample value in the type's unit, summed per stack within the window"),
            new(SamplesTable.SpanId, "UBIGINT", "the span the samples ran in, for span profiles (nullable)"),
        ]),
        new(SeriesTable.Name, "The series of the samples in range, one row per series_id: the labels are stored once per series.",
        [
            new(SeriesTable.SeriesId, "UBIGINT", "the series identity (samples.series_id)"),
            new(SeriesTable.ServiceName, "VARCHAR", "the service"),
            new(SeriesTable.Labels, "MAP(VARCHAR, VARCHAR)", "the series labels other than service_name"),
        ]),
        new(StacksTable.Name, "Stacks of the samples in range, one row per stack_id.",
        [
            new(StacksTable.StackId, "UBIGINT", "XXH64 of the frame ids (root first)"),
            new(StacksTable.FrameIds, "UBIGINT[]", "function ids, root first"),
        ]),
        new(FunctionsTable.Name, "Functions of those stacks, one row per function_id.",
        [
            new(FunctionsTable.FunctionId, "UBIGINT", "XXH64 of name, system name, file name and start line"),
            new(FunctionsTable.FunctionName, "VARCHAR", "function name as the runtime reports it"),
            new(FunctionsTable.SystemName, "VARCHAR", "mangled / system name (often equal to name)"),
            new(FunctionsTable.Filename, "VARCHAR", "source file"),
            new(FunctionsTable.Line, "BIGINT", "start line of the function (0 when unknown)"),
        ]),
        new(SqlSandbox.StackFramesView, "One row per frame of every stack, with the function's name: join samples on stack_id; is_leaf rows give self values.",
        [
            new(StacksTable.StackId, "UBIGINT", "the stack"),
            new("depth", "BIGINT", "position in the stack, 0 = root"),
            new("is_leaf", "BOOLEAN", "true for the last (leaf) frame: the function that was running"),
            new(FunctionsTable.FunctionId, "UBIGINT", "the frame's function"),
            new(FunctionsTable.FunctionName, "VARCHAR", "function name"),
            new(FunctionsTable.SystemName, "VARCHAR", "mangled / system name"),
            new(FunctionsTable.Filename, "VARCHAR", "source file"),
            new(FunctionsTable.Line, "BIGINT", "start line of the function"),
        ]),
        new(SqlSandbox.MetricsView, "The metrics the collector's recording rules recorded from profiles, one row per (metric, series, step), for the hours the time range touches; filter with $__timeFilter(time).",
        [
            new(MetricsTable.Time, "TIMESTAMP", "start of the step (UTC, microseconds)"),
            new(MetricsTable.MetricName, "VARCHAR", "the rule's metric name, e.g. profiles_recorded_cpu_nanoseconds"),
            new(MetricsTable.Labels, "MAP(VARCHAR, VARCHAR)", "the rule's group-by label values and extra labels; labels['service_name']"),
            new(MetricsTable.Value, "BIGINT", "the step's summed value in the profile type's unit (of one function's self or total time for a function rule)"),
            new(MetricsTable.Profiles, "BIGINT", "profile windows that contributed; value / profiles is the average per profile"),
            new(MetricsTable.ProfileType, "VARCHAR", "the profile type the rule sums (its unit)"),
            new(MetricsTable.Step, "BIGINT", "length of the step in nanoseconds"),
            new(MetricsTable.SeriesId, "UBIGINT", "XXH64 of the metric name and label pairs: the series identity"),
        ]),
    ];

    private static readonly IReadOnlyList<SqlSchemaMacro> AllMacros =
    [
        new("$__timeFilter(column)", "column >= TIMESTAMP '<from>' AND column < TIMESTAMP '<to>'"),
        new("$__timeFrom()", "TIMESTAMP '<from>'"),
        new("$__timeTo()", "TIMESTAMP '<to>'"),
        new("$__time(column)", "column AS \"time\""),
        new("$__timeGroup(column, interval)", "time_bucket(INTERVAL '<interval>', column, TIMESTAMP '1970-01-01 00:00:00')"),
        new("$__timeGroupAlias(column, interval)", "$__timeGroup(...) AS \"time\""),
        new("$__interval", "the panel's interval, e.g. 1m"),
        new("$__interval_ms", "the panel's interval in milliseconds"),
        new("$__unixEpochFilter(column)", "column >= <from seconds> AND column <= <to seconds>"),
        new("$__unixEpochFrom()", "from, Unix seconds"),
        new("$__unixEpochTo()", "to, Unix seconds"),
        new("$__unixEpochNanoFilter(column)", "column >= <from ns> AND column <= <to ns>"),
        new("$__unixEpochNanoFrom()", "from, Unix nanoseconds"),
        new("$__unixEpochNanoTo()", "to, Unix nanoseconds"),
        new("$__unixEpochGroup(column, interval)", "floor((column) / <seconds>) * <seconds>"),
        new("$__unixEpochGroupAlias(column, interval)", "$__unixEpochGroup(...) AS \"time\""),
    ];
}

/// <summary>A view of the SQL sandbox.</summary>
public sealed record SqlSchemaTable(string Name, string Description, IReadOnlyList<SqlSchemaColumn> Columns);

/// <summary>A column: name, DuckDB type, meaning.</summary>
public sealed record SqlSchemaColumn(string Name, string Type, string Description);

/// <summary>A macro as written and what it expands to.</summary>
public sealed record SqlSchemaMacro(string Syntax, string Expansion);
