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
    /// One request body after its Content-Encoding is undone (<c>max_request_bytes</c>; a push
    /// request may carry many profiles, each also bound by <see cref="MaxDecompressedBytes"/>).
    /// The body as received is bound by the host's own limit (the collector's <c>max_body_bytes</c>,
    /// Pyroscope's distributor.ingestion-body-limit-mb).
    /// </summary>
    public long MaxRequestBytes { get; init; } = 256L * 1024 * 1024;

    public static IngestLimits Default { get; } = new();
}
