using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Collector.Ingest.Push;

/// <summary>The message codec of a Connect unary request, from its Content-Type.</summary>
public enum PushCodec
{
    /// <summary><c>application/proto</c>: binary protobuf.</summary>
    Proto,
    /// <summary><c>application/json</c>: the protobuf JSON mapping.</summary>
    Json,
}

/// <summary>One raw profile of a push request, decoded: append it when <see cref="HasProfiles"/>.</summary>
public sealed class PushedProfile
{
    /// <summary>Index of its series in the request.</summary>
    public required int Series { get; init; }

    /// <summary>Index of the sample within its series.</summary>
    public required int Sample { get; init; }

    /// <summary>The sender's profile UUID (<c>RawSample.ID</c>), possibly empty; not stored.</summary>
    public required string ProfileId { get; init; }

    public required ProfileBatch Batch { get; init; }

    /// <summary><see cref="WalRecordKind.Pprof"/>, the store's PprofWalCodec (replay with <c>PprofWalCodec.Decoders</c>).</summary>
    public required WalRecordKind WalKind { get; init; }

    /// <summary>The codec's header: the series' decode options, resolved.</summary>
    public required ReadOnlyMemory<byte> WalHeader { get; init; }

    /// <summary>The raw profile as sent, logged after the header.</summary>
    public required ReadOnlyMemory<byte> WalBody { get; init; }

    /// <summary>The record's whole payload, header and body joined into a new array on each read: for tests and tools.</summary>
    public ReadOnlyMemory<byte> WalPayload => (byte[])[.. WalHeader.Span, .. WalBody.Span];

    public bool HasProfiles => Batch.Profiles.Count > 0;

    /// <summary>The record for the writer: header and raw profile side by side, not joined.</summary>
    public WalAppend ToWalAppend() => new(Batch, WalKind, WalBody) { Header = WalHeader };
}

/// <summary>
/// A decoded push request. Like Pyroscope, each raw profile stands alone: the good ones are
/// stored even when others are rejected, and the response then reports the rejected ones.
/// </summary>
public sealed class PushDecodeResult
{
    /// <summary>How many rejections the combined message quotes in full.</summary>
    private const int QuotedRejections = 5;

    public required PushCodec Codec { get; init; }

    /// <summary>The raw profiles that decoded, in request order.</summary>
    public required IReadOnlyList<PushedProfile> Profiles { get; init; }

    /// <summary>The raw profiles that did not, each message naming its series and sample.</summary>
    public required IReadOnlyList<ProfileRejectedException> Rejected { get; init; }

    /// <summary>
    /// Null when every raw profile decoded; else one rejection to answer with (after storing
    /// <see cref="Profiles"/>): the first one's reason, a message listing the rejected ones.
    /// </summary>
    public ProfileRejectedException? Error
    {
        get
        {
            if (Rejected.Count == 0)
            {
                return null;
            }
            var total = Rejected.Count + Profiles.Count;
            var quoted = string.Join(" ", Rejected.Take(QuotedRejections).Select(e => e.Message));
            var more = Rejected.Count > QuotedRejections ? $" ({Rejected.Count - QuotedRejections} more not shown.)" : "";
            var accepted = Profiles.Count == 0 ? "" : $" The other {Profiles.Count} were accepted.";
            return new ProfileRejectedException(Rejected[0].Reason, $"{Rejected.Count} of {total} profiles were rejected.{accepted} {quoted}{more}");
        }
    }
}
