using GrafanaProfiles.Collector.Ingest.Pyroscope;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Collector.Ingest;

/// <summary>
/// Every kind of write-ahead log record the collector writes (<see cref="WalRecordKind"/>), each
/// with the decoder that replays it: the store's own (batch and pprof, <see cref="PprofWalCodec.Decoders"/>)
/// and the collector's Pyroscope kinds, registered here once.
/// </summary>
public static class WalDecoders
{
    public static WalRecordDecoders All { get; } = PprofWalCodec.Decoders
        .With(WalRecordKind.Folded, payload => FoldedWalCodec.Decode(payload.Span))
        .With(WalRecordKind.PprofWithFixes, payload => IngestPprofWalCodec.Decode(payload.Span));
}
