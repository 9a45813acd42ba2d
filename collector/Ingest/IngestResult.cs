using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest;

/// <summary>
/// How a request ended at the door: accepted (with counts, and the profiles an API's partial
/// success left out) or refused (reason, message naming the limit or field, when to retry). The
/// HTTP status is the one table's (<see cref="Rejections.HttpStatus"/>) for every API.
/// </summary>
public sealed class IngestResult
{
    public RejectReason? Reason { get; private init; }

    public string? Message { get; private init; }

    /// <summary>For retryable refusals: when the sender may try again.</summary>
    public TimeSpan? RetryAfter { get; private init; }

    /// <summary>Series profiles stored (one per series and profile type).</summary>
    public int Profiles { get; private init; }

    /// <summary>Sample rows stored.</summary>
    public int Samples { get; private init; }

    /// <summary>Profiles of an accepted request that were left out (OTLP's partial success), and why.</summary>
    public int DroppedProfiles { get; private init; }

    public string? DroppedMessage { get; private init; }

    public bool Accepted => Reason is null;

    public int HttpStatus => Reason is { } r ? Rejections.HttpStatus(r) : 200;

    public static IngestResult Stored(int profiles, int samples, int droppedProfiles, string? droppedMessage) =>
        new() { Profiles = profiles, Samples = samples, DroppedProfiles = droppedProfiles, DroppedMessage = droppedMessage };

    public static IngestResult Refused(RejectReason reason, string message, TimeSpan? retryAfter) =>
        new() { Reason = reason, Message = message, RetryAfter = retryAfter };
}
