namespace GrafanaProfiles.Store.Ingest;

/// <summary>
/// Why input was refused: the one closed set of every ingest path (the decoders here and the
/// collector's ingest door alike). Each reason is counted in metrics under its
/// <see cref="Rejections.Name"/>, answered with its <see cref="Rejections.HttpStatus"/> by every
/// API, and explained in a message that names the limit or field and tells the sender what to change.
/// </summary>
public enum RejectReason
{
    /// <summary>The bytes are not a valid profile of the stated format.</summary>
    InvalidProfile,
    /// <summary>
    /// Decompressed size over <see cref="IngestLimits.MaxDecompressedBytes"/> (one profile) or
    /// <see cref="IngestLimits.MaxRequestBytes"/> (one request body).
    /// </summary>
    DecompressedTooLarge,
    /// <summary>Samples over <see cref="IngestLimits.MaxSamplesPerProfile"/>.</summary>
    TooManySamples,
    /// <summary>Labels over <see cref="IngestLimits.MaxLabelsPerSeries"/>.</summary>
    TooManyLabels,
    LabelNameTooLong,
    LabelValueTooLong,
    /// <summary>A label name that is not [a-zA-Z_][a-zA-Z0-9_.]*.</summary>
    InvalidLabelName,
    /// <summary>Unknown or unusable profile type.</summary>
    InvalidProfileType,
    /// <summary>
    /// The request's content type (media type) is not one the endpoint reads: HTTP 415. The OTLP
    /// profiles endpoint reads application/x-protobuf, application/protobuf and application/json.
    /// </summary>
    UnsupportedMediaType,
    /// <summary>
    /// The request around the profile is invalid: a query parameter (name, from, until, units, …),
    /// a multipart form, a Connect envelope (protobuf or JSON), a header value, or a body that is
    /// not what its Content-Encoding says (corrupt gzip).
    /// </summary>
    InvalidRequest,
    /// <summary>
    /// A format, content type or content encoding the collector does not read (Pyroscope's trie,
    /// tree, JFR and speedscope bodies, clients that send prev_profile, brotli bodies).
    /// </summary>
    UnsupportedFormat,
    /// <summary>The body as received is over the host's limit (the collector's <c>max_body_bytes</c>).</summary>
    BodyTooLarge,
    /// <summary>Missing or wrong credentials for the tenant.</summary>
    Unauthorized,
    /// <summary>The tenant sends more bytes per second than its rate limit.</summary>
    RateLimited,
    /// <summary>The request would take the tenant over its active-series limit.</summary>
    SeriesLimit,
    /// <summary>The collector is at its decoding or buffering limit; retry shortly.</summary>
    Overloaded,
    /// <summary>The store is not open yet (replaying its write-ahead log) or could not be opened.</summary>
    NotReady,
    /// <summary>
    /// The store cannot keep the request: its disk is full, read-only or failing (the log write
    /// failed, or flushes fail and the buffer is full). Nothing was kept; retry later.
    /// </summary>
    StorageUnavailable,
}

/// <summary>
/// The one table from a <see cref="RejectReason"/> to what every API says about it: the metric
/// label and the HTTP status (Pyroscope's where it has one). The APIs translate further only
/// where their protocol needs a code of its own (Connect's error codes), never the status.
/// </summary>
public static class Rejections
{
    /// <summary>Every reason, in declaration order.</summary>
    public static IReadOnlyList<RejectReason> All { get; } = Enum.GetValues<RejectReason>();

    /// <summary>The HTTP status of a refusal.</summary>
    public static int HttpStatus(RejectReason reason) => reason switch
    {
        RejectReason.BodyTooLarge or RejectReason.DecompressedTooLarge => 413,
        RejectReason.UnsupportedMediaType or RejectReason.UnsupportedFormat => 415,
        RejectReason.Unauthorized => 401,
        RejectReason.RateLimited or RejectReason.SeriesLimit or RejectReason.Overloaded => 429,
        RejectReason.NotReady or RejectReason.StorageUnavailable => 503,
        // Bad metadata (labels, names, types) and a request that is not what it says it is: 400, as Pyroscope answers.
        RejectReason.InvalidRequest or RejectReason.TooManyLabels or RejectReason.LabelNameTooLong or
            RejectReason.LabelValueTooLong or RejectReason.InvalidLabelName or RejectReason.InvalidProfileType => 400,
        // A profile that cannot be ingested as sent: 422, Pyroscope's code for other ingest failures.
        RejectReason.InvalidProfile or RejectReason.TooManySamples => 422,
        _ => 400,
    };

    /// <summary>Whether the sender may send the same request again later (and should be told when: Retry-After).</summary>
    public static bool IsRetryable(RejectReason reason) =>
        reason is RejectReason.RateLimited or RejectReason.SeriesLimit or RejectReason.Overloaded or RejectReason.NotReady or
            RejectReason.StorageUnavailable;

    /// <summary>snake_case name: the metric label (<c>reason="…"</c>) and the word in error bodies.</summary>
    public static string Name(RejectReason reason) => reason switch
    {
        RejectReason.InvalidProfile => "invalid_profile",
        RejectReason.DecompressedTooLarge => "decompressed_too_large",
        RejectReason.TooManySamples => "too_many_samples",
        RejectReason.TooManyLabels => "too_many_labels",
        RejectReason.LabelNameTooLong => "label_name_too_long",
        RejectReason.LabelValueTooLong => "label_value_too_long",
        RejectReason.InvalidLabelName => "invalid_label_name",
        RejectReason.InvalidProfileType => "invalid_profile_type",
        RejectReason.UnsupportedMediaType => "unsupported_media_type",
        RejectReason.InvalidRequest => "invalid_request",
        RejectReason.UnsupportedFormat => "unsupported_format",
        RejectReason.BodyTooLarge => "body_too_large",
        RejectReason.Unauthorized => "unauthorized",
        RejectReason.RateLimited => "rate_limited",
        RejectReason.SeriesLimit => "series_limit",
        RejectReason.Overloaded => "overloaded",
        RejectReason.NotReady => "not_ready",
        RejectReason.StorageUnavailable => "storage_unavailable",
        _ => "unknown",
    };
}

/// <summary>Input refused as a whole: nothing of it is stored.</summary>
public sealed class ProfileRejectedException : Exception
{
    public ProfileRejectedException(RejectReason reason, string message) : base(message) => Reason = reason;

    public ProfileRejectedException(RejectReason reason, string message, Exception inner) : base(message, inner) => Reason = reason;

    public ProfileRejectedException() : this(RejectReason.InvalidProfile, "The profile was rejected.") { }

    public ProfileRejectedException(string message) : this(RejectReason.InvalidProfile, message) { }

    public ProfileRejectedException(string message, Exception inner) : this(RejectReason.InvalidProfile, message, inner) { }

    public RejectReason Reason { get; }

    /// <summary>For retryable reasons: when the sender may try again.</summary>
    public TimeSpan? RetryAfter { get; init; }
}
