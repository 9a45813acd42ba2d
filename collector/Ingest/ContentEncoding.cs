using System.Buffers;
using System.IO.Compression;
using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest;

/// <summary>
/// Undoes an HTTP <c>Content-Encoding</c> on a request body, bounded: inflation stops one byte
/// past the limit, so a gzip bomb costs at most the limit in memory.
/// </summary>
public static class ContentEncoding
{
    /// <summary>
    /// The body with <paramref name="contentEncoding"/> undone: <c>identity</c> (or none) returns
    /// it as is, <c>gzip</c>/<c>x-gzip</c> inflates it. Throws <see cref="ProfileRejectedException"/>:
    /// <see cref="RejectReason.UnsupportedFormat"/> for other encodings,
    /// <see cref="RejectReason.DecompressedTooLarge"/> over <see cref="IngestLimits.MaxRequestBytes"/>,
    /// <see cref="RejectReason.InvalidRequest"/> for corrupt gzip.
    /// </summary>
    public static ReadOnlyMemory<byte> Decode(string? contentEncoding, ReadOnlyMemory<byte> body, IngestLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var encoding = contentEncoding?.Trim() ?? "";
        if (encoding.Length == 0 || encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            CheckSize(body.Length, limits);
            return body;
        }
        if (encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase) || encoding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                return Gunzip(body, limits.MaxRequestBytes) is { } inflated
                    ? inflated
                    : throw TooLarge(limits.MaxRequestBytes, "decompresses to more than");
            }
            catch (InvalidDataException e)
            {
                throw new ProfileRejectedException(RejectReason.InvalidRequest, $"The request body is not valid gzip (Content-Encoding: gzip): {e.Message}", e);
            }
        }
        throw new ProfileRejectedException(
            RejectReason.UnsupportedFormat,
            $"Content-Encoding '{Quote(encoding)}' is not supported: send the body uncompressed (identity) or gzip-compressed.");
    }

    private static void CheckSize(long length, IngestLimits limits)
    {
        if (length > limits.MaxRequestBytes)
        {
            throw TooLarge(limits.MaxRequestBytes, $"is {length} bytes,");
        }
    }

    private static ProfileRejectedException TooLarge(long limit, string what) => new(
        RejectReason.DecompressedTooLarge,
        $"The request body {what} over the limit max_request_bytes={limit}. Send fewer or smaller profiles per request, or raise the limit.");

    /// <summary>
    /// Inflates gzip (concatenated members included); null when more than <paramref name="limit"/>
    /// bytes come out. Throws <see cref="InvalidDataException"/> for corrupt data.
    /// </summary>
    internal static byte[]? Gunzip(ReadOnlyMemory<byte> compressed, long limit)
    {
        var cap = (int)Math.Min(limit + 1, Array.MaxLength);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(compressed.Length * 4L, 4096), cap));
        var length = 0;
        try
        {
            using var gzip = new GZipStream(new ReadOnlyMemoryStream(compressed), CompressionMode.Decompress);
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length >= cap)
                    {
                        return null;
                    }
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, cap));
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
                if (length >= cap)
                {
                    return null;
                }
            }
            return buffer.AsSpan(0, length).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string Quote(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");

    /// <summary>A read-only stream over memory (no copy).</summary>
    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> data) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, data.Length - _position);
            data.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
