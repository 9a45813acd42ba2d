using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Collector.Ingest.Pyroscope;

/// <summary>
/// Logs a pprof /ingest whose decoded batch is then changed by an agent fix (file names in
/// function names for pyspy/rbspy, sample type names for .NET) as <see cref="WalRecordKind.PprofWithFixes"/>:
/// the fixes as a flags byte, then the store's own pprof record (PprofWalCodec: resolved options
/// and the profile bytes), so replay decodes the profile and applies the same fixes. Layout, in
/// <see cref="WalFieldWriter"/> fields: version u8, fixes u8, then a PprofWalCodec payload to the
/// end. A pprof /ingest without such fixes logs as <see cref="WalRecordKind.Pprof"/> directly.
/// </summary>
internal static class IngestPprofWalCodec
{
    private const byte Version = 1;

    /// <summary>Everything of the payload before the profile bytes: version, fixes, the store's pprof header.</summary>
    public static byte[] EncodeHeader(PprofFixes fixes, PprofDecodeOptions options)
    {
        var w = new WalFieldWriter(256);
        w.Byte(Version);
        w.Byte((byte)fixes);
        PprofWalCodec.WriteHeader(w, options);
        return w.ToArray();
    }

    public static ProfileBatch Decode(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 2 || payload[0] != Version)
        {
            throw new InvalidDataException("A Pyroscope pprof log record has an unknown version.");
        }
        var r = new WalFieldReader(payload);
        r.Byte();
        var fixes = (PprofFixes)r.Byte();
        return PprofIngestRules.Apply(PprofWalCodec.Decode(r.Rest()), fixes);
    }
}
