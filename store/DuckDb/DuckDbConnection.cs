using System.Data.Common;
using DuckDB.NET.Data;
using DuckDB.NET.Native;

namespace GrafanaProfiles.Store.DuckDb;

/// <summary>
/// A DuckDB connection: an ADO.NET <see cref="DuckDBConnection"/> for the cold paths
/// (<see cref="ExecuteNonQuery"/>, <see cref="ReadRows{T}"/>, with parameters), and its native
/// connection for the hot ones (results read a chunk and a vector at a time, prepared statements,
/// statement extraction, the appender). Not thread-safe: use it from one thread at a time, except
/// <see cref="Interrupt"/>, which may be called from any thread to stop the running query.
/// </summary>
public sealed class DuckDbConnection : IDisposable
{
    private readonly DuckDBConnection _ado;
    private readonly DuckDBNativeConnection _native;

    internal DuckDbConnection(DuckDBConnection ado)
    {
        _ado = ado;
        _native = ado.NativeConnection;
    }

    internal DuckDBNativeConnection Native
    {
        get
        {
            ObjectDisposedException.ThrowIf(_native.IsClosed, this);
            return _native;
        }
    }

    /// <summary>Runs one or more statements and discards their results.</summary>
    public void Execute(string sql)
    {
        using var result = Query(sql);
    }

    /// <summary>Runs SQL and returns its (materialised) result, read chunk by chunk.</summary>
    public DuckDbResult Query(string sql)
    {
        var state = NativeMethods.Query.DuckDBQuery(Native, sql, out var result);
        return DuckDbResult.Checked(state, result, "DuckDB query failed.");
    }

    public DuckDbPreparedStatement Prepare(string sql)
    {
        var rc = NativeMethods.PreparedStatements.DuckDBPrepare(Native, sql, out var statement);
        return DuckDbPreparedStatement.Checked(rc, statement);
    }

    /// <summary>
    /// Splits <paramref name="sql"/> into statements with DuckDB's own parser and prepares each,
    /// so callers can judge statement types without executing anything.
    /// </summary>
    internal IReadOnlyList<DuckDbPreparedStatement> PrepareAll(string sql)
    {
        using var extracted = ExtractStatements(sql);
        if (extracted.Count == 0)
        {
            throw new DuckDbException(extracted.Error ?? "The SQL text contains no statement.");
        }
        var statements = new List<DuckDbPreparedStatement>(extracted.Count);
        try
        {
            for (var i = 0; i < extracted.Count; i++)
            {
                statements.Add(extracted.Prepare(i));
            }
            return statements;
        }
        catch
        {
            foreach (var s in statements)
            {
                s.Dispose();
            }
            throw;
        }
    }

    /// <summary>
    /// Splits <paramref name="sql"/> into statements with DuckDB's parser without preparing any;
    /// the caller prepares the ones it accepts. Use it on this connection's thread, and dispose it
    /// before the connection.
    /// </summary>
    public DuckDbExtractedStatements ExtractStatements(string sql) => new(Native, sql);

    internal DuckDbAppender CreateAppender(string table, string? schema = null)
    {
        var rc = NativeMethods.Appender.DuckDBAppenderCreate(Native, schema, table, out var appender);
        var wrapped = new DuckDbAppender(appender, table);
        if (rc != DuckDBState.Success)
        {
            var message = wrapped.ErrorMessage;
            wrapped.Dispose();
            throw new DuckDbException($"Creating an appender for table '{table}' failed: {message}");
        }
        return wrapped;
    }

    /// <summary>
    /// Cold path: runs one or more statements through ADO.NET with positional parameters
    /// (<c>$1</c>, <c>$2</c>, … in the order of <paramref name="parameters"/>) and returns the rows
    /// the last one changed.
    /// </summary>
    public int ExecuteNonQuery(string sql, IReadOnlyList<object>? parameters = null)
    {
        using var command = Command(sql, parameters);
        return Translated(command.ExecuteNonQuery);
    }

    /// <summary>
    /// Cold path: runs a query through ADO.NET with positional parameters and reads each row with
    /// <paramref name="read"/>. For small results (labels, metadata); hot paths read chunks with
    /// <see cref="Prepare"/> and <see cref="DuckDbPreparedStatement.Execute"/>.
    /// </summary>
    internal List<T> ReadRows<T>(string sql, IReadOnlyList<object>? parameters, Func<DbDataReader, T> read)
    {
        using var command = Command(sql, parameters);
        return Translated(() =>
        {
            var rows = new List<T>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rows.Add(read(reader));
            }
            return rows;
        });
    }

    private DuckDBCommand Command(string sql, IReadOnlyList<object>? parameters)
    {
        ObjectDisposedException.ThrowIf(_native.IsClosed, this);
        var command = _ado.CreateCommand();
        command.CommandText = sql;
        foreach (var value in parameters ?? [])
        {
            command.Parameters.Add(new DuckDBParameter(value));
        }
        return command;
    }

    /// <summary>ADO.NET's errors as ours: DuckDB's message and error type, and an interrupt as an interrupt.</summary>
    private static T Translated<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (DuckDB.NET.Data.DuckDBException e)
        {
            throw new DuckDbException(e.Message, e.ErrorType, e);
        }
        catch (OperationCanceledException e)
        {
            // DuckDB.NET reports an interrupted statement (duckdb_interrupt) this way.
            throw new DuckDbException("INTERRUPT Error: Interrupted!", DuckDBErrorType.Interrupt, e);
        }
    }

    /// <summary>Asks DuckDB to stop the query running on this connection. Safe from any thread.</summary>
    public void Interrupt()
    {
        try
        {
            // The SafeHandle keeps the connection alive for the call, or refuses once it is closed.
            NativeMethods.Startup.DuckDBInterrupt(_native);
        }
        catch (ObjectDisposedException)
        {
            // Already closed: nothing runs any more.
        }
    }

    public void Dispose() => _ado.Dispose();
}
