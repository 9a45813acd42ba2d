using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Collector.Scrape;

/// <summary>A validated job: every value resolved, every default applied.</summary>
public sealed record ScrapeJob
{
    public required string Name { get; init; }
    public required string Tenant { get; init; }
    public required TimeSpan Interval { get; init; }
    /// <summary>Limit on one HTTP attempt (a retry gets a fresh one).</summary>
    public required TimeSpan Timeout { get; init; }
    public required string Scheme { get; init; }
    public required long BodySizeLimit { get; init; }
    public required IReadOnlyList<ScrapeTarget> Targets { get; init; }
    /// <summary>The enabled profiles, ordered by name.</summary>
    public required IReadOnlyList<ScrapeProfile> Profiles { get; init; }
    public required RetrySettings Retry { get; init; }
    public required CircuitBreakerSettings CircuitBreaker { get; init; }

    /// <summary>The URL of one profile of one target.</summary>
    public Uri UrlOf(ScrapeTarget target, ScrapeProfile profile) => new($"{Scheme}://{target.Address}{profile.PathAndQuery}");
}

/// <summary>One <c>host:port</c> and the series identity its profiles get.</summary>
public sealed record ScrapeTarget(string Address, string ServiceName, LabelSet Labels);

/// <summary>
/// One profile endpoint. <see cref="ProfileName"/> comes from the configuration key (block and
/// mutex profiles have the same sample types, so the profile itself cannot say which it is).
/// </summary>
public sealed record ScrapeProfile(string Key, string ProfileName, string PathAndQuery, int? DeltaSeconds)
{
    public bool IsDelta => DeltaSeconds is not null;
}

public sealed record RetrySettings(int MaxRetries, TimeSpan InitialBackoff, TimeSpan MaxBackoff);

public sealed record CircuitBreakerSettings(double FailureRatio, int MinimumThroughput, TimeSpan SamplingDuration, TimeSpan BreakDuration);
