using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest;

/// <summary>
/// Every reason the collector refuses input: a closed set. Each one is counted in
/// <c>gp_ingest_rejected_total{reason}</c>, answered with its HTTP status, and explained in words
/// that tell the sender what to change.
/// </summary>
public enum RejectionReason
{
    InvalidProfile,
    DecompressedTooLarge,
    TooManySamples,
    TooManyLabels,
    LabelNameTooLong,
    LabelValueTooLong,
    InvalidLabelName,
    InvalidProfileType,
    InvalidRequest,
    BodyTooLarge,
    UnsupportedMediaType,
    UnsupportedFormat,
    Unauthorized,
    RateLimited,
    SeriesLimit,
    Overloaded,
    NotReady,
}

public static class Rejections
{
    public static RejectionReason From(RejectReason reason) => reason switch
    {
        RejectReason.InvalidProfile => RejectionReason.InvalidProfile,
        RejectReason.DecompressedTooLarge => RejectionReason.DecompressedTooLarge,
        RejectReason.TooManySamples => RejectionReason.TooManySamples,
        RejectReason.TooManyLabels => RejectionReason.TooManyLabels,
        RejectReason.LabelNameTooLong => RejectionReason.LabelNameTooLong,
        RejectReason.LabelValueTooLong => RejectionReason.LabelValueTooLong,
        RejectReason.InvalidLabelName => RejectionReason.InvalidLabelName,
        RejectReason.InvalidProfileType => RejectionReason.InvalidProfileType,
        RejectReason.UnsupportedMediaType => RejectionReason.UnsupportedMediaType,
        RejectReason.UnsupportedFormat => RejectionReason.UnsupportedFormat,
        RejectReason.InvalidRequest => RejectionReason.InvalidRequest,
        _ => RejectionReason.InvalidProfile,
    };

    /// <summary>The HTTP status of a rejection (Pyroscope's where it has one).</summary>
    public static int StatusCode(RejectionReason reason) => reason switch
    {
        RejectionReason.BodyTooLarge or RejectionReason.DecompressedTooLarge => 413,
        RejectionReason.UnsupportedMediaType or RejectionReason.UnsupportedFormat => 415,
        RejectionReason.Unauthorized => 401,
        RejectionReason.RateLimited or RejectionReason.SeriesLimit or RejectionReason.Overloaded => 429,
        RejectionReason.NotReady => 503,
        // Bad metadata (labels, names, types) is the sender's request: 400, as Pyroscope answers.
        RejectionReason.InvalidRequest or RejectionReason.TooManyLabels or RejectionReason.LabelNameTooLong or
            RejectionReason.LabelValueTooLong or RejectionReason.InvalidLabelName or RejectionReason.InvalidProfileType => 400,
        // A profile that cannot be ingested as sent: 422, Pyroscope's code for other ingest failures.
        RejectionReason.InvalidProfile or RejectionReason.TooManySamples => 422,
        _ => 400,
    };

    /// <summary>snake_case name used as the metric label and in error bodies.</summary>
    public static string Name(RejectionReason reason) => reason switch
    {
        RejectionReason.InvalidProfile => "invalid_profile",
        RejectionReason.DecompressedTooLarge => "decompressed_too_large",
        RejectionReason.TooManySamples => "too_many_samples",
        RejectionReason.TooManyLabels => "too_many_labels",
        RejectionReason.LabelNameTooLong => "label_name_too_long",
        RejectionReason.LabelValueTooLong => "label_value_too_long",
        RejectionReason.InvalidLabelName => "invalid_label_name",
        RejectionReason.InvalidProfileType => "invalid_profile_type",
        RejectionReason.InvalidRequest => "invalid_request",
        RejectionReason.BodyTooLarge => "body_too_large",
        RejectionReason.UnsupportedMediaType => "unsupported_media_type",
        RejectionReason.UnsupportedFormat => "unsupported_format",
        RejectionReason.Unauthorized => "unauthorized",
        RejectionReason.RateLimited => "rate_limited",
        RejectionReason.SeriesLimit => "series_limit",
        RejectionReason.Overloaded => "overloaded",
        RejectionReason.NotReady => "not_ready",
        _ => "unknown",
    };
}

/// <summary>Input refused before or while it was handled; nothing of the request is stored.</summary>
public sealed class IngestRejectedException : Exception
{
    public IngestRejectedException(RejectionReason reason, string message, TimeSpan? retryAfter = null) : base(message)
    {
        Reason = reason;
        RetryAfter = retryAfter;
    }

    public IngestRejectedException() : this(RejectionReason.InvalidRequest, "The request was rejected.") { }
    public IngestRejectedException(string message) : this(RejectionReason.InvalidRequest, message) { }
    public IngestRejectedException(string message, Exception inner) : base(message, inner) => Reason = RejectionReason.InvalidRequest;

    public RejectionReason Reason { get; }

    /// <summary>For 429s: when the sender may try again.</summary>
    public TimeSpan? RetryAfter { get; }
}
