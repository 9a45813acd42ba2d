using System.Globalization;
using GrafanaProfiles.Backend.Frames;
using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Query;

namespace GrafanaProfiles.Backend.Sql;

/// <summary>
/// The <c>sql</c> query type: the user's DuckDB SQL, macros expanded, judged by DuckDB's parser (one
/// SELECT), run in its own sandboxed database over the time range's files, within the data source's
/// timeout, memory limit and row limit, and returned as a table, a wide time series or a flame graph.
/// Every failure fails this query only, with a message that says what to change. See README.md.
/// </summary>
public static partial class SqlQuery
{
    /// <summary>Attempts when a compaction removes a listed file before DuckDB opens it.</summary>
    private const int FileRaceRetries = 3;

    public static QueryResult Run(QueryContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        string? executed = null;
        try
        {
            var model = SqlQueryModel.Parse(context.Json);
            if (string.IsNullOrWhiteSpace(model.RawSql))
            {
                return new QueryResult([]);
            }
            executed = new SqlMacros(context.From, context.To, context.Interval).Expand(model.RawSql);
            return new QueryResult(Execute(context, model, executed, cancellationToken));
        }
        catch (QueryFailedException e)
        {
            return QueryResult.Failed(e.Status, e.ErrorSource, e.Message, e.Frames.Count > 0 ? e.Frames : ErrorFrames(context, executed));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return QueryResult.Failed(500, ErrorSource.Plugin, $"The SQL query failed inside the plugin: {e.Message}", ErrorFrames(context, executed));
        }
    }

    /// <summary>As Grafana's SQL engines do: a failed query still returns a frame whose meta holds the executed SQL.</summary>
    private static IReadOnlyList<DataFrame> ErrorFrames(QueryContext context, string? executed) =>
        executed is null ? [] : [new DataFrame("", context.RefId, [], new FrameMeta { ExecutedQueryString = executed }.ToJson())];

    private static IReadOnlyList<DataFrame> Execute(QueryContext context, SqlQueryModel model, string sql, CancellationToken cancellationToken)
    {
        var instance = context.Instance;
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var files = instance.Reader.FilesFor(instance.Settings.Tenant, context.From, context.To);
            try
            {
                return ExecuteOnce(context, model, sql, files, cancellationToken);
            }
            catch (FilesChangedException) when (attempt < FileRaceRetries)
            {
                // Listed, then removed by a compaction before DuckDB opened it: list the files again.
            }
            catch (FilesChangedException e)
            {
                throw new QueryFailedException(500, ErrorSource.Plugin,
                    $"The store's files changed under the query {FileRaceRetries} times (compactions); run it again. {e.Message}");
            }
        }
    }

    private static IReadOnlyList<DataFrame> ExecuteOnce(QueryContext context, SqlQueryModel model, string sql, QueryFiles files, CancellationToken cancellationToken)
    {
        var instance = context.Instance;
        using var sandbox = SqlSandbox.Create(instance);
        using var watchdog = new QueryWatchdog(sandbox.Connection, instance.Settings.QueryTimeout, cancellationToken);
        var phase = Phase.Setup;
        try
        {
            sandbox.CreateViews(files);
            phase = Phase.Judge;
            using var statement = Judge(sandbox.Connection, sql);
            phase = Phase.Run;
            var run = new SqlRun(context, sandbox.Connection, sql, statement);
            return model.Format switch
            {
                SqlFormat.TimeSeries => SqlTimeSeries.Build(run),
                SqlFormat.FlameGraph => SqlFlameGraph.Build(run, model),
                _ => SqlTable.Build(run),
            };
        }
        catch (DuckDbException e)
        {
            if (watchdog.Cancelled)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            throw Failure(context, e, phase, watchdog.TimedOut, files);
        }
    }

    private enum Phase
    {
        Setup,
        Judge,
        Run,
    }

    private static Exception Failure(QueryContext context, DuckDbException e, Phase phase, bool timedOut, QueryFiles files)
    {
        var settings = context.Settings;
        if (timedOut || e.IsInterrupt)
        {
            return new QueryFailedException(504, ErrorSource.Downstream,
                $"The query exceeded the query timeout of {FormatDuration(settings.QueryTimeout)} (setting queryTimeout) and was stopped. " +
                "Filter with $__timeFilter(time), aggregate in SQL, narrow the time range, or raise queryTimeout.");
        }
        var message = Clean(context, e.Message);
        if (message.StartsWith("Out of Memory Error", StringComparison.Ordinal))
        {
            return new QueryFailedException(400, ErrorSource.Downstream,
                $"The query needed more memory than the memory limit of {settings.MemoryLimit} (setting memoryLimit). " +
                $"Aggregate more in SQL, select fewer columns, narrow the time range, or raise memoryLimit. DuckDB: {FirstLine(message)}");
        }
        if (files.VanishedUnder(e))
        {
            return new FilesChangedException(message);
        }
        return phase == Phase.Setup
            ? new QueryFailedException(500, ErrorSource.Plugin, $"Reading the store's files failed: {message}")
            : new QueryFailedException(400, ErrorSource.Downstream, message);
    }

    /// <summary>DuckDB's message without the data directory's absolute path (paths read relative to it).</summary>
    internal static string Clean(QueryContext context, string message)
    {
        var data = context.Instance.DataDirectory.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return message.Replace(data, "", StringComparison.Ordinal).Trim();
    }

    private static string FirstLine(string message)
    {
        var newline = message.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? message : message[..newline].Trim();
    }

    /// <summary><c>30s</c>, <c>200ms</c>, <c>2m</c>: the way the setting is written.</summary>
    internal static string FormatDuration(TimeSpan duration) =>
        duration.TotalMilliseconds % 1000 != 0
            ? duration.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms"
            : duration.TotalSeconds % 60 != 0 || duration.TotalSeconds < 60
                ? duration.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + "s"
                : (duration.TotalSeconds / 60).ToString("0.##", CultureInfo.InvariantCulture) + "m";

    /// <summary>A listed Parquet file vanished (a compaction committed): list again and rerun.</summary>
    private sealed class FilesChangedException(string message) : Exception(message)
    {
        public FilesChangedException() : this("A file of the store changed.") { }

        public FilesChangedException(string message, Exception inner) : this(message + " " + inner.Message) { }
    }
}
