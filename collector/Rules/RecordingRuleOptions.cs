using Microsoft.Extensions.Configuration;

namespace GrafanaProfiles.Collector.Rules;

/// <summary>
/// The <c>recording_rules</c> section as written (snake_case keys); <see cref="RecordingRulesConfig.Resolve"/>
/// validates it into <see cref="RecordingRuleSet"/>. Names follow Pyroscope's recording rules
/// (settings.v1.RecordingRule): <c>metric_name</c>, <c>matchers</c>, <c>group_by</c>, <c>external_labels</c>,
/// and its stack trace filter as <c>function_name</c> with <c>function_value</c>.
/// </summary>
public sealed class RecordingRulesOptions
{
    /// <summary>Length of a recorded step; divides an hour. Default 15 s.</summary>
    [ConfigurationKeyName("step")] public TimeSpan? Step { get; set; }

    /// <summary>A step is final (exported on /metrics and sent by remote write) this long after it ends. Default 30 s.</summary>
    [ConfigurationKeyName("seal_delay")] public TimeSpan? SealDelay { get; set; }

    /// <summary>The label that carries the tenant on /metrics and in remote write; empty: none. Default <c>tenant</c>.</summary>
    [ConfigurationKeyName("tenant_label")] public string? TenantLabel { get; set; }

    /// <summary>Most series the collector follows in memory for /metrics and remote write. Default 10,000.</summary>
    [ConfigurationKeyName("max_series")] public int? MaxSeries { get; set; }

    /// <summary>A series with no new step for this long leaves /metrics. Default 5 min.</summary>
    [ConfigurationKeyName("series_idle_time")] public TimeSpan? SeriesIdleTime { get; set; }

    [ConfigurationKeyName("rules")] public List<RecordingRuleOptions> Rules { get; set; } = [];

    [ConfigurationKeyName("remote_write")] public RemoteWriteOptions? RemoteWrite { get; set; }
}

/// <summary>One rule as written.</summary>
public sealed class RecordingRuleOptions
{
    /// <summary>The Prometheus metric name of the result, e.g. <c>profiles_recorded_cpu_nanoseconds</c>.</summary>
    [ConfigurationKeyName("metric_name")] public string? MetricName { get; set; }

    /// <summary>The profile type summed, e.g. <c>process_cpu:cpu:nanoseconds:cpu:nanoseconds</c> (or give it in <see cref="Matchers"/>).</summary>
    [ConfigurationKeyName("profile_type")] public string? ProfileType { get; set; }

    /// <summary>Label selectors in the store's syntax, all of which must match: <c>{service_name="api", env=~"prod|staging"}</c>.</summary>
    [ConfigurationKeyName("matchers")] public List<string> Matchers { get; set; } = [];

    /// <summary>Labels whose values split the result into series.</summary>
    [ConfigurationKeyName("group_by")] public List<string> GroupBy { get; set; } = [];

    /// <summary>Labels added to every series of the result.</summary>
    [ConfigurationKeyName("external_labels")] public Dictionary<string, string> ExternalLabels { get; set; } = [];

    /// <summary>Only the value of stacks with this function (its full name as profiles record it).</summary>
    [ConfigurationKeyName("function_name")] public string? FunctionName { get; set; }

    /// <summary><c>total</c> (default: the function and its callees, each stack once) or <c>self</c> (the function as the leaf).</summary>
    [ConfigurationKeyName("function_value")] public string? FunctionValue { get; set; }

    /// <summary>Only this tenant's profiles; every tenant's when not set.</summary>
    [ConfigurationKeyName("tenant")] public string? Tenant { get; set; }
}

/// <summary>Prometheus remote write of the recorded metrics (optional).</summary>
public sealed class RemoteWriteOptions
{
    /// <summary>The receiver, e.g. <c>http://prometheus:9090/api/v1/write</c>.</summary>
    [ConfigurationKeyName("url")] public string? Url { get; set; }

    /// <summary>How often the queue is sent. Default 15 s.</summary>
    [ConfigurationKeyName("interval")] public TimeSpan? Interval { get; set; }

    /// <summary>One request's time limit. Default 10 s.</summary>
    [ConfigurationKeyName("timeout")] public TimeSpan? Timeout { get; set; }

    /// <summary>Headers sent with every request (e.g. <c>X-Scope-OrgID</c>).</summary>
    [ConfigurationKeyName("headers")] public Dictionary<string, string> Headers { get; set; } = [];

    [ConfigurationKeyName("basic_auth")] public RemoteWriteBasicAuth? BasicAuth { get; set; }

    [ConfigurationKeyName("bearer_token")] public string? BearerToken { get; set; }

    /// <summary>Samples waiting to be sent at most; more are dropped and counted. Default 100,000.</summary>
    [ConfigurationKeyName("max_queue_samples")] public int? MaxQueueSamples { get; set; }

    /// <summary>Samples per request at most. Default 2,000.</summary>
    [ConfigurationKeyName("max_samples_per_send")] public int? MaxSamplesPerSend { get; set; }

    /// <summary>First wait after a failed request; doubled per retry up to <see cref="MaxBackoff"/>. Default 1 s.</summary>
    [ConfigurationKeyName("min_backoff")] public TimeSpan? MinBackoff { get; set; }

    /// <summary>Longest wait between retries. Default 30 s.</summary>
    [ConfigurationKeyName("max_backoff")] public TimeSpan? MaxBackoff { get; set; }
}

public sealed class RemoteWriteBasicAuth
{
    [ConfigurationKeyName("username")] public string? Username { get; set; }
    [ConfigurationKeyName("password")] public string? Password { get; set; }
}
