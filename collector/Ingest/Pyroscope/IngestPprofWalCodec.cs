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

    public static byte[] Encode(PprofFixes fixes, PprofDecodeOptions options, ReadOnlySpan<byte> profile)
    {
        var inner = PprofWalCodec.Encode(options, profile);
        var payload = new byte[inner.Length + 2];
        payload[0] = Version;
        payload[1] = (byte)fixes;
        inner.CopyTo(payload.AsSpan(2));
        return payload;
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
