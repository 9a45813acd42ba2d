using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest;

/// <summary>A request body with its Content-Encoding undone; dispose it (once) to return an inflated buffer to its pool.</summary>
public struct DecodedBody : IDisposable
{
    private PooledBytes _inflated;

    public DecodedBody(ReadOnlyMemory<byte> body, PooledBytes inflated)
    {
        Body = body;
        _inflated = inflated;
    }

    /// <summary>The body: the bytes as sent (identity), or the inflated bytes, valid until disposed.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    public void Dispose() => _inflated.Dispose();
}

/// <summary>
/// The door's one Content-Encoding step, for every API: <c>identity</c> (or none) passes the
/// body through, <c>gzip</c>/<c>x-gzip</c> inflates it with the product's one bounded inflater
/// (<see cref="GzipInflater"/>, within <c>max_request_bytes</c>), anything else is refused.
/// </summary>
public static class ContentEncoding
{
    /// <summary>
    /// The body with <paramref name="contentEncoding"/> undone. Throws
    /// <see cref="ProfileRejectedException"/>: <see cref="RejectReason.UnsupportedFormat"/> for other
    /// encodings, <see cref="RejectReason.DecompressedTooLarge"/> over
    /// <see cref="IngestLimits.MaxRequestBytes"/> (naming <c>max_request_bytes</c>),
    /// <see cref="RejectReason.InvalidRequest"/> for a body that is not valid gzip (HTTP 400, naming the encoding).
    /// </summary>
    public static DecodedBody Decode(string? contentEncoding, ReadOnlyMemory<byte> body, IngestLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var encoding = contentEncoding?.Trim() ?? "";
        if (encoding.Length == 0 || encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            if (body.Length > limits.MaxRequestBytes)
            {
                throw new ProfileRejectedException(RejectReason.DecompressedTooLarge,
                    $"The request body is {body.Length} bytes, over the limit max_request_bytes={limits.MaxRequestBytes}. Send fewer or smaller profiles per request, or raise the limit.");
            }
            return new DecodedBody(body, default);
        }
        if (encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase) || encoding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase))
        {
            var inflated = GzipInflater.Inflate(body.Span, InflateBounds.RequestBody(limits, encoding.ToLowerInvariant()));
            return new DecodedBody(inflated.Memory, inflated);
        }
        throw new ProfileRejectedException(
            RejectReason.UnsupportedFormat,
            $"Content-Encoding '{Quote(encoding)}' is not supported: send the body uncompressed (identity) or gzip-compressed.");
    }

    private static string Quote(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");
}
