using System.Runtime.InteropServices;
using DuckDB.NET.Native;

namespace GrafanaProfiles.Store.DuckDb;

/// <summary>
/// The functions of libduckdb that DuckDB.NET.Bindings' <see cref="NativeMethods"/> (1.5.6.1) does
/// not bind, each with the reason the store needs it. Every other call goes through
/// <see cref="NativeMethods"/>; handles are the package's own SafeHandles, so both sides share them.
/// </summary>
internal static unsafe partial class DuckDbImports
{
    private const string Lib = DuckDbLibraryResolver.LibraryName;

    // The SQL sandbox judges a user's statement by what DuckDB's parser made of it (SELECT or not)
    // after preparing it, before anything runs. The result is read as our DuckDbStatementType, the
    // numbers of duckdb.h: the package's DuckDBStatementType has a Show = 18 that duckdb.h does not,
    // which shifts VACUUM, CALL, SET, LOAD, … by one.
    [LibraryImport(Lib)] internal static partial DuckDbStatementType duckdb_prepared_statement_type(DuckDBPreparedStatement statement);

    // The sandbox learns a statement's result columns (names and types for the frame) from the
    // prepared statement, before running it. The name is a copy that the caller frees (duckdb_free).
    [LibraryImport(Lib)] internal static partial ulong duckdb_prepared_statement_column_count(DuckDBPreparedStatement statement);
    [LibraryImport(Lib)] internal static partial IntPtr duckdb_prepared_statement_column_name(DuckDBPreparedStatement statement, ulong column);
    [LibraryImport(Lib)] internal static partial DuckDbType duckdb_prepared_statement_column_type(DuckDBPreparedStatement statement, ulong column);

    // Strings are bound and made into list items from their UTF-8 bytes with a length: the
    // package's duckdb_bind_varchar and duckdb_create_varchar take a NUL-terminated string, which
    // would cut a label value that holds a NUL.
    [LibraryImport(Lib)] internal static partial DuckDBState duckdb_bind_varchar_length(DuckDBPreparedStatement statement, long index, byte* value, ulong length);
    [LibraryImport(Lib)] internal static partial DuckDBValue duckdb_create_varchar_length(byte* text, ulong length);

    // MAP(VARCHAR, VARCHAR) columns (series labels) of the chunks the tests and the flush benchmark
    // append; the package binds list and struct types but not map types.
    [LibraryImport(Lib)] internal static partial DuckDBLogicalType duckdb_create_map_type(DuckDBLogicalType key, DuckDBLogicalType value);
}

/// <summary>
/// zstd's own functions in the copy of zstd that libduckdb bundles (C++ namespace
/// <c>duckdb_zstd</c>, exported under mangled names), for the samples files the store writes itself
/// (<see cref="ZstdCompressor"/>). They are not part of DuckDB's C API, so no binding has them; the
/// package version pins libduckdb, which keeps the names stable.
/// </summary>
internal static unsafe partial class ZstdNative
{
    private const string Lib = DuckDbLibraryResolver.LibraryName;
    private const string CreateCCtx = "_ZN11duckdb_zstd15ZSTD_createCCtxEv";
    private const string FreeCCtx = "_ZN11duckdb_zstd13ZSTD_freeCCtxEPNS_11ZSTD_CCtx_sE";
    private const string CompressCCtx = "_ZN11duckdb_zstd17ZSTD_compressCCtxEPNS_11ZSTD_CCtx_sEPvmPKvmi";
    private const string CompressBoundName = "_ZN11duckdb_zstd18ZSTD_compressBoundEm";
    private const string IsErrorName = "_ZN11duckdb_zstd12ZSTD_isErrorEm";
    private const string GetErrorName = "_ZN11duckdb_zstd17ZSTD_getErrorNameEm";

    internal static readonly string[] EntryPoints = [CreateCCtx, FreeCCtx, CompressCCtx, CompressBoundName, IsErrorName, GetErrorName];

    /// <summary>ZSTD_CCtx* ZSTD_createCCtx(void)</summary>
    [LibraryImport(Lib, EntryPoint = CreateCCtx)] internal static partial ContextHandle CreateContext();
    /// <summary>size_t ZSTD_freeCCtx(ZSTD_CCtx*)</summary>
    [LibraryImport(Lib, EntryPoint = FreeCCtx)] internal static partial nuint FreeContext(IntPtr context);
    /// <summary>size_t ZSTD_compressCCtx(ZSTD_CCtx*, void* dst, size_t dstCapacity, const void* src, size_t srcSize, int level)</summary>
    [LibraryImport(Lib, EntryPoint = CompressCCtx)]
    internal static partial nuint CompressWithContext(ContextHandle context, byte* destination, nuint capacity, byte* source, nuint length, int level);
    /// <summary>size_t ZSTD_compressBound(size_t srcSize)</summary>
    [LibraryImport(Lib, EntryPoint = CompressBoundName)] internal static partial nuint CompressBound(nuint length);
    /// <summary>unsigned ZSTD_isError(size_t code)</summary>
    [LibraryImport(Lib, EntryPoint = IsErrorName)] internal static partial uint IsError(nuint code);
    /// <summary>const char* ZSTD_getErrorName(size_t code): a static string, never freed.</summary>
    [LibraryImport(Lib, EntryPoint = GetErrorName)] internal static partial IntPtr ErrorName(nuint code);

    internal sealed class ContextHandle : SafeHandle
    {
        public ContextHandle() : base(IntPtr.Zero, ownsHandle: true) { }

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            FreeContext(handle);
            return true;
        }
    }
}
