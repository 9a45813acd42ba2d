using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Collector.Ingest.Pyroscope;

/// <summary>
/// A decoded <c>/ingest</c> request: the batch to store and the write-ahead-log record that
/// replays to the same batch. Append with
/// <c>writer.AppendAsync(tenant, Batch, WalKind, WalPayload)</c> when <see cref="HasProfiles"/>.
/// </summary>
public sealed class PyroscopeIngestResult
{
    public required PyroscopeIngestRequest Request { get; init; }

    public required ProfileBatch Batch { get; init; }

    /// <summary>
    /// Log record kind: 1 (the store's PprofWalCodec), 2 (folded/lines, <c>FoldedWalCodec</c>)
    /// or 3 (pprof with agent fixes); replay them with <see cref="PyroscopeIngest.WalDecoders"/>.
    /// </summary>
    public required byte WalKind { get; init; }

    public required ReadOnlyMemory<byte> WalPayload { get; init; }

    /// <summary>
    /// Why nothing is to be stored although the request was accepted (an empty body, a legacy
    /// span profile with a profile_id label): answer 200 as Pyroscope does, and count it.
    /// Null when <see cref="Batch"/> holds what the body held (possibly nothing, if every value was 0).
    /// </summary>
    public string? NotStoredReason { get; init; }

    public bool HasProfiles => Batch.Profiles.Count > 0;
}
