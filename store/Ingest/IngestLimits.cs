namespace GrafanaProfiles.Store.Ingest;

/// <summary>
/// Limits on untrusted profile input. Defaults follow Pyroscope's (pkg/validation/limits.go) so that
/// what Pyroscope accepts, we accept. Every limit is a setting; an error names it and the value seen.
/// </summary>
public sealed record IngestLimits
{
    /// <summary>Largest accepted profile after decompression (Pyroscope: validation.max-profile-size-bytes).</summary>
    public long MaxDecompressedBytes { get; init; } = 4L * 1024 * 1024;

    /// <summary>Samples in one profile (Pyroscope: validation.max-profile-stacktrace-samples).</summary>
    public int MaxSamplesPerProfile { get; init; } = 16_000;

    /// <summary>
    /// Frames in one stack. A deeper stack keeps the frames nearest the root and loses the deepest
    /// ones (leaf side), as Pyroscope does, so callers still add up correctly.
    /// </summary>
    public int MaxStackDepth { get; init; } = 1_000;

    /// <summary>Labels per series (Pyroscope: validation.max-label-names-per-series).</summary>
    public int MaxLabelsPerSeries { get; init; } = 30;

    public int MaxLabelNameLength { get; init; } = 1_024;

    public int MaxLabelValueLength { get; init; } = 2_048;

    /// <summary>Function names, file names: longer ones are truncated (Pyroscope: max-profile-symbol-value-length).</summary>
    public int MaxSymbolLength { get; init; } = 65_535;

    /// <summary>Sample types (value columns) in one profile; pprof from real runtimes has 1 to 4.</summary>
    public int MaxSampleTypes { get; init; } = 64;

    /// <summary>
    /// One request body after its Content-Encoding is undone (a push request may carry many
    /// profiles, each also bound by <see cref="MaxDecompressedBytes"/>). Pyroscope's
    /// distributor.ingestion-body-limit-mb; hosts should cap the received body at this too.
    /// </summary>
    public long MaxRequestBytes { get; init; } = 256L * 1024 * 1024;

    public static IngestLimits Default { get; } = new();
}

/// <summary>Why input was rejected: a closed set, each counted in metrics and explained to the sender.</summary>
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
    /// a multipart form, a Connect envelope (protobuf or JSON) or a header value.
    /// </summary>
    InvalidRequest,
    /// <summary>
    /// A format, content type or content encoding the collector does not read (Pyroscope's trie,
    /// tree, JFR and speedscope bodies, clients that send prev_profile, brotli bodies).
    /// </summary>
    UnsupportedFormat,
}

/// <summary>A profile rejected as a whole: nothing of it is stored.</summary>
public sealed class ProfileRejectedException : Exception
{
    public ProfileRejectedException(RejectReason reason, string message) : base(message) => Reason = reason;

    public ProfileRejectedException(RejectReason reason, string message, Exception inner) : base(message, inner) => Reason = reason;

    public ProfileRejectedException() : this(RejectReason.InvalidProfile, "The profile was rejected.") { }

    public ProfileRejectedException(string message) : this(RejectReason.InvalidProfile, message) { }

    public ProfileRejectedException(string message, Exception inner) : this(RejectReason.InvalidProfile, message, inner) { }

    public RejectReason Reason { get; }
}
