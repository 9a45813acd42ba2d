using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Store.Pprof;

/// <summary>
/// Decodes a pprof profile (gzipped or raw protobuf) into the store's model. Hand-written over
/// spans: no Google.Protobuf objects, pooled buffers, per-table (not per-sample) allocations.
/// See README.md in this folder for the wire layout read and the conversion rules.
/// </summary>
public static class PprofDecoder
{
    /// <summary>
    /// Decodes <paramref name="data"/>. Throws <see cref="ProfileRejectedException"/>, and only that,
    /// for input that is malformed or over a limit of <see cref="PprofDecodeOptions.Limits"/>.
    /// </summary>
    public static ProfileBatch Decode(ReadOnlySpan<byte> data, PprofDecodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var limits = options.Limits;
        if (GzipInflater.IsGzip(data))
        {
            using var inflated = GzipInflater.Inflate(data, limits.MaxDecompressedBytes);
            return DecodeProtobuf(inflated.Span, options);
        }
        if (data.Length > limits.MaxDecompressedBytes)
        {
            throw new ProfileRejectedException(
                RejectReason.DecompressedTooLarge,
                $"The profile is {data.Length} bytes, over the limit max_decompressed_bytes={limits.MaxDecompressedBytes}. Send smaller profiles (shorter collection windows) or raise the limit.");
        }
        return DecodeProtobuf(data, options);
    }

    private static ProfileBatch DecodeProtobuf(ReadOnlySpan<byte> profile, PprofDecodeOptions options)
    {
        if (profile.IsEmpty)
        {
            throw new ProfileRejectedException(RejectReason.InvalidProfile, "The profile is empty (0 bytes): send a pprof protobuf, raw or gzipped.");
        }
        IngestCounters.CountPprofParse();
        using var tables = PprofTables.Read(profile, options.Limits);
        using var converter = new PprofConverter(tables, options);
        return converter.Convert(profile);
    }
}
