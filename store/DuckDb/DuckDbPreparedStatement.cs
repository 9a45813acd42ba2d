using System.Runtime.InteropServices;
using System.Text;
using DuckDB.NET.Native;

namespace GrafanaProfiles.Store.DuckDb;

/// <summary>
/// A prepared statement. Parameters are 1-based, as in DuckDB. User-supplied values always travel
/// through these binds, never through SQL text.
/// </summary>
public sealed unsafe class DuckDbPreparedStatement : IDisposable
{
    private readonly DuckDBPreparedStatement _statement;

    private DuckDbPreparedStatement(DuckDBPreparedStatement statement) => _statement = statement;

    /// <summary>
    /// Takes ownership of the statement a <c>duckdb_prepare*</c> call gave back; when the call failed,
    /// frees it and throws with DuckDB's reason (the handle carries the error even then).
    /// </summary>
    internal static DuckDbPreparedStatement Checked(DuckDBState rc, DuckDBPreparedStatement statement)
    {
        var prepared = new DuckDbPreparedStatement(statement);
        if (rc != DuckDBState.Success)
        {
            var message = statement.IsInvalid ? null : NativeMethods.PreparedStatements.DuckDBPrepareError(statement);
            prepared.Dispose();
            throw new DuckDbException(string.IsNullOrEmpty(message) ? "DuckDB could not prepare the statement." : message);
        }
        return prepared;
    }

    private DuckDBPreparedStatement Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_statement.IsClosed, this);
            return _statement;
        }
    }

    public int ParameterCount => (int)NativeMethods.PreparedStatements.DuckDBParams(Handle);

    /// <summary>What kind of statement DuckDB's parser made of the text.</summary>
    public DuckDbStatementType StatementType => DuckDbImports.duckdb_prepared_statement_type(Handle);

    /// <summary>Columns of the statement's result, known after preparing (nothing runs).</summary>
    public int ColumnCount => (int)DuckDbImports.duckdb_prepared_statement_column_count(Handle);

    /// <summary>Name of a result column (DuckDB allocates it; copied and freed here).</summary>
    public string ColumnName(int column)
    {
        var name = DuckDbImports.duckdb_prepared_statement_column_name(Handle, (ulong)column);
        try
        {
            return name == IntPtr.Zero ? "" : Marshal.PtrToStringUTF8(name) ?? "";
        }
        finally
        {
            if (name != IntPtr.Zero)
            {
                NativeMethods.Helpers.DuckDBFree(name);
            }
        }
    }

    /// <summary>Type of a result column, known after preparing.</summary>
    public DuckDbType ColumnType(int column) => DuckDbImports.duckdb_prepared_statement_column_type(Handle, (ulong)column);

    public DuckDbPreparedStatement Bind(int index, long value) => Check(NativeMethods.PreparedStatements.DuckDBBindInt64(Handle, index, value), index);

    public DuckDbPreparedStatement Bind(int index, ulong value) => Check(NativeMethods.PreparedStatements.DuckDBBindUInt64(Handle, index, value), index);

    public DuckDbPreparedStatement Bind(int index, double value) => Check(NativeMethods.PreparedStatements.DuckDBBindDouble(Handle, index, value), index);

    public DuckDbPreparedStatement Bind(int index, bool value) => Check(NativeMethods.PreparedStatements.DuckDBBindBoolean(Handle, index, value), index);

    internal DuckDbPreparedStatement BindTimestamp(int index, DateTime utc) =>
        Check(NativeMethods.PreparedStatements.DuckDBBindTimestamp(Handle, index, new DuckDBTimestampStruct { Micros = Timestamps.ToMicros(utc) }), index);

    public DuckDbPreparedStatement Bind(int index, string? value)
    {
        if (value is null)
        {
            return Check(NativeMethods.PreparedStatements.DuckDBBindNull(Handle, index), index);
        }
        var bytes = Encoding.UTF8.GetBytes(value);
        fixed (byte* p = bytes)
        {
            return Check(DuckDbImports.duckdb_bind_varchar_length(Handle, index, p, (ulong)bytes.Length), index);
        }
    }

    /// <summary>Binds a VARCHAR[] list.</summary>
    public DuckDbPreparedStatement Bind(int index, IReadOnlyList<string> values) =>
        BindList(index, DuckDbType.Varchar, values.Count, i =>
        {
            var bytes = Encoding.UTF8.GetBytes(values[i]);
            fixed (byte* p = bytes)
            {
                return DuckDbImports.duckdb_create_varchar_length(p, (ulong)bytes.Length);
            }
        });

    /// <summary>Binds a UBIGINT[] list.</summary>
    public DuckDbPreparedStatement Bind(int index, IReadOnlyList<ulong> values) =>
        BindList(index, DuckDbType.UBigInt, values.Count, i => NativeMethods.Value.DuckDBCreateUInt64(values[i]));

    private DuckDbPreparedStatement BindList(int index, DuckDbType childType, int count, Func<int, DuckDBValue> create)
    {
        // duckdb_create_list_value returns NULL for a NULL item pointer, and an empty array may be
        // passed as one: one spare slot keeps the pointer valid for an empty list.
        var items = new DuckDBValue?[count];
        var pointers = new IntPtr[count + 1];
        using var type = DuckDbLogicalType.Of(childType);
        try
        {
            for (var i = 0; i < count; i++)
            {
                items[i] = create(i);
                pointers[i] = items[i]!.DangerousGetHandle();
            }
            using var list = NativeMethods.Value.DuckDBCreateListValue(type.Handle, pointers, count);
            if (list.IsInvalid)
            {
                throw new DuckDbException($"Creating the list value for parameter {index} failed.");
            }
            // DuckDB copies the value on bind.
            return Check(NativeMethods.PreparedStatements.DuckDBBindValue(Handle, index, list), index);
        }
        finally
        {
            foreach (var item in items)
            {
                item?.Dispose();
            }
        }
    }

    public DuckDbResult Execute()
    {
        var state = NativeMethods.PreparedStatements.DuckDBExecutePrepared(Handle, out var result);
        return DuckDbResult.Checked(state, result, "DuckDB could not execute the prepared statement.");
    }

    private DuckDbPreparedStatement Check(DuckDBState state, int index) =>
        state == DuckDBState.Success
            ? this
            : throw new DuckDbException($"Binding parameter {index} failed: the statement has {ParameterCount} parameter(s) or the type does not fit.");

    public void Dispose() => _statement.Dispose();
}

/// <summary>DuckDB TIMESTAMP values are microseconds since the Unix epoch, UTC.</summary>
internal static class Timestamps
{
    public static long ToMicros(DateTime utc) => (utc.ToUniversalTime().Ticks - DateTime.UnixEpoch.Ticks) / 10;

    public static DateTime FromMicros(long micros) => DateTime.UnixEpoch.AddTicks(micros * 10);

    public static long NanosToMicros(long nanos) => nanos / 1000;
}
