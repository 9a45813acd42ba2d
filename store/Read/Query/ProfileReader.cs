using System.Collections.Concurrent;
using System.Globalization;
using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Partitions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrafanaProfiles.Store.Query;

/// <summary>
/// The read side of the store: DuckDB over the Parquet files of only the hour partitions a query's
/// time range touches. Thread-safe; each query takes a pooled connection, is interrupted at its
/// timeout or cancellation, and is retried with a fresh file list if a compaction removed a file
/// under it. See docs/architecture.md, "Read path".
/// </summary>
public sealed partial class ProfileReader : IDisposable
{
    /// <summary>
    /// Attempts of a query whose files vanish under it. With the default 30 s compaction grace
    /// period a retry is rare; with a zero grace period (tests), back-to-back compactions removed
    /// a query's files three times in a row on a loaded 2-core machine, so the budget is generous
    /// and attempts are spaced a little.
    /// </summary>
    private const int FileRaceRetries = 10;

    private readonly DuckDbDatabase _duck;
    private readonly ConcurrentBag<DuckDbConnection> _pool = [];
    private readonly SymbolCache _symbols;

    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, bool> _linksReported = new(StringComparer.Ordinal);

    /// <param name="log">Where the reader says which links it ignored (once per link).</param>
    public ProfileReader(string dataDirectory, ReaderOptions? options = null, ILogger? log = null)
    {
        Options = options ?? new ReaderOptions();
        _log = log ?? NullLogger.Instance;
        Layout = new PartitionLayout(dataDirectory, OnLinkIgnored);
        _symbols = new SymbolCache(Options.SymbolCacheBytes);
        Spill = OpenSpillDirectory(Layout.Root, Options.SpillDirectory, _log, out _ownSpill);
        _duck = DuckDbDatabase.Open(settings: new Dictionary<string, string>
        {
            ["threads"] = Options.Threads.ToString(CultureInfo.InvariantCulture),
            ["memory_limit"] = Options.MemoryLimit,
            ["temp_directory"] = Spill,
            ["max_temp_directory_size"] = Options.SpillLimit,
        });
    }

    /// <summary>The directory DuckDB spills to, or empty when it does not spill.</summary>
    internal string Spill { get; }

    private readonly bool _ownSpill;

    /// <summary>Name of the directory in the data directory that holds each reader's spill directory.</summary>
    internal const string SpillRoot = ".tmp-query-spill";

    /// <summary>
    /// The spill directory of a new reader: the one configured, or one of its own under
    /// <see cref="SpillRoot"/> (named by process id, so a later reader removes those of processes
    /// that are gone), or none where it cannot be created.
    /// </summary>
    private static string OpenSpillDirectory(string dataDirectory, string? configured, ILogger log, out bool own)
    {
        own = configured is null;
        var path = configured ?? Path.Combine(dataDirectory, SpillRoot, $"{SpillOwner}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        if (path.Length == 0)
        {
            return "";
        }
        if (own && !Directory.Exists(dataDirectory))
        {
            // Not created here: a data directory that does not exist yet is what the health check reports.
            own = false;
            log.LogWarning("Queries will not spill to disk: the data directory {Directory} does not exist.", dataDirectory);
            return "";
        }
        try
        {
            Directory.CreateDirectory(path);
            if (own)
            {
                RemoveSpillOfEndedProcesses(Path.GetDirectoryName(path)!);
            }
            return Path.GetFullPath(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            own = false;
            log.LogWarning("Queries will not spill to disk: cannot create {Directory} ({Reason}). A query that needs more than memory_limit fails instead.",
                path, e.Message);
            return "";
        }
    }

    /// <summary>This machine's name as a spill directory's first part (readers on several machines may share a data directory).</summary>
    internal static string SpillOwner { get; } =
        new([.. Environment.MachineName.ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c) || c == '_')]);

    /// <summary>Removes the spill directories this machine's ended processes left (killed before their reader was disposed).</summary>
    private static void RemoveSpillOfEndedProcesses(string root)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var prefix = SpillOwner + "-";
        foreach (var dir in Directory.EnumerateDirectories(root, prefix + "*"))
        {
            var rest = Path.GetFileName(dir)[prefix.Length..];
            var dash = rest.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && int.TryParse(rest.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (IOException)
                {
                    // Another reader got there first.
                }
            }
        }
    }

    public ReaderOptions Options { get; }

    public PartitionLayout Layout { get; }

    /// <summary>The files of each table in the partitions that overlap [from, to).</summary>
    public QueryFiles FilesFor(string tenant, DateTime fromUtc, DateTime toUtc)
    {
        var samples = new List<string>();
        var series = new List<string>();
        var stacks = new List<string>();
        var functions = new List<string>();
        var metrics = new List<string>();
        foreach (var hour in Layout.HoursInRange(tenant, fromUtc, toUtc))
        {
            // One listing per hour for all the tables.
            var files = Layout.VisibleFiles(tenant, hour);
            Add(samples, files, SamplesTable.Name);
            Add(series, files, SeriesTable.Name);
            Add(stacks, files, StacksTable.Name);
            Add(functions, files, FunctionsTable.Name);
            Add(metrics, files, MetricsTable.Name);
        }
        return new QueryFiles(samples, series, stacks, functions) { Metrics = metrics };

        static void Add(List<string> list, IReadOnlyDictionary<string, List<string>> files, string table)
        {
            if (files.TryGetValue(table, out var found))
            {
                list.AddRange(found);
            }
        }
    }

    private void OnLinkIgnored(string link, string why)
    {
        if (_linksReported.TryAdd(link, true))
        {
            _log.LogWarning("Ignoring {Link}: a symbolic link that {Why}; queries do not read it.", link, why);
        }
    }

    /// <summary>
    /// Runs <paramref name="query"/> on a pooled connection with the timeout and cancellation wired
    /// to DuckDB's interrupt. A file vanishing under the query (a compaction committed) re-lists the
    /// files and runs it again.
    /// </summary>
    internal T Run<T>(string tenant, DateTime fromUtc, DateTime toUtc, Func<DuckDbConnection, QueryFiles, T> query, CancellationToken cancellationToken) =>
        Run(() => FilesFor(tenant, fromUtc, toUtc), query, cancellationToken);

    /// <summary>As above, with the files listed by <paramref name="list"/> (a plan over rollups, see <see cref="Plan"/>) on every attempt.</summary>
    internal T Run<T>(Func<QueryFiles> list, Func<DuckDbConnection, QueryFiles, T> query, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var files = list();
            try
            {
                return WithConnection(connection => query(connection, files), cancellationToken);
            }
            catch (DuckDbException e) when (attempt < FileRaceRetries && files.VanishedUnder(e))
            {
                // Listed, then removed by a compaction before DuckDB opened it: list again shortly.
                cancellationToken.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(Math.Min(100, 10 * attempt)));
            }
        }
    }

    internal T WithConnection<T>(Func<DuckDbConnection, T> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_pool.TryTake(out var connection))
        {
            connection = _duck.Connect();
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.QueryTimeout);
        var interrupted = false;
        using (timeout.Token.Register(() =>
        {
            interrupted = true;
            connection.Interrupt();
        }))
        {
            try
            {
                var result = work(connection);
                _pool.Add(connection);
                return result;
            }
            catch (DuckDbException e) when (interrupted || e.IsInterrupt)
            {
                connection.Dispose();
                cancellationToken.ThrowIfCancellationRequested();
                throw new QueryTimeoutException(
                    $"The query ran longer than the limit query_timeout={Options.QueryTimeout.TotalSeconds:0.#}s and was stopped. Narrow the time range or the selector.");
            }
            catch (DuckDbException e) when (e.ErrorType == DuckDB.NET.Native.DuckDBErrorType.OutOfMemory)
            {
                connection.Dispose();
                throw new QueryException(
                    $"The query needed more memory than the limit memory_limit={Options.MemoryLimit} allows" +
                    (Spill.Length == 0 ? " (spilling to disk is off)" : $" even spilling up to {Options.SpillLimit} to disk") +
                    $". Narrow the time range or the selector, or raise the limit. DuckDB: {e.Message.Split('\n')[0]}");
            }
            catch
            {
                // A connection whose query failed may hold a half-finished transaction; start fresh next time.
                connection.Dispose();
                throw;
            }
        }
    }

    public void Dispose()
    {
        while (_pool.TryTake(out var c))
        {
            c.Dispose();
        }
        _duck.Dispose();
        if (_ownSpill)
        {
            try
            {
                Directory.Delete(Spill, recursive: true);
            }
            catch (IOException)
            {
                // Left for the next reader of this data directory (RemoveSpillOfEndedProcesses).
            }
        }
    }
}

/// <summary>The Parquet files a query reads, per table.</summary>
public sealed record QueryFiles(IReadOnlyList<string> Samples, IReadOnlyList<string> Series, IReadOnlyList<string> Stacks, IReadOnlyList<string> Functions)
{
    /// <summary>
    /// Rollup files (one rollup table: stack or step totals) that stand for the whole hours and days
    /// of a planned query; <see cref="Samples"/> then holds only the raw pieces. Empty in
    /// <see cref="ProfileReader.FilesFor"/>'s listing, which is raw throughout.
    /// </summary>
    internal IReadOnlyList<string> Rollups { get; init; } = [];

    /// <summary>
    /// The metrics files (points the collector's recording rules recorded) of the listed partitions;
    /// <see cref="ProfileReader.FilesFor"/> lists them, a plan over rollups does not.
    /// </summary>
    public IReadOnlyList<string> Metrics { get; init; } = [];

    public bool IsEmpty => Samples.Count == 0 && Rollups.Count == 0;

    /// <summary>Every listed file, of all the tables (and the rollups of a plan).</summary>
    public IEnumerable<string> All => Samples.Concat(Series).Concat(Stacks).Concat(Functions).Concat(Metrics).Concat(Rollups);

    /// <summary>The files of both listings, each once (for a query that reads two selections).</summary>
    internal QueryFiles Union(QueryFiles other) => new(
        [.. Samples.Union(other.Samples, StringComparer.Ordinal)], [.. Series.Union(other.Series, StringComparer.Ordinal)],
        [.. Stacks.Union(other.Stacks, StringComparer.Ordinal)], [.. Functions.Union(other.Functions, StringComparer.Ordinal)])
    {
        Rollups = [.. Rollups.Union(other.Rollups, StringComparer.Ordinal)],
        Metrics = [.. Metrics.Union(other.Metrics, StringComparer.Ordinal)],
    };

    /// <summary>The rollup rows as an SQL table expression: <c>read_parquet($n)</c> over <see cref="Rollups"/>.</summary>
    internal string RollupSource(SqlParameters parameters) =>
        $"read_parquet({parameters.Add(Rollups)}, hive_partitioning = false)";

    /// <summary>
    /// Whether <paramref name="error"/> is a listed file vanishing under the query (a compaction or
    /// retention removed it after the listing): DuckDB failed with an I/O error and a listed file no
    /// longer exists. Decided by the error's class and the file system, not by DuckDB's wording; an
    /// I/O error while every listed file is still there (a file named in user SQL, a permission) is
    /// not a vanished file.
    /// </summary>
    public bool VanishedUnder(DuckDbException error) =>
        error.ErrorType == DuckDB.NET.Native.DuckDBErrorType.Io && All.Any(f => !File.Exists(f));

    /// <summary>
    /// The series rows as an SQL table expression (one row per file that has the series; ids repeat
    /// across files with equal content): <c>read_parquet($n)</c>, or an empty table of the same
    /// columns when the range has no series files.
    /// </summary>
    internal string SeriesSource(SqlParameters parameters) => Series.Count == 0
        ? $"(SELECT NULL::UBIGINT AS {SeriesTable.SeriesId}, NULL::VARCHAR AS {SeriesTable.ServiceName}, " +
          $"NULL::MAP(VARCHAR, VARCHAR) AS {SeriesTable.Labels} WHERE false)"
        : $"read_parquet({parameters.Add(Series)}, hive_partitioning = false)";

    /// <summary>The samples rows as an SQL table expression: <c>read_parquet($n)</c> over the range's samples files.</summary>
    internal string SamplesSource(SqlParameters parameters) =>
        $"read_parquet({parameters.Add(Samples)}, hive_partitioning = false)";

    /// <summary>
    /// One row per series id with its label map, to join aggregated rows with (the id is unique,
    /// so a join neither repeats nor loses rows).
    /// </summary>
    internal string SeriesLabels(SqlParameters parameters) =>
        $"(SELECT {SeriesTable.SeriesId}, any_value({SeriesTable.Labels}) AS {SeriesTable.Labels} " +
        $"FROM {SeriesSource(parameters)} GROUP BY {SeriesTable.SeriesId})";
}

/// <summary>A query was stopped at its time limit.</summary>
public sealed class QueryTimeoutException(string message) : Exception(message)
{
    public QueryTimeoutException() : this("The query timed out.") { }
    public QueryTimeoutException(string message, Exception inner) : this(message + " " + inner.Message) { }
}
