using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;

namespace GrafanaProfiles.Collector.Ingest.Pyroscope;

/// <summary>
/// Logs a pprof /ingest whose decoded batch is then changed by an agent fix (file names in
/// function names for pyspy/rbspy, sample type names for .NET): the fixes as a flags byte, then
/// the store's own pprof record (PprofWalCodec: resolved options and the profile bytes), so
/// replay decodes the profile and applies the same fixes. Layout: version u8, fixes u8, then a
/// PprofWalCodec payload to the end. A pprof /ingest without such fixes logs as PprofWalCodec
/// (kind 1) directly.
/// </summary>
internal static class IngestPprofWalCodec
{
    public const byte Kind = 3;
    private const byte Version = 1;

    /// <summary>Everything of the payload before the profile bytes: version, fixes, the store's pprof header.</summary>
    public static byte[] EncodeHeader(PprofFixes fixes, PprofDecodeOptions options)
    {
        var inner = PprofWalCodec.EncodeHeader(options);
        var header = new byte[inner.Length + 2];
        header[0] = Version;
        header[1] = (byte)fixes;
        inner.CopyTo(header.AsSpan(2));
        return header;
    }

    public static ProfileBatch Decode(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 2 || payload[0] != Version)
        {
            throw new InvalidDataException("A Pyroscope pprof log record has an unknown version.");
        }
        return PprofIngestRules.Apply(PprofWalCodec.Decode(payload[2..]), (PprofFixes)payload[1]);
    }
}
