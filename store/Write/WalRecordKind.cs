namespace GrafanaProfiles.Store.Write;

/// <summary>
/// Every kind of write-ahead log record, numbered as the log stores it (the byte after the
/// sequence, see <see cref="WriteAheadLog"/>). A number is never reused or renumbered: a log
/// written by an earlier version replays with these (tests/testdata/wal/every-kind). A new kind
/// takes the next number, and its decoder is registered once in <see cref="WalRecordDecoders"/>.
/// </summary>
public enum WalRecordKind : byte
{
    /// <summary>The store's own encoding of a batch (<see cref="ProfileBatchCodec"/>), for ingest paths with no compact original form; built into every registry.</summary>
    Batch = 0,

    /// <summary>A pprof profile's original bytes after the decode options resolved for it (the store's <c>PprofWalCodec</c>).</summary>
    Pprof = 1,

    /// <summary>A Pyroscope folded or lines body after its resolved options (the collector's <c>FoldedWalCodec</c>).</summary>
    Folded = 2,

    /// <summary>A Pyroscope pprof upload whose batch an agent fix changes: the fixes, then a <see cref="Pprof"/> payload (the collector's <c>IngestPprofWalCodec</c>).</summary>
    PprofWithFixes = 3,
}
