using System.Text;

namespace GrafanaProfiles.Store.DuckDb;

/// <summary>
/// A prepared statement. Parameters are 1-based, as in DuckDB. User-supplied values always travel
/// through these binds, never through SQL text.
/// </summary>
public sealed unsafe class DuckDbPreparedStatement : IDisposable
{
    private IntPtr _statement;

    internal DuckDbPreparedStatement(IntPtr statement) => _statement = statement;

    /// <summary>
    /// Takes ownership of the statement a <c>duckdb_prepare*</c> call gave back; when the call failed,
    /// frees it and throws with DuckDB's reason (the handle carries the error even then).
    /// </summary>
    internal static DuckDbPreparedStatement Checked(DuckDbState rc, IntPtr statement)
    {
        var prepared = new DuckDbPreparedStatement(statement);
        if (rc != DuckDbState.Success)
        {
            var message = Native.PtrToString(Native.duckdb_prepare_error(statement)) ?? "DuckDB could not prepare the statement.";
            prepared.Dispose();
            throw new DuckDbException(message);
        }
        return prepared;
    }

    private IntPtr Handle => _statement != IntPtr.Zero ? _statement : throw new ObjectDisposedException(nameof(DuckDbPreparedStatement));

    public int ParameterCount => (int)Native.duckdb_nparams(Handle);

    /// <summary>What kind of statement DuckDB's parser made of the text.</summary>
    public DuckDbStatementType StatementType => Native.duckdb_prepared_statement_type(Handle);

    /// <summary>Columns of the statement's result, known after preparing (nothing runs).</summary>
    public int ColumnCount => (int)Native.duckdb_prepared_statement_column_count(Handle);

    /// <summary>Name of a result column (DuckDB allocates it; copied and freed here).</summary>
    public string ColumnName(int column)
    {
        var name = Native.duckdb_prepared_statement_column_name(Handle, (ulong)column);
        try
        {
            return Native.PtrToString(name) ?? "";
        }
        finally
        {
            if (name != IntPtr.Zero)
            {
                Native.duckdb_free(name);
            }
        }
    }

    /// <summary>Type of a result column, known after preparing.</summary>
    public DuckDbType ColumnType(int column) => Native.duckdb_prepared_statement_column_type(Handle, (ulong)column);

    public DuckDbPreparedStatement Bind(int index, long value) => Check(Native.duckdb_bind_int64(Handle, (ulong)index, value), index);

    public DuckDbPreparedStatement Bind(int index, ulong value) => Check(Native.duckdb_bind_uint64(Handle, (ulong)index, value), index);

    public DuckDbPreparedStatement Bind(int index, double value) => Check(Native.duckdb_bind_double(Handle, (ulong)index, value), index);

    public DuckDbPreparedStatement Bind(int index, bool value) => Check(Native.duckdb_bind_boolean(Handle, (ulong)index, value), index);

    public DuckDbPreparedStatement BindTimestamp(int index, DateTime utc) =>
        Check(Native.duckdb_bind_timestamp(Handle, (ulong)index, Timestamps.ToMicros(utc)), index);

    public DuckDbPreparedStatement Bind(int index, string? value)
    {
        if (value is null)
        {
            return Check(Native.duckdb_bind_null(Handle, (ulong)index), index);
        }
        var bytes = Encoding.UTF8.GetBytes(value);
        fixed (byte* p = bytes)
        {
            return Check(Native.duckdb_bind_varchar_length(Handle, (ulong)index, p, (ulong)bytes.Length), index);
        }
    }

    /// <summary>Binds a VARCHAR[] list.</summary>
    public DuckDbPreparedStatement Bind(int index, IReadOnlyList<string> values) =>
        BindList(index, DuckDbType.Varchar, values.Count, i =>
        {
            var bytes = Encoding.UTF8.GetBytes(values[i]);
            fixed (byte* p = bytes)
            {
                return Native.duckdb_create_varchar_length(p, (ulong)bytes.Length);
            }
        });

    /// <summary>Binds a UBIGINT[] list.</summary>
    public DuckDbPreparedStatement Bind(int index, IReadOnlyList<ulong> values) =>
        BindList(index, DuckDbType.UBigInt, values.Count, i => Native.duckdb_create_uint64(values[i]));

    private DuckDbPreparedStatement BindList(int index, DuckDbType childType, int count, Func<int, IntPtr> create)
    {
        // duckdb_create_list_value returns NULL for a NULL item pointer, and `fixed` over an empty
        // array yields NULL: one spare slot keeps the pointer valid for an empty list.
        var items = new IntPtr[count + 1];
        using var type = DuckDbLogicalType.Of(childType);
        try
        {
            for (var i = 0; i < count; i++)
            {
                items[i] = create(i);
            }
            IntPtr list;
            fixed (IntPtr* p = items)
            {
                list = Native.duckdb_create_list_value(type.Handle, p, (ulong)count);
            }
            if (list == IntPtr.Zero)
            {
                throw new DuckDbException($"Creating the list value for parameter {index} failed.");
            }
            try
            {
                return Check(Native.duckdb_bind_value(Handle, (ulong)index, list), index);
            }
            finally
            {
                Native.duckdb_destroy_value(ref list);
            }
        }
        finally
        {
            for (var i = 0; i < count; i++)
            {
                if (items[i] != IntPtr.Zero)
                {
                    Native.duckdb_destroy_value(ref items[i]);
                }
            }
        }
    }

    public DuckDbResult Execute()
    {
        var result = DuckDbResult.Allocate();
        try
        {
            if (Native.duckdb_execute_prepared(Handle, result.Pointer) != DuckDbState.Success)
            {
                throw new DuckDbException(result.ErrorMessage ?? "DuckDB could not execute the prepared statement.");
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    public void ClearBindings() => Native.duckdb_clear_bindings(Handle);

    private DuckDbPreparedStatement Check(DuckDbState state, int index) =>
        state == DuckDbState.Success
            ? this
            : throw new DuckDbException($"Binding parameter {index} failed: the statement has {ParameterCount} parameter(s) or the type does not fit.");

    public void Dispose()
    {
        if (_statement != IntPtr.Zero)
        {
            Native.duckdb_destroy_prepare(ref _statement);
            _statement = IntPtr.Zero;
        }
    }
}

/// <summary>DuckDB TIMESTAMP values are microseconds since the Unix epoch, UTC.</summary>
public static class Timestamps
{
    public static long ToMicros(DateTime utc) => (utc.ToUniversalTime().Ticks - DateTime.UnixEpoch.Ticks) / 10;

    public static DateTime FromMicros(long micros) => DateTime.UnixEpoch.AddTicks(micros * 10);

    public static long NanosToMicros(long nanos) => nanos / 1000;
}
