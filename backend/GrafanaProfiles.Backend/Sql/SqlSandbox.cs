using System.Globalization;
using System.Text;
using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Backend.Settings;
using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Query;

namespace GrafanaProfiles.Backend.Sql;

/// <summary>
/// A fresh in-memory DuckDB database for one SQL query: its own threads and memory limit, file access
/// only inside the data source's tenant directory, no extensions, no temporary files, the views
/// <c>samples</c>, <c>series</c>, <c>stacks</c>, <c>functions</c>, <c>stack_frames</c> and <c>metrics</c>
/// over the Parquet files of the hours the time range touches, then the configuration locked. Nothing a query does here outlives it.
/// See README.md, "Sandbox".
/// </summary>
internal sealed class SqlSandbox : IDisposable
{
    /// <summary>The convenience view: one row per frame of every stack, with the function's name.</summary>
    public const string StackFramesView = "stack_frames";

    /// <summary>
    /// The metrics the collector's recording rules recorded: one row per (metric, series, step), the
    /// rows of several flushes of a step summed, as the <c>recording_rule</c> query type reads them.
    /// </summary>
    public const string MetricsView = "metrics";

    /// <summary>The <see cref="MetricsView"/>'s columns, in the order a user reads a point: when, what, which series, how much.</summary>
    internal const string MetricsViewColumns =
        $"{MetricsTable.Time} TIMESTAMP, {MetricsTable.MetricName} VARCHAR, {MetricsTable.Labels} MAP(VARCHAR, VARCHAR), " +
        $"{MetricsTable.Value} BIGINT, {MetricsTable.Profiles} BIGINT, {MetricsTable.ProfileType} VARCHAR, {MetricsTable.Step} BIGINT, " +
        $"{MetricsTable.SeriesId} UBIGINT";

    private readonly DuckDbDatabase _database;
    private readonly string _tenantDirectory;

    private SqlSandbox(DuckDbDatabase database, DuckDbConnection connection, string tenantDirectory)
    {
        _database = database;
        Connection = connection;
        _tenantDirectory = tenantDirectory;
    }

    public DuckDbConnection Connection { get; }

    /// <summary>Opens the database with the data source's limits; <see cref="CreateViews"/> finishes the sandbox.</summary>
    public static SqlSandbox Create(DataSourceInstance instance)
    {
        var database = DuckDbDatabase.Open(settings: new Dictionary<string, string>
        {
            ["threads"] = Math.Max(1, instance.Reader.Options.Threads).ToString(CultureInfo.InvariantCulture),
            ["memory_limit"] = instance.Settings.MemoryLimit,
            // No spilling: the memory limit is a limit, and nothing is written anywhere.
            ["temp_directory"] = "",
            ["autoinstall_known_extensions"] = "false",
            ["autoload_known_extensions"] = "false",
            ["allow_community_extensions"] = "false",
            ["allow_unsigned_extensions"] = "false",
            // DuckDB derives these from $HOME (~/.duckdb/...), and duckdb_settings(), current_setting()
            // and its errors would show them: the sandbox points them into the tenant's own
            // directory, where nothing is installed or stored (both are switched off above).
            ["home_directory"] = instance.TenantDirectory,
            ["extension_directory"] = Path.Combine(instance.TenantDirectory, ".duckdb", "extensions"),
            ["secret_directory"] = Path.Combine(instance.TenantDirectory, ".duckdb", "stored_secrets"),
        });
        try
        {
            return new SqlSandbox(database, database.Connect(), instance.TenantDirectory);
        }
        catch
        {
            database.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Limits file access, creates the views over <paramref name="files"/>, and locks the
    /// configuration: a cold path, run through ADO.NET (statement by statement, in order).
    /// </summary>
    public void CreateViews(QueryFiles files) => Connection.ExecuteNonQuery(SetupSql(_tenantDirectory, files));

    /// <summary>
    /// The setup, in an order that matters: file access is limited before the views are created (so
    /// they obey it too), and the configuration is locked last, so no statement can loosen it.
    /// </summary>
    internal static string SetupSql(string tenantDirectory, QueryFiles files)
    {
        var sql = new StringBuilder();
        var allowed = tenantDirectory.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        sql.Append(CultureInfo.InvariantCulture, $"SET allowed_directories = [{Literal(allowed)}];\n");
        sql.Append("SET enable_external_access = false;\n");
        // A series, stack or function is in several files of a range: the views keep one row per id
        // (rows with the same id are identical, ids being content hashes), so joins count once.
        AppendTable(sql, SeriesTable.Name, SeriesTable.Columns, files.Series, distinctBy: SeriesTable.SeriesId);
        AppendSamples(sql, files.Samples);
        AppendTable(sql, StacksTable.Name, StacksTable.Columns, files.Stacks, distinctBy: StacksTable.StackId);
        AppendTable(sql, FunctionsTable.Name, FunctionsTable.Columns, files.Functions, distinctBy: FunctionsTable.FunctionId);
        sql.Append(CultureInfo.InvariantCulture, $"""
            CREATE VIEW {StackFramesView} AS
            SELECT f.{StacksTable.StackId}, f.depth, f.depth = f.stack_depth - 1 AS is_leaf, f.{FunctionsTable.FunctionId},
                   fn.{FunctionsTable.FunctionName}, fn.{FunctionsTable.SystemName}, fn.{FunctionsTable.Filename}, fn.{FunctionsTable.Line}
            FROM (
                SELECT {StacksTable.StackId}, unnest({StacksTable.FrameIds}) AS {FunctionsTable.FunctionId},
                       unnest(range(len({StacksTable.FrameIds}))) AS depth, len({StacksTable.FrameIds}) AS stack_depth
                FROM {StacksTable.Name}
            ) f
            LEFT JOIN {FunctionsTable.Name} fn USING ({FunctionsTable.FunctionId});

            """);
        AppendMetrics(sql, files.Metrics);
        sql.Append("SET lock_configuration = true;\n");
        return sql.ToString();
    }

    /// <summary>
    /// The samples view: the samples files with each row's series labels joined back in (the files
    /// keep labels once per series, in the series files; see docs/architecture.md).
    /// </summary>
    private static void AppendSamples(StringBuilder sql, IReadOnlyList<string> files)
    {
        if (files.Count == 0)
        {
            sql.Append(CultureInfo.InvariantCulture, $"CREATE TABLE {SamplesTable.Name} ({SamplesTable.ViewColumns});\n");
            return;
        }
        var names = string.Join(", ", ColumnNames(SamplesTable.ViewColumns).Select(c =>
            c == SeriesTable.Labels ? $"sr.{SeriesTable.Labels}" : $"s.{c}"));
        sql.Append(CultureInfo.InvariantCulture, $"""
            CREATE VIEW {SamplesTable.Name} AS SELECT {names}
            FROM {ParquetSource(files)} s
            LEFT JOIN {SeriesTable.Name} sr ON sr.{SeriesTable.SeriesId} = s.{SamplesTable.SeriesId};

            """);
    }

    /// <summary>
    /// The metrics view: the metrics files' rows summed per (metric, series, step start, step length),
    /// as compaction merges them, so a step recorded over several flushes is one row. The grouping
    /// keys include <c>time</c> and <c>metric_name</c>, so DuckDB pushes a user's filters on them
    /// below the aggregate into the Parquet scan.
    /// </summary>
    private static void AppendMetrics(StringBuilder sql, IReadOnlyList<string> files)
    {
        if (files.Count == 0)
        {
            sql.Append(CultureInfo.InvariantCulture, $"CREATE TABLE {MetricsView} ({MetricsViewColumns});\n");
            return;
        }
        sql.Append(CultureInfo.InvariantCulture, $"""
            CREATE VIEW {MetricsView} AS
            SELECT {MetricsTable.Time}, {MetricsTable.MetricName}, any_value({MetricsTable.Labels}) AS {MetricsTable.Labels},
                   sum({MetricsTable.Value})::BIGINT AS {MetricsTable.Value}, sum({MetricsTable.Profiles})::BIGINT AS {MetricsTable.Profiles},
                   any_value({MetricsTable.ProfileType}) AS {MetricsTable.ProfileType}, {MetricsTable.Step}, {MetricsTable.SeriesId}
            FROM {ParquetSource(files)}
            GROUP BY {MetricsTable.MetricName}, {MetricsTable.SeriesId}, {MetricsTable.Time}, {MetricsTable.Step};

            """);
    }

    /// <summary>
    /// A view over one table's files with one row per <paramref name="distinctBy"/> id (null: every
    /// row). The id is a content hash, so rows with the same id are equal and <c>any_value</c> picks
    /// any of them. The form matters for the <c>samples</c> view's join with <c>series</c>: over the
    /// scale-1 benchmark store, a day of one service summed by profile type (no labels read) took
    /// 213 ms with a <c>SELECT DISTINCT</c> series view and 74 ms with <c>GROUP BY series_id</c>
    /// (34 ms without the join); grouping by a label, 297 against 303 ms.
    /// </summary>
    private static void AppendTable(StringBuilder sql, string name, string columns, IReadOnlyList<string> files, string? distinctBy = null)
    {
        if (files.Count == 0)
        {
            // No data in the range: an empty table with the documented columns, so queries still bind.
            sql.Append(CultureInfo.InvariantCulture, $"CREATE TABLE {name} ({columns});\n");
            return;
        }
        var source = ParquetSource(files);
        if (distinctBy is null)
        {
            sql.Append(CultureInfo.InvariantCulture, $"CREATE VIEW {name} AS SELECT {string.Join(", ", ColumnNames(columns))} FROM {source};\n");
            return;
        }
        var select = string.Join(", ", ColumnNames(columns).Select(c => c == distinctBy ? c : $"any_value({c}) AS {c}"));
        sql.Append(CultureInfo.InvariantCulture, $"CREATE VIEW {name} AS SELECT {select} FROM {source} GROUP BY {distinctBy};\n");
    }

    /// <summary>The files as one <c>read_parquet</c> table (paths are ours, quoted as literals).</summary>
    private static string ParquetSource(IReadOnlyList<string> files) =>
        $"read_parquet([{string.Join(", ", files.Select(Literal))}], hive_partitioning = false)";

    /// <summary>The names of a column list such as <c>a BIGINT, b MAP(VARCHAR, VARCHAR)</c>.</summary>
    internal static IEnumerable<string> ColumnNames(string columns)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i <= columns.Length; i++)
        {
            if (i == columns.Length || (columns[i] == ',' && depth == 0))
            {
                var definition = columns[start..i].Trim();
                yield return definition[..definition.IndexOf(' ', StringComparison.Ordinal)];
                start = i + 1;
            }
            else if (columns[i] == '(')
            {
                depth++;
            }
            else if (columns[i] == ')')
            {
                depth--;
            }
        }
    }

    internal static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    public void Dispose()
    {
        Connection.Dispose();
        _database.Dispose();
    }
}
