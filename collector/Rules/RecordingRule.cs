using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Query.Selectors;

namespace GrafanaProfiles.Collector.Rules;

/// <summary>Which value of a function a rule records.</summary>
public enum FunctionValue
{
    /// <summary>Stacks that contain the function, each once (recursion counts once), as pprof's cum and the top table's total.</summary>
    Total,

    /// <summary>Stacks whose leaf is the function.</summary>
    Self,
}

/// <summary>A function filter: only the value of stacks that have the function (by its full name).</summary>
public sealed record FunctionFilter(string Name, FunctionValue Value);

/// <summary>
/// A validated recording rule: per step and per combination of <see cref="GroupBy"/> values, the
/// summed value of the profiles of <see cref="ProfileType"/> whose series match every selector of
/// <see cref="Selectors"/> — all of it, or only a function's total or self.
/// </summary>
public sealed record RecordingRule
{
    public required string MetricName { get; init; }

    public required string ProfileType { get; init; }

    /// <summary>All must match; their profile types (if any) are <see cref="ProfileType"/>.</summary>
    public required IReadOnlyList<LabelSelector> Selectors { get; init; }

    public required IReadOnlyList<string> GroupBy { get; init; }

    public required LabelSet ExternalLabels { get; init; }

    public FunctionFilter? Function { get; init; }

    /// <summary>Only this tenant's profiles; null for every tenant.</summary>
    public string? Tenant { get; init; }

    /// <summary>What the rule records, in a sentence (the metric's HELP on /metrics).</summary>
    public string Description =>
        (Function is { } f ? $"{(f.Value == FunctionValue.Self ? "Self" : "Total")} of function {f.Name} in" : "Total of") +
        $" {ProfileType} profiles" +
        (Selectors.Count > 0 ? " matching " + string.Join(" and ", Selectors) : "") +
        $", summed per step{(GroupBy.Count > 0 ? " by " + string.Join(", ", GroupBy) : "")}.";
}

/// <summary>The resolved <c>recording_rules</c> section.</summary>
public sealed record RecordingRuleSet
{
    public static readonly TimeSpan DefaultStep = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan DefaultSealDelay = TimeSpan.FromSeconds(30);
    public const string DefaultTenantLabel = "tenant";
    public const int DefaultMaxSeries = 10_000;
    public static readonly TimeSpan DefaultSeriesIdleTime = TimeSpan.FromMinutes(5);

    public static readonly RecordingRuleSet Empty = new() { Rules = [] };

    public required IReadOnlyList<RecordingRule> Rules { get; init; }

    public TimeSpan Step { get; init; } = DefaultStep;

    public TimeSpan SealDelay { get; init; } = DefaultSealDelay;

    /// <summary>The label of the tenant on /metrics and in remote write; empty for none.</summary>
    public string TenantLabel { get; init; } = DefaultTenantLabel;

    public int MaxSeries { get; init; } = DefaultMaxSeries;

    public TimeSpan SeriesIdleTime { get; init; } = DefaultSeriesIdleTime;

    public RemoteWriteSettings? RemoteWrite { get; init; }
}

/// <summary>The resolved <c>recording_rules.remote_write</c> section.</summary>
public sealed record RemoteWriteSettings
{
    public const int DefaultMaxQueueSamples = 100_000;
    public const int DefaultMaxSamplesPerSend = 2_000;

    public required Uri Url { get; init; }

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Headers of every request, <c>Authorization</c> included when basic auth or a bearer token is set.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public int MaxQueueSamples { get; init; } = DefaultMaxQueueSamples;

    public int MaxSamplesPerSend { get; init; } = DefaultMaxSamplesPerSend;

    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);
}
