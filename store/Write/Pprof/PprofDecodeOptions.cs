using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Store.Pprof;

/// <summary>What the sender says about a pprof profile besides its bytes (Pyroscope's ingest parameters).</summary>
public sealed record PprofDecodeOptions
{
    /// <summary>The service the profile belongs to (Pyroscope's fallback is <c>unknown_service</c>).</summary>
    public string ServiceName { get; init; } = "unknown_service";

    /// <summary>Series labels for every sample; pprof sample labels are added to them (and win on a clash).</summary>
    public LabelSet Labels { get; init; } = LabelSet.Empty;

    /// <summary>
    /// The profile name, the first part of the profile type id (e.g. <c>process_cpu</c>). When null,
    /// <see cref="ProfileType.DefaultName"/> derives it from the period type.
    /// </summary>
    public string? ProfileName { get; init; }

    /// <summary>
    /// When <see cref="ProfileName"/> is null: chooses the profile name from the profile's sample
    /// type names (in order), as an API's own rule does (Pyroscope's /ingest picks it from them),
    /// while the decoder reads the profile, so that the profile is parsed once. Null from it, or no
    /// rule, leaves <see cref="ProfileType.DefaultName"/>. A caller that logs the options for replay
    /// logs the name the rule chose as <see cref="ProfileName"/>.
    /// </summary>
    public Func<IReadOnlyList<string>, string?>? ProfileNameRule { get; init; }

    /// <summary>Start of the profile window (Unix nanoseconds); overrides the profile's <c>time_nanos</c>.</summary>
    public long? FromUnixNanos { get; init; }

    /// <summary>End of the profile window (Unix nanoseconds); overrides the profile's <c>duration_nanos</c>.</summary>
    public long? UntilUnixNanos { get; init; }

    /// <summary>Gives "now" for profiles without <c>time_nanos</c>.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public IngestLimits Limits { get; init; } = IngestLimits.Default;
}
