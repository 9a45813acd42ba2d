using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace GrafanaProfiles.Store.Ingest;

/// <summary>Bytes in an array rented from <see cref="ArrayPool{T}.Shared"/>; dispose to return it.</summary>
public struct PooledBytes : IDisposable
{
    private byte[]? _array;

    public PooledBytes(byte[] array, int length)
    {
        _array = array;
        Length = length;
    }

    public int Length { get; }

    public readonly ReadOnlySpan<byte> Span => _array.AsSpan(0, Length);

    public readonly ReadOnlyMemory<byte> Memory => _array.AsMemory(0, Length);

    public void Dispose()
    {
        if (_array is not null)
        {
            ArrayPool<byte>.Shared.Return(_array);
            _array = null;
        }
    }
}

/// <summary>
/// What one inflation may produce and how its failures are told: the limit with the name of its
/// setting, the reason for corrupt input, and what the input is (the subject of the messages).
/// </summary>
public readonly record struct InflateBounds(long Limit, string LimitSetting, RejectReason CorruptReason, string Subject, string Advice)
{
    /// <summary>A gzipped profile (pprof's own gzip): <c>max_decompressed_bytes</c>; corrupt data is an invalid profile.</summary>
    public static InflateBounds Profile(long maxDecompressedBytes) => new(maxDecompressedBytes, "max_decompressed_bytes", RejectReason.InvalidProfile,
        "The profile", "Send smaller profiles (shorter collection windows) or raise the limit.");

    /// <summary>A request body sent with <c>Content-Encoding: <paramref name="encoding"/></c>: <c>max_request_bytes</c>; corrupt data is an invalid request (400).</summary>
    public static InflateBounds RequestBody(IngestLimits limits, string encoding) => new(limits.MaxRequestBytes, "max_request_bytes", RejectReason.InvalidRequest,
        $"The request body (Content-Encoding: {encoding})", "Send fewer or smaller profiles per request, or raise the limit.");
}

/// <summary>
/// The one bounded inflater of the product: gunzips untrusted input (a gzipped profile, a request
/// body's Content-Encoding) into a pooled buffer, enforcing the limit while inflating, so a gzip
/// bomb costs at most the limit in memory, never its full size. Its errors name the limit's setting.
/// </summary>
public static class GzipInflater
{
    /// <summary>Header (10 bytes) and trailer (CRC-32 and size, 8 bytes) of the smallest gzip member.</summary>
    private const int MinimumGzipLength = 18;
    private const int InitialBufferBytes = 64 * 1024;

    /// <summary>
    /// Deflate's largest expansion: one compressed byte stands for at most 1,032 output bytes (RFC
    /// 1951's longest match, 258 bytes, in a 2-bit code). A trailer declaring more than that of the
    /// input is false and does not size the first buffer.
    /// </summary>
    private const long MaxDeflateRatio = 1_032;

    public static bool IsGzip(ReadOnlySpan<byte> data) => data.Length >= 2 && data[0] == 0x1F && data[1] == 0x8B;

    /// <summary>
    /// Inflates a gzipped profile. Throws <see cref="ProfileRejectedException"/> with
    /// <see cref="RejectReason.DecompressedTooLarge"/> as soon as more than <paramref name="limit"/>
    /// bytes come out (naming <c>max_decompressed_bytes</c>), and with
    /// <see cref="RejectReason.InvalidProfile"/> for corrupt or truncated data.
    /// </summary>
    public static PooledBytes Inflate(ReadOnlySpan<byte> compressed, long limit) =>
        Inflate(compressed, InflateBounds.Profile(limit));

    /// <summary>
    /// Inflates <paramref name="compressed"/> within <paramref name="bounds"/>. Throws
    /// <see cref="ProfileRejectedException"/>: <see cref="RejectReason.DecompressedTooLarge"/> as
    /// soon as more than the limit comes out, the bounds' corrupt reason for corrupt or truncated data.
    /// </summary>
    public static unsafe PooledBytes Inflate(ReadOnlySpan<byte> compressed, InflateBounds bounds)
    {
        IngestCounters.CountInflation();
        if (compressed.Length < MinimumGzipLength)
        {
            throw Invalid(bounds, $"the gzip data is {compressed.Length} bytes, shorter than the {MinimumGzipLength} bytes of the smallest gzip stream");
        }
        var limit = bounds.Limit;
        // Never hold more than limit + 1 bytes: the extra byte proves the limit was exceeded.
        var cap = (int)Math.Min(limit + 1, Array.MaxLength);
        // The trailer's size field (ISIZE) sizes the first buffer so that honest input needs no
        // regrowth; it is only a hint, bounded by the cap and by what deflate can make of the input
        // (a damaged log record of 500 bytes, its limit and trailer changed, asked for 2 GiB).
        var declared = Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(compressed[^4..]), compressed.Length * MaxDeflateRatio);
        var initial = (int)Math.Min(Math.Max(declared + 1L, InitialBufferBytes), cap);
        var buffer = ArrayPool<byte>.Shared.Rent(initial);
        var length = 0;
        try
        {
            fixed (byte* pointer = compressed)
            {
                using var source = new UnmanagedMemoryStream(pointer, compressed.Length);
                using var gzip = new GZipStream(source, CompressionMode.Decompress);
                while (true)
                {
                    if (length == Math.Min(buffer.Length, cap))
                    {
                        if (length >= cap)
                        {
                            throw new ProfileRejectedException(
                                RejectReason.DecompressedTooLarge,
                                $"{bounds.Subject} decompresses to more than {limit} bytes, over the limit {bounds.LimitSetting}={limit}. {bounds.Advice}");
                        }
                        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, cap));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                    var read = gzip.Read(buffer, length, Math.Min(buffer.Length, cap) - length);
                    if (read == 0)
                    {
                        break;
                    }
                    length += read;
                }
            }
            // GZipStream checks CRC-32 and size when it reaches a trailer, but input that ends
            // before the trailer just ends the stream. Comparing the trailer's size with what came
            // out catches that (and trailing garbage); concatenated gzip members are not supported.
            if (declared != unchecked((uint)length))
            {
                throw Invalid(bounds, $"the gzip stream is truncated or has trailing data: {length} bytes came out but the last 4 bytes declare {declared}");
            }
            var result = new PooledBytes(buffer, length);
            buffer = null!;
            return result;
        }
        catch (InvalidDataException e)
        {
            throw new ProfileRejectedException(bounds.CorruptReason, $"{bounds.Subject} is not valid gzip: {e.Message}", e);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static ProfileRejectedException Invalid(InflateBounds bounds, string what) => new(bounds.CorruptReason, $"{bounds.Subject} is not valid gzip: {what}.");
}
