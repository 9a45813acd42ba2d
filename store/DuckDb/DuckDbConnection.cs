using System.Runtime.InteropServices;

namespace GrafanaProfiles.Store.DuckDb;

/// <summary>
/// A DuckDB connection. Not thread-safe: use it from one thread at a time, except
/// <see cref="Interrupt"/>, which may be called from any thread to stop the running query.
/// A connection holds a reference on its database, so the database outlives it.
/// </summary>
public sealed unsafe class DuckDbConnection : IDisposable
{
    private readonly ConnectionHandle _handle;

    internal DuckDbConnection(IntPtr connection, DuckDbDatabase.DatabaseHandle database)
    {
        _handle = new ConnectionHandle(database);
        Marshal.InitHandle(_handle, connection);
    }

    internal IntPtr Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle.DangerousGetHandle();
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
        var result = DuckDbResult.Allocate();
        try
        {
            if (Native.duckdb_query(Handle, sql, result.Pointer) != DuckDbState.Success)
            {
                throw new DuckDbException(result.ErrorMessage ?? "DuckDB query failed.");
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    public DuckDbPreparedStatement Prepare(string sql)
    {
        var rc = Native.duckdb_prepare(Handle, sql, out var statement);
        return DuckDbPreparedStatement.Checked(rc, statement);
    }

    /// <summary>
    /// Splits <paramref name="sql"/> into statements with DuckDB's own parser and prepares each,
    /// so callers can judge statement types without executing anything.
    /// </summary>
    public IReadOnlyList<DuckDbPreparedStatement> PrepareAll(string sql)
    {
        var count = Native.duckdb_extract_statements(Handle, sql, out var extracted);
        try
        {
            if (count == 0)
            {
                var error = Native.PtrToString(Native.duckdb_extract_statements_error(extracted));
                throw new DuckDbException(error ?? "The SQL text contains no statement.");
            }
            var statements = new List<DuckDbPreparedStatement>((int)count);
            try
            {
                for (ulong i = 0; i < count; i++)
                {
                    var rc = Native.duckdb_prepare_extracted_statement(Handle, extracted, i, out var statement);
                    statements.Add(DuckDbPreparedStatement.Checked(rc, statement));
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
        finally
        {
            Native.duckdb_destroy_extracted(ref extracted);
        }
    }

    /// <summary>
    /// Splits <paramref name="sql"/> into statements with DuckDB's parser without preparing any;
    /// the caller prepares the ones it accepts. Use it on this connection's thread, and dispose it
    /// before the connection.
    /// </summary>
    public DuckDbExtractedStatements ExtractStatements(string sql) => new(Handle, sql);

    public DuckDbAppender CreateAppender(string table, string? schema = null)
    {
        var rc = Native.duckdb_appender_create(Handle, schema, table, out var appender);
        var wrapped = new DuckDbAppender(appender, table);
        if (rc != DuckDbState.Success)
        {
            var message = Native.PtrToString(Native.duckdb_appender_error(appender)) ?? "unknown error";
            wrapped.Dispose();
            throw new DuckDbException($"Creating an appender for table '{table}' failed: {message}");
        }
        return wrapped;
    }

    /// <summary>Asks DuckDB to stop the query running on this connection. Safe from any thread.</summary>
    public void Interrupt()
    {
        var added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            Native.duckdb_interrupt(_handle.DangerousGetHandle());
        }
        catch (ObjectDisposedException)
        {
            // Already closed: nothing runs any more.
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    public void Dispose() => _handle.Dispose();

    private sealed class ConnectionHandle : SafeHandle
    {
        private readonly DuckDbDatabase.DatabaseHandle _database;

        public ConnectionHandle(DuckDbDatabase.DatabaseHandle database) : base(IntPtr.Zero, ownsHandle: true) => _database = database;

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            var h = handle;
            Native.duckdb_disconnect(ref h);
            _database.DangerousRelease();
            return true;
        }
    }
}
