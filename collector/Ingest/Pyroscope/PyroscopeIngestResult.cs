using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Collector.Ingest.Pyroscope;

/// <summary>
/// A decoded <c>/ingest</c> request: the batch to store and the write-ahead-log record that
/// replays to the same batch, as the codec's header (the resolved options) and the original bytes
/// after it (<see cref="WalBody"/>, a slice of the request body: valid as long as the body is).
/// Append <see cref="ToWalAppend"/> when <see cref="HasProfiles"/>.
/// </summary>
public sealed class PyroscopeIngestResult
{
    public required PyroscopeIngestRequest Request { get; init; }

    public required ProfileBatch Batch { get; init; }

    /// <summary>
    /// Log record kind: <see cref="WalRecordKind.Pprof"/>, <see cref="WalRecordKind.Folded"/> (folded/lines)
    /// or <see cref="WalRecordKind.PprofWithFixes"/>; replay them with <see cref="WalDecoders.All"/>.
    /// </summary>
    public required WalRecordKind WalKind { get; init; }

    /// <summary>The codec's header: the options the body was decoded with, resolved.</summary>
    public ReadOnlyMemory<byte> WalHeader { get; init; }

    /// <summary>The bytes logged after the header: the profile or body as sent.</summary>
    public required ReadOnlyMemory<byte> WalBody { get; init; }

    /// <summary>
    /// The record's whole payload, header and body joined into a new array on each read, as replay
    /// reads it: for tests and tools. The door appends <see cref="ToWalAppend"/>, which the writer
    /// copies once.
    /// </summary>
    public ReadOnlyMemory<byte> WalPayload => (byte[])[.. WalHeader.Span, .. WalBody.Span];

    /// <summary>
    /// Why nothing is to be stored although the request was accepted (an empty body, a legacy
    /// span profile with a profile_id label): answer 200 as Pyroscope does, and count it.
    /// Null when <see cref="Batch"/> holds what the body held (possibly nothing, if every value was 0).
    /// </summary>
    public string? NotStoredReason { get; init; }

    public bool HasProfiles => Batch.Profiles.Count > 0;

    /// <summary>The record for <see cref="ProfileWriter.AppendAllAsync"/>: header and body side by side, not joined.</summary>
    public WalAppend ToWalAppend() => new(Batch, WalKind, WalBody) { Header = WalHeader };
}
