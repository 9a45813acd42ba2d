using System.Globalization;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Partitions;

namespace GrafanaProfiles.Collector.Scrape;

public static partial class ScrapeConfig
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);
    public const string DefaultTenant = "default";

    /// <summary>Parca's defaults (pkg/config/config.go), plus <c>heap</c> (off: it reads what <c>memory</c> reads).</summary>
    private static readonly KnownProfile[] KnownProfiles =
    [
        new("memory", "memory", "/debug/pprof/allocs", Enabled: true, Delta: false),
        new("block", "block", "/debug/pprof/block", Enabled: true, Delta: false),
        new("goroutine", "goroutines", "/debug/pprof/goroutine", Enabled: true, Delta: false),
        new("mutex", "mutex", "/debug/pprof/mutex", Enabled: true, Delta: false),
        new("process_cpu", "process_cpu", "/debug/pprof/profile", Enabled: true, Delta: true),
        new("heap", "memory", "/debug/pprof/heap", Enabled: false, Delta: false),
    ];

    private sealed record KnownProfile(string Key, string ProfileName, string Path, bool Enabled, bool Delta);

    /// <summary>
    /// Validates <paramref name="options"/> and applies the defaults. Throws
    /// <see cref="ScrapeConfigException"/> listing every problem, each prefixed with its setting's
    /// path under <paramref name="sectionPath"/>. <paramref name="limits"/> gives the default
    /// <c>body_size_limit</c> (the decompressed size limit).
    /// </summary>
    public static IReadOnlyList<ScrapeJob> Resolve(ScrapeOptions options, string sectionPath = "scrape", IngestLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        limits ??= IngestLimits.Default;
        var errors = new List<string>();
        var jobs = new List<ScrapeJob>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.ScrapeConfigs.Count; i++)
        {
            var path = $"{sectionPath}.scrape_configs[{i}]";
            var job = ResolveJob(options.ScrapeConfigs[i], path, limits, errors);
            if (job is not null && !names.Add(job.Name))
            {
                errors.Add($"{path}.job_name: '{job.Name}' is used by an earlier job; job names must be unique (they are the job label).");
            }
            else if (job is not null)
            {
                jobs.Add(job);
            }
        }
        return errors.Count > 0 ? throw new ScrapeConfigException(errors) : jobs;
    }

    private static ScrapeJob? ResolveJob(ScrapeJobOptions o, string path, IngestLimits limits, List<string> errors)
    {
        var before = errors.Count;
        var name = o.JobName?.Trim() ?? "";
        if (name.Length == 0)
        {
            errors.Add($"{path}.job_name: every job needs a name; it becomes the job label and the default service_name.");
        }
        else
        {
            path += $" (job '{name}')";
        }

        var interval = Duration(o.ScrapeInterval, DefaultInterval, $"{path}.scrape_interval", errors);
        var scheme = (o.Scheme ?? "http").Trim().ToLowerInvariant();
        if (scheme is not ("http" or "https"))
        {
            errors.Add($"{path}.scheme: '{o.Scheme}' is not supported; use http or https.");
        }
        var prefix = (o.PathPrefix ?? "").Trim();
        if (prefix.Length > 0 && (!prefix.StartsWith('/') || prefix.Contains('?', StringComparison.Ordinal)))
        {
            errors.Add($"{path}.path_prefix: '{prefix}' must start with '/' and have no query, e.g. /app.");
        }
        prefix = prefix.TrimEnd('/');
        var tenant = o.Tenant?.Trim() ?? DefaultTenant;
        if (!PartitionLayout.IsValidTenant(tenant))
        {
            errors.Add($"{path}.tenant: '{tenant}' is not a valid tenant; use 1 to 150 characters from letters, digits, '-', '_' and '.'.");
        }
        var bodyLimit = limits.MaxDecompressedBytes;
        if (o.BodySizeLimit is { } sizeText && (!TryParseSize(sizeText, out bodyLimit) || bodyLimit <= 0))
        {
            errors.Add($"{path}.body_size_limit: '{sizeText}' is not a size; write bytes or a number with KiB, MiB or GiB, e.g. 8MiB.");
        }

        var targets = ResolveTargets(o, path, name, errors);
        var profiles = interval > TimeSpan.Zero ? ResolveProfiles(o, path, prefix, interval, errors) : [];
        var longestDelta = profiles.Select(p => p.DeltaSeconds ?? 0).DefaultIfEmpty(0).Max();
        var timeout = ResolveTimeout(o, path, interval, profiles, longestDelta, errors);
        var retry = ResolveRetry(o.Retry, $"{path}.retry", errors);
        var breaker = ResolveCircuitBreaker(o.CircuitBreaker, $"{path}.circuit_breaker", interval, errors);

        return errors.Count > before ? null : new ScrapeJob
        {
            Name = name,
            Tenant = tenant,
            Interval = interval,
            Timeout = timeout,
            Scheme = scheme,
            BodySizeLimit = bodyLimit,
            Targets = targets,
            Profiles = profiles,
            Retry = retry,
            CircuitBreaker = breaker,
        };
    }

    private static List<ScrapeTarget> ResolveTargets(ScrapeJobOptions o, string path, string jobName, List<string> errors)
    {
        var targets = new List<ScrapeTarget>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var j = 0; j < o.StaticConfigs.Count; j++)
        {
            var group = o.StaticConfigs[j];
            var groupPath = $"{path}.static_configs[{j}]";
            var labels = new List<KeyValuePair<string, string>>();
            string? serviceName = null;
            foreach (var (key, value) in group.Labels)
            {
                var labelPath = $"{groupPath}.labels.{key}";
                if (!LabelRules.IsValid(key))
                {
                    errors.Add($"{labelPath}: '{key}' is not a valid label name; use [a-zA-Z_][a-zA-Z0-9_.]*.");
                }
                else if (key.StartsWith("__", StringComparison.Ordinal))
                {
                    errors.Add($"{labelPath}: names starting with '__' are reserved for internal labels.");
                }
                else if (key is "job" or "instance")
                {
                    errors.Add($"{labelPath}: '{key}' is set by the scraper (job = job_name, instance = the target's host:port).");
                }
                else if (string.IsNullOrEmpty(value))
                {
                    errors.Add($"{labelPath}: the value is empty; remove the label or give it a value.");
                }
                else if (key == LabelRules.ServiceName)
                {
                    serviceName = value;
                }
                else
                {
                    labels.Add(new(key, value));
                }
            }
            if (group.Targets.Count == 0)
            {
                errors.Add($"{groupPath}.targets: the list is empty; give host:port addresses, e.g. [\"localhost:6060\"].");
            }
            for (var k = 0; k < group.Targets.Count; k++)
            {
                var address = group.Targets[k]?.Trim() ?? "";
                var targetPath = $"{groupPath}.targets[{k}]";
                if (address.Contains("://", StringComparison.Ordinal) || address.Contains('/', StringComparison.Ordinal))
                {
                    errors.Add($"{targetPath}: '{address}' must be host:port only; set the scheme with 'scheme' and paths with 'path_prefix' or pprof_config.");
                }
                else if (!IsHostPort(address))
                {
                    errors.Add($"{targetPath}: '{address}' is not host:port (e.g. localhost:6060, 10.0.0.5:8080, [::1]:6060).");
                }
                else if (!seen.Add(address))
                {
                    errors.Add($"{targetPath}: '{address}' is listed twice in this job.");
                }
                else
                {
                    var all = new List<KeyValuePair<string, string>>(labels) { new("job", jobName), new("instance", address) };
                    targets.Add(new ScrapeTarget(address, serviceName ?? jobName, LabelSet.From(all)));
                }
            }
        }
        if (o.StaticConfigs.Count == 0)
        {
            errors.Add($"{path}.static_configs: the job has no targets; add static_configs: [{{ targets: [\"localhost:6060\"] }}].");
        }
        return targets;
    }

    private static List<ScrapeProfile> ResolveProfiles(ScrapeJobOptions o, string path, string prefix, TimeSpan interval, List<string> errors)
    {
        var before = errors.Count;
        var profiles = new List<ScrapeProfile>();
        var configured = new Dictionary<string, ProfileOptions>(o.PprofConfig, StringComparer.OrdinalIgnoreCase);
        var keys = KnownProfiles.Select(k => k.Key).Concat(configured.Keys.Where(k => !KnownProfiles.Any(p => p.Key.Equals(k, StringComparison.OrdinalIgnoreCase))));
        foreach (var key in keys)
        {
            var known = KnownProfiles.FirstOrDefault(p => p.Key.Equals(key, StringComparison.OrdinalIgnoreCase));
            configured.TryGetValue(key, out var given);
            var profilePath = $"{path}.pprof_config.{key}";
            if (known is null && !IsProfileName(key))
            {
                errors.Add($"{profilePath}: '{key}' cannot name a profile; use letters, digits and '_' (it becomes the profile name, e.g. fgprof:...).");
                continue;
            }
            if (!(given?.Enabled ?? known?.Enabled ?? true))
            {
                continue;
            }
            var endpoint = given?.Path?.Trim() ?? known?.Path;
            if (endpoint is null)
            {
                errors.Add($"{profilePath}.path: a custom profile needs a path, e.g. /debug/pprof/{key}.");
                continue;
            }
            if (!endpoint.StartsWith('/'))
            {
                errors.Add($"{profilePath}.path: '{endpoint}' must start with '/'.");
                continue;
            }
            var delta = given?.Delta ?? known?.Delta ?? false;
            int? seconds = null;
            if (given?.Seconds is not null && !delta)
            {
                errors.Add($"{profilePath}.seconds: seconds applies only to delta profiles; set delta: true or remove seconds.");
                continue;
            }
            if (delta)
            {
                if (given?.Seconds is { } explicitSeconds)
                {
                    if (explicitSeconds < 1)
                    {
                        errors.Add($"{profilePath}.seconds: {explicitSeconds} must be at least 1.");
                        continue;
                    }
                    seconds = explicitSeconds;
                }
                else if (interval.Ticks % TimeSpan.TicksPerSecond != 0)
                {
                    errors.Add($"{profilePath}.seconds: a delta profile takes whole seconds; scrape_interval {Format(interval)} is not, so set seconds.");
                    continue;
                }
                else
                {
                    seconds = (int)Math.Min(int.MaxValue, interval.TotalSeconds);
                }
            }
            var query = seconds is { } n ? (endpoint.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "seconds=" + n.ToString(CultureInfo.InvariantCulture) : "";
            profiles.Add(new ScrapeProfile(known?.Key ?? key, known?.ProfileName ?? key, prefix + endpoint + query, seconds));
        }
        if (profiles.Count == 0 && errors.Count == before)
        {
            errors.Add($"{path}.pprof_config: every profile is disabled; enable at least one.");
        }
        profiles.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return profiles;
    }

    private static bool IsProfileName(string key) =>
        key.Length is > 0 and <= 64 && (char.IsAsciiLetter(key[0]) || key[0] == '_') && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static TimeSpan ResolveTimeout(ScrapeJobOptions o, string path, TimeSpan interval, List<ScrapeProfile> profiles, int longestDelta, List<string> errors)
    {
        // Parca's default is interval + 3 s. With a long interval that would let one hung
        // snapshot request block its loop for as long, so it is capped at 60 s, unless a delta
        // profile needs longer: the target answers only after profiling for its seconds.
        var cap = TimeSpan.FromSeconds(Math.Max(60, longestDelta + 3));
        var fallback = interval + TimeSpan.FromSeconds(3) < cap ? interval + TimeSpan.FromSeconds(3) : cap;
        var timeout = Duration(o.ScrapeTimeout, fallback, $"{path}.scrape_timeout", errors);
        if (timeout <= TimeSpan.Zero)
        {
            return timeout;
        }
        if (timeout < TimeSpan.FromMilliseconds(10) || timeout > TimeSpan.FromDays(1))
        {
            errors.Add($"{path}.scrape_timeout: {Format(timeout)} is out of range; use 10ms to 24h.");
        }
        foreach (var p in profiles.Where(p => p.DeltaSeconds >= timeout.TotalSeconds))
        {
            errors.Add($"{path}.scrape_timeout: {Format(timeout)} must exceed the {p.DeltaSeconds}s of delta profile pprof_config.{p.Key} (the target answers only after profiling that long); raise scrape_timeout or lower seconds.");
        }
        return timeout;
    }

    private static RetrySettings ResolveRetry(RetryOptions o, string path, List<string> errors)
    {
        var max = o.MaxRetries ?? 2;
        if (max is < 0 or > 100)
        {
            errors.Add($"{path}.max_retries: {max} is out of range; use 0 (no retries) to 100.");
        }
        var initial = Duration(o.InitialBackoff, TimeSpan.FromMilliseconds(250), $"{path}.initial_backoff", errors);
        var cap = Duration(o.MaxBackoff, TimeSpan.FromSeconds(5), $"{path}.max_backoff", errors);
        if (initial > TimeSpan.Zero && cap > TimeSpan.Zero && cap < initial)
        {
            errors.Add($"{path}.max_backoff: {Format(cap)} is below initial_backoff {Format(initial)}.");
        }
        if (initial > TimeSpan.FromDays(1) || cap > TimeSpan.FromDays(1))
        {
            errors.Add($"{path}: backoffs are limited to 24h.");
        }
        return new RetrySettings(max, initial, cap);
    }

    private static CircuitBreakerSettings ResolveCircuitBreaker(CircuitBreakerOptions o, string path, TimeSpan interval, List<string> errors)
    {
        var ratio = o.FailureRatio ?? 0.5;
        if (!(ratio is > 0 and <= 1))
        {
            errors.Add($"{path}.failure_ratio: {ratio.ToString(CultureInfo.InvariantCulture)} is out of range; use a share above 0 and at most 1, e.g. 0.5.");
        }
        var throughput = o.MinimumThroughput ?? 6;
        if (throughput < 2)
        {
            errors.Add($"{path}.minimum_throughput: {throughput} must be at least 2.");
        }
        var window = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, Math.Min(TimeSpan.FromHours(1).Ticks, interval.Ticks * 3)));
        var sampling = Duration(o.SamplingDuration, window, $"{path}.sampling_duration", errors);
        var breakFor = Duration(o.BreakDuration, window, $"{path}.break_duration", errors);
        foreach (var (value, key) in new[] { (sampling, "sampling_duration"), (breakFor, "break_duration") })
        {
            if (value > TimeSpan.Zero && (value < TimeSpan.FromMilliseconds(500) || value > TimeSpan.FromDays(1)))
            {
                errors.Add($"{path}.{key}: {Format(value)} is out of range; use 500ms to 24h.");
            }
        }
        return new CircuitBreakerSettings(ratio, throughput, sampling, breakFor);
    }

    private static TimeSpan Duration(string? text, TimeSpan fallback, string path, List<string> errors)
    {
        if (text is null)
        {
            return fallback;
        }
        if (!TryParseDuration(text, out var value))
        {
            errors.Add($"{path}: '{text}' is not a duration; write e.g. 10s, 1m30s or 500ms.");
            return TimeSpan.Zero;
        }
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{path}: {text} must be above zero.");
            return TimeSpan.Zero;
        }
        return value;
    }
}
