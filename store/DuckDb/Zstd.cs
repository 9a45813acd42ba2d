using System.Runtime.InteropServices;

namespace GrafanaProfiles.Store.DuckDb;

/// <summary>
/// zstd compression through the copy of zstd that libduckdb bundles (C++ namespace
/// <c>duckdb_zstd</c>, exported under mangled names; imported in NativeImports.cs). The package
/// DuckDB.NET.Bindings.Full pins libduckdb's version, so the names are stable; if the library loaded
/// does not export them, the first <see cref="ZstdCompressor"/> says so instead of failing deep
/// inside a flush.
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
                "The build copies the libduckdb of the pinned DuckDB.NET.Bindings.Full package next to the binaries (build/DuckDb.targets); rebuild so that it is the one loaded.");
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
        if (!NativeLibrary.TryLoad(DuckDbLibraryResolver.LibraryName, typeof(ZstdCompressor).Assembly, null, out var library))
        {
            return ["(libduckdb itself could not be loaded)"];
        }
        return [.. ZstdNative.EntryPoints.Where(name => !NativeLibrary.TryGetExport(library, name, out _))];
    }
}
