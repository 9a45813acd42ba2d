using Microsoft.Extensions.Configuration;

namespace GrafanaProfiles.Collector.Scrape;

/// <summary>
/// The <c>scrape</c> section as written in configuration (Parca's <c>scrape_configs</c>), before
/// validation: durations and sizes are still strings, and unset values are null so that defaults
/// can be told apart from explicit settings. <see cref="ScrapeConfig.Resolve"/> turns it into
/// <see cref="ScrapeJob"/>s or explains what is wrong.
/// </summary>
public sealed record ScrapeOptions
{
    [ConfigurationKeyName("scrape_configs")]
    public List<ScrapeJobOptions> ScrapeConfigs { get; init; } = [];
}

/// <summary>One job: a set of targets scraped alike.</summary>
public sealed record ScrapeJobOptions
{
    [ConfigurationKeyName("job_name")]
    public string? JobName { get; init; }

    /// <summary>How often each profile of each target is scraped: <c>10s</c>, <c>1m30s</c>, <c>500ms</c>. Default 10s.</summary>
    [ConfigurationKeyName("scrape_interval")]
    public string? ScrapeInterval { get; init; }

    /// <summary>Limit on one HTTP attempt. Default: interval + 3 s, at most max(60 s, longest delta seconds + 3 s).</summary>
    [ConfigurationKeyName("scrape_timeout")]
    public string? ScrapeTimeout { get; init; }

    /// <summary><c>http</c> (default) or <c>https</c>.</summary>
    [ConfigurationKeyName("scheme")]
    public string? Scheme { get; init; }

    /// <summary>Prefix joined to every profile path, e.g. <c>/app</c> for <c>/app/debug/pprof/heap</c>.</summary>
    [ConfigurationKeyName("path_prefix")]
    public string? PathPrefix { get; init; }

    /// <summary>Tenant whose partitions receive the profiles. Default <c>default</c>.</summary>
    [ConfigurationKeyName("tenant")]
    public string? Tenant { get; init; }

    /// <summary>Largest accepted response body: bytes, or with KiB/MiB/GiB. Default: the ingest limit on decompressed size.</summary>
    [ConfigurationKeyName("body_size_limit")]
    public string? BodySizeLimit { get; init; }

    [ConfigurationKeyName("static_configs")]
    public List<StaticTargetsOptions> StaticConfigs { get; init; } = [];

    /// <summary>Profiles to scrape, by name; known names have Parca's defaults, other names are custom endpoints.</summary>
    [ConfigurationKeyName("pprof_config")]
    public Dictionary<string, ProfileOptions> PprofConfig { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    [ConfigurationKeyName("retry")]
    public RetryOptions Retry { get; init; } = new();

    [ConfigurationKeyName("circuit_breaker")]
    public CircuitBreakerOptions CircuitBreaker { get; init; } = new();
}

/// <summary>A list of <c>host:port</c> targets sharing extra labels.</summary>
public sealed record StaticTargetsOptions
{
    [ConfigurationKeyName("targets")]
    public List<string> Targets { get; init; } = [];

    /// <summary>Series labels added to every profile of these targets; <c>service_name</c> here overrides the job name.</summary>
    [ConfigurationKeyName("labels")]
    public Dictionary<string, string> Labels { get; init; } = new(StringComparer.Ordinal);
}

/// <summary>One profile endpoint (Parca's <c>pprof_config.&lt;name&gt;</c>). Unset values take the name's defaults.</summary>
public sealed record ProfileOptions
{
    [ConfigurationKeyName("enabled")]
    public bool? Enabled { get; init; }

    [ConfigurationKeyName("path")]
    public string? Path { get; init; }

    /// <summary>Ask the target for a delta over <c>seconds</c> (<c>?seconds=N</c>) instead of a snapshot.</summary>
    [ConfigurationKeyName("delta")]
    public bool? Delta { get; init; }

    /// <summary>Seconds of a delta profile; default: the scrape interval.</summary>
    [ConfigurationKeyName("seconds")]
    public int? Seconds { get; init; }
}

/// <summary>Retries of one scrape after transient failures (connection errors, timeouts, 5xx, 408, 429).</summary>
public sealed record RetryOptions
{
    /// <summary>Retries after the first attempt; 0 turns retries off. Default 2.</summary>
    [ConfigurationKeyName("max_retries")]
    public int? MaxRetries { get; init; }

    /// <summary>Delay before the first retry; doubles each retry, with jitter. Default 250ms.</summary>
    [ConfigurationKeyName("initial_backoff")]
    public string? InitialBackoff { get; init; }

    /// <summary>Cap on one retry delay. Default 5s.</summary>
    [ConfigurationKeyName("max_backoff")]
    public string? MaxBackoff { get; init; }
}

/// <summary>The circuit breaker of each target: after repeated failures its scrapes are skipped for a while.</summary>
public sealed record CircuitBreakerOptions
{
    /// <summary>Share of failed attempts within <c>sampling_duration</c> that opens the circuit, in (0, 1]. Default 0.5.</summary>
    [ConfigurationKeyName("failure_ratio")]
    public double? FailureRatio { get; init; }

    /// <summary>Attempts needed within <c>sampling_duration</c> before the ratio counts (at least 2). Default 6.</summary>
    [ConfigurationKeyName("minimum_throughput")]
    public int? MinimumThroughput { get; init; }

    /// <summary>Window over which failures are counted. Default 3 × scrape_interval, at least 1s.</summary>
    [ConfigurationKeyName("sampling_duration")]
    public string? SamplingDuration { get; init; }

    /// <summary>How long an open circuit skips the target before one trial scrape. Default 3 × scrape_interval, at least 1s.</summary>
    [ConfigurationKeyName("break_duration")]
    public string? BreakDuration { get; init; }
}
