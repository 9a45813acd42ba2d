using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Collector.Ingest;

/// <summary>
/// Every kind of write-ahead log record the collector writes, with the decoder that replays it.
/// Kind 0 (the store's own batch encoding) is built into the writer.
/// </summary>
public static class WalDecoders
{
    public static IReadOnlyDictionary<byte, WalRecordDecoder> All { get; } =
        PprofWalCodec.Decoders.Concat(Pyroscope.PyroscopeIngest.WalDecoders).ToDictionary(p => p.Key, p => p.Value);
}
