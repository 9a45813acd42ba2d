using System.Runtime.InteropServices;

namespace GrafanaProfiles.Store.DuckDb;

/// <summary>
/// zstd compression through the copy of zstd that libduckdb bundles (C++ namespace
/// <c>duckdb_zstd</c>, exported under mangled names). The build pins libduckdb's version and
/// SHA-256 (build/DuckDb.targets), so the names are stable; if the library loaded does not export
/// them, the first <see cref="ZstdCompressor"/> says so instead of failing deep inside a flush.
/// One compressor holds one compression context: use it from one thread at a time.
/// </summary>
internal sealed unsafe class ZstdCompressor : IDisposable
{
    private static readonly Lazy<string[]> MissingExports = new(FindMissingExports);

    private readonly ZstdNative.ContextHandle _context;

    public ZstdCompressor(int level)
    {
        if (MissingExports.Value is { Length: > 0 } missing)
        {
            throw new InvalidOperationException(
                $"The libduckdb loaded ({DuckDbDatabase.LibraryVersion}) does not export zstd's functions {string.Join(", ", missing)} " +
                "(zstd bundled by DuckDB in namespace duckdb_zstd), which the store writes samples files with. " +
                "The build pins the libduckdb it copies next to the binaries (build/DuckDb.targets); rebuild, or point DUCKDB_LIBRARY at that version.");
        }
        Level = level;
        _context = ZstdNative.CreateContext();
        if (_context.IsInvalid)
        {
            throw new InvalidOperationException("zstd could not allocate a compression context (ZSTD_createCCtx returned null).");
        }
    }

    public int Level { get; }

    /// <summary>The largest compressed size of <paramref name="length"/> bytes (ZSTD_compressBound).</summary>
    public static int Bound(int length) => checked((int)ZstdNative.CompressBound((nuint)length));

    /// <summary>Compresses <paramref name="source"/> into one zstd frame in <paramref name="destination"/>; returns its length.</summary>
    public int Compress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        nuint written;
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            written = ZstdNative.CompressWithContext(_context, dst, (nuint)destination.Length, src, (nuint)source.Length, Level);
        }
        if (ZstdNative.IsError(written) != 0)
        {
            throw new InvalidOperationException(
                $"zstd failed to compress {source.Length:N0} bytes into {destination.Length:N0}: {Marshal.PtrToStringUTF8(ZstdNative.ErrorName(written))}.");
        }
        return (int)written;
    }

    public void Dispose() => _context.Dispose();

    private static string[] FindMissingExports()
    {
        if (!NativeLibrary.TryLoad("duckdb", typeof(ZstdCompressor).Assembly, null, out var library))
        {
            return ["(libduckdb itself could not be loaded)"];
        }
        return [.. ZstdNative.EntryPoints.Where(name => !NativeLibrary.TryGetExport(library, name, out _))];
    }
}

/// <summary>zstd's own functions as libduckdb exports them (the mangled names of namespace duckdb_zstd).</summary>
internal static unsafe partial class ZstdNative
{
    private const string Lib = "duckdb";
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
