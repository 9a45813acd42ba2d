using System.Runtime.InteropServices;

namespace GrafanaProfiles.Store.DuckDb;

/// <summary>
/// The part of DuckDB's C API (duckdb.h) this project uses. Handles are opaque pointers; every
/// function that allocates has its matching destroy call listed beside it in README.md.
/// </summary>
internal static unsafe partial class Native
{
    private const string Lib = "duckdb";

    // Database, connection, configuration
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DuckDbState duckdb_open_ext(string? path, out IntPtr database, IntPtr config, out IntPtr error);
    [LibraryImport(Lib)] internal static partial void duckdb_close(ref IntPtr database);
    [LibraryImport(Lib)] internal static partial DuckDbState duckdb_connect(IntPtr database, out IntPtr connection);
    [LibraryImport(Lib)] internal static partial void duckdb_disconnect(ref IntPtr connection);
    [LibraryImport(Lib)] internal static partial void duckdb_interrupt(IntPtr connection);
    [LibraryImport(Lib)] internal static partial IntPtr duckdb_library_version();
    [LibraryImport(Lib)] internal static partial DuckDbState duckdb_create_config(out IntPtr config);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DuckDbState duckdb_set_config(IntPtr config, string name, string option);
    [LibraryImport(Lib)] internal static partial void duckdb_destroy_config(ref IntPtr config);
    [LibraryImport(Lib)] internal static partial void duckdb_free(IntPtr ptr);

    // Queries and results. duckdb_result is a 48-byte struct owned by the caller.
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DuckDbState duckdb_query(IntPtr connection, string query, DuckDbResultStruct* result);
    [LibraryImport(Lib)] internal static partial void duckdb_destroy_result(DuckDbResultStruct* result);
    [LibraryImport(Lib)] internal static partial IntPtr duckdb_result_error(DuckDbResultStruct* result);
    [LibraryImport(Lib)] internal static partial ulong duckdb_column_count(DuckDbResultStruct* result);
    [LibraryImport(Lib)] internal static partial IntPtr duckdb_column_name(DuckDbResultStruct* result, ulong col);
    [LibraryImport(Lib)] internal static partial DuckDbType duckdb_column_type(DuckDbResultStruct* result, ulong col);
    [LibraryImport(Lib)] internal static partial ulong duckdb_rows_changed(DuckDbResultStruct* result);
    [LibraryImport(Lib)] internal static partial IntPtr duckdb_fetch_chunk(DuckDbResultStruct result);

    // Prepared statements
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DuckDbState duckdb_prepare(IntPtr connection, string query, out IntPtr statement);
    [LibraryImport(Lib)] internal static partial IntPtr duckdb_prepare_error(IntPtr statement);
    [LibraryImport(Lib)] internal static partial ulong duckdb_nparams(IntPtr statement);
    [LibraryImport(Lib)] internal static partial void duckdb_destroy_prepare(ref IntPtr statement);
    [LibraryImport(Lib)] internal static partial DuckDbState duckdb_clear_bindings(IntPtr statement);
    [LibraryImport(Lib)] internal static partial DuckDbState duckdb_execute_prepared(IntPtr statement, DuckDbResultStruct* result);
    [LibraryImport(Lib)] internal static partial DuckDbState duckdb_bind_boolean(IntPtr statement, ulong index, [MarshalAs(UnmanagedType.U1)] bool value);
    [LibraryImport(Lib)] internal static partial DuckDbState duckdb_bind_int64(IntPtr statement, ulong index, long value);
    [LibraryImport(Lib)] internal static partial DuckDbState duckdb_bind_uint64(IntPtr statement, ulong index, ulong value);
    [LibraryImport(Lib)] internal static partial DuckDbState duckdb_bind_double(IntPtr statement, ulong index, double value);
    [LibraryImport(Lib)] internal static partial DuckDbState duckdb_bind_timestamp(IntPtr statement, ulong index, long micros);
    [LibraryImport(Lib)] internal static partial DuckDbState duckdb_bind_varchar_length(IntPtr statement, ulong index, byte* value, ulong length);
    [LibraryImport(Lib)] internal static partial DuckDbState duckdb_bind_null(IntPtr statement, ulong index);
    [LibraryImport(Lib)] internal static partial DuckDbState duckdb_bind_value(IntPtr statement, ulong index, IntPtr value);

    // Values (used to bind lists)
    [LibraryImport(Lib)] internal static partial IntPtr duckdb_create_varchar_length(byte* text, ulong length);
    [LibraryImport(Lib)] internal static partial IntPtr duckdb_create_uint64(ulong value);
    [LibraryImport(Lib)] internal static partial IntPtr duckdb_create_list_value(IntPtr type, IntPtr* values, ulong count);
    [LibraryImport(Lib)] internal static partial void duckdb_destroy_value(ref IntPtr value);

    // Logical types
    [LibraryImport(Lib)] internal static partial IntPtr duckdb_create_logical_type(DuckDbType type);
    [LibraryImport(Lib)] internal static partial IntPtr duckdb_create_list_type(IntPtr childType);
    [LibraryImport(Lib)] internal static partial IntPtr duckdb_create_map_type(IntPtr keyType, IntPtr valueType);
    [LibraryImport(Lib)] internal static partial DuckDbType duckdb_get_type_id(IntPtr type);
    [LibraryImport(Lib)] internal static partial void duckdb_destroy_logical_type(ref IntPtr type);

    // Data chunks and vectors
    [LibraryImport(Lib)] internal static partial IntPtr duckdb_create_data_chunk(IntPtr* types, ulong columnCount);
    [LibraryImport(Lib)] internal static partial void duckdb_destroy_data_chunk(ref IntPtr chunk);
    [LibraryImport(Lib)] internal static partial void duckdb_data_chunk_reset(IntPtr chunk);
    [LibraryImport(Lib)] internal static partial ulong duckdb_data_chunk_get_column_count(IntPtr chunk);
    [LibraryImport(Lib)] internal static partial IntPtr duckdb_data_chunk_get_vector(IntPtr chunk, ulong col);
    [LibraryImport(Lib)] internal static partial ulong duckdb_data_chunk_get_size(IntPtr chunk);
    [LibraryImport(Lib)] internal static partial void duckdb_data_chunk_set_size(IntPtr chunk, ulong size);
    [LibraryImport(Lib)] internal static partial ulong duckdb_vector_size();
    [LibraryImport(Lib)] internal static partial IntPtr duckdb_vector_get_column_type(IntPtr vector);
    [LibraryImport(Lib)] internal static partial void* duckdb_vector_get_data(IntPtr vector);
    [LibraryImport(Lib)] internal static partial ulong* duckdb_vector_get_validity(IntPtr vector);
    [LibraryImport(Lib)] internal static partial void duckdb_vector_ensure_validity_writable(IntPtr vector);
    [LibraryImport(Lib)] internal static partial void duckdb_vector_assign_string_element_len(IntPtr vector, ulong index, byte* str, ulong length);
    [LibraryImport(Lib)] internal static partial IntPtr duckdb_list_vector_get_child(IntPtr vector);
    [LibraryImport(Lib)] internal static partial ulong duckdb_list_vector_get_size(IntPtr vector);
    [LibraryImport(Lib)] internal static partial DuckDbState duckdb_list_vector_set_size(IntPtr vector, ulong size);
    [LibraryImport(Lib)] internal static partial DuckDbState duckdb_list_vector_reserve(IntPtr vector, ulong capacity);
    [LibraryImport(Lib)] internal static partial IntPtr duckdb_struct_vector_get_child(IntPtr vector, ulong index);

    // Appender
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DuckDbState duckdb_appender_create(IntPtr connection, string? schema, string table, out IntPtr appender);
    [LibraryImport(Lib)] internal static partial IntPtr duckdb_appender_error(IntPtr appender);
    [LibraryImport(Lib)] internal static partial DuckDbState duckdb_append_data_chunk(IntPtr appender, IntPtr chunk);
    [LibraryImport(Lib)] internal static partial DuckDbState duckdb_appender_flush(IntPtr appender);
    [LibraryImport(Lib)] internal static partial DuckDbState duckdb_appender_destroy(ref IntPtr appender);

    // Statement extraction (split a text into statements, judge each by DuckDB's own parser)
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial ulong duckdb_extract_statements(IntPtr connection, string query, out IntPtr extracted);
    [LibraryImport(Lib)] internal static partial IntPtr duckdb_extract_statements_error(IntPtr extracted);
    [LibraryImport(Lib)] internal static partial DuckDbState duckdb_prepare_extracted_statement(IntPtr connection, IntPtr extracted, ulong index, out IntPtr statement);
    [LibraryImport(Lib)] internal static partial void duckdb_destroy_extracted(ref IntPtr extracted);
    [LibraryImport(Lib)] internal static partial DuckDbStatementType duckdb_prepared_statement_type(IntPtr statement);
    [LibraryImport(Lib)] internal static partial ulong duckdb_prepared_statement_column_count(IntPtr statement);
    [LibraryImport(Lib)] internal static partial IntPtr duckdb_prepared_statement_column_name(IntPtr statement, ulong col);
    [LibraryImport(Lib)] internal static partial DuckDbType duckdb_prepared_statement_column_type(IntPtr statement, ulong col);

    internal static string? PtrToString(IntPtr p) => p == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(p);
}

internal enum DuckDbState
{
    Success = 0,
    Error = 1,
}

/// <summary>The public layout of duckdb_result (six pointer-sized fields); only DuckDB reads them.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct DuckDbResultStruct
{
    public ulong DeprecatedColumnCount;
    public ulong DeprecatedRowCount;
    public ulong DeprecatedRowsChanged;
    public IntPtr DeprecatedColumns;
    public IntPtr DeprecatedErrorMessage;
    public IntPtr InternalData;
}

/// <summary>duckdb_type, with the numbers of duckdb.h.</summary>
public enum DuckDbType
{
    Invalid = 0,
    Boolean = 1,
    TinyInt = 2,
    SmallInt = 3,
    Integer = 4,
    BigInt = 5,
    UTinyInt = 6,
    USmallInt = 7,
    UInteger = 8,
    UBigInt = 9,
    Float = 10,
    Double = 11,
    Timestamp = 12,
    Date = 13,
    Time = 14,
    Interval = 15,
    HugeInt = 16,
    Varchar = 17,
    Blob = 18,
    Decimal = 19,
    TimestampS = 20,
    TimestampMs = 21,
    TimestampNs = 22,
    Enum = 23,
    List = 24,
    Struct = 25,
    Map = 26,
    Uuid = 27,
    Union = 28,
    Bit = 29,
    TimeTz = 30,
    TimestampTz = 31,
    UHugeInt = 32,
    Array = 33,
}

/// <summary>duckdb_statement_type, with the numbers of duckdb.h.</summary>
public enum DuckDbStatementType
{
    Invalid = 0,
    Select = 1,
    Insert = 2,
    Update = 3,
    Explain = 4,
    Delete = 5,
    Prepare = 6,
    Create = 7,
    Execute = 8,
    Alter = 9,
    Transaction = 10,
    Copy = 11,
    Analyze = 12,
    VariableSet = 13,
    CreateFunc = 14,
    Drop = 15,
    Export = 16,
    Pragma = 17,
    Vacuum = 18,
    Call = 19,
    Set = 20,
    Load = 21,
    Relation = 22,
    Extension = 23,
    LogicalPlan = 24,
    Attach = 25,
    Detach = 26,
    Multi = 27,
}
