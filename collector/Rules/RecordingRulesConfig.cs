using System.Globalization;
using System.Reflection;
using System.Text;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Partitions;
using GrafanaProfiles.Store.Query.Selectors;
using Microsoft.Extensions.Configuration;

namespace GrafanaProfiles.Collector.Rules;

/// <summary>The <c>recording_rules</c> settings were wrong; <see cref="Errors"/> names each setting, the rule and what to change.</summary>
public sealed class RecordingRulesException(IReadOnlyList<string> errors) : Exception(string.Join(Environment.NewLine, errors))
{
    public RecordingRulesException() : this(["The recording_rules settings are not valid."]) { }
    public RecordingRulesException(string message, Exception inner) : this([message + " " + inner.Message]) { }
    public RecordingRulesException(string message) : this([message]) { }

    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>
/// Reads the <c>recording_rules</c> section: <see cref="Bind"/> from configuration (unknown keys are
/// errors, as a misspelt setting would otherwise be ignored), <see cref="Resolve"/> into a validated
/// <see cref="RecordingRuleSet"/>. Both report every problem at once, each naming its setting's path
/// and the rule's metric name.
/// </summary>
public static class RecordingRulesConfig
{
    public const string Section = "recording_rules";

    /// <summary>
    /// Most distinct <c>function_name</c>s over all rules: a stack's flags for all of them are one
    /// 64-bit mask (two bits each), judged once per stack and flush.
    /// </summary>
    public const int MaxFunctions = 32;

    /// <summary>A step may not be longer than an hour: it must fall in one hour partition.</summary>
    public static readonly TimeSpan MaxStep = TimeSpan.FromHours(1);

    public static RecordingRulesOptions Bind(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var errors = new List<string>();
        FindUnknownKeys(section, typeof(RecordingRulesOptions), errors);
        if (errors.Count > 0)
        {
            throw new RecordingRulesException(errors);
        }
        try
        {
            return section.Get<RecordingRulesOptions>() ?? new RecordingRulesOptions();
        }
        catch (InvalidOperationException e)
        {
            throw new RecordingRulesException([e.InnerException is null ? e.Message : $"{e.Message} ({e.InnerException.Message})"]);
        }
    }

    /// <summary>Validates <paramref name="options"/> and applies the defaults.</summary>
    /// <exception cref="RecordingRulesException">Every problem, each prefixed with its setting's path.</exception>
    public static RecordingRuleSet Resolve(RecordingRulesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var step = options.Step ?? RecordingRuleSet.DefaultStep;
        if (step < TimeSpan.FromSeconds(1) || step > MaxStep || step.Ticks % TimeSpan.TicksPerSecond != 0 || TimeSpan.TicksPerHour % step.Ticks != 0)
        {
            errors.Add($"{Section}.step: {step} must be whole seconds from 1 s to 1 h that divide an hour evenly (e.g. 10s, 15s, 1m), so that a step never spans two hour partitions.");
        }
        var sealDelay = options.SealDelay ?? RecordingRuleSet.DefaultSealDelay;
        if (sealDelay < TimeSpan.Zero)
        {
            errors.Add($"{Section}.seal_delay: {sealDelay} must not be negative.");
        }
        var tenantLabel = options.TenantLabel ?? RecordingRuleSet.DefaultTenantLabel;
        if (tenantLabel.Length > 0 && !IsPrometheusLabelName(tenantLabel))
        {
            errors.Add($"{Section}.tenant_label: '{tenantLabel}' is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __); use an empty string for no tenant label.");
        }
        var maxSeries = options.MaxSeries ?? RecordingRuleSet.DefaultMaxSeries;
        if (maxSeries <= 0)
        {
            errors.Add($"{Section}.max_series: {maxSeries} must be positive.");
        }
        var idle = options.SeriesIdleTime ?? RecordingRuleSet.DefaultSeriesIdleTime;
        if (idle <= TimeSpan.Zero)
        {
            errors.Add($"{Section}.series_idle_time: {idle} must be positive.");
        }
        var rules = new List<RecordingRule>();
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < options.Rules.Count; i++)
        {
            var rule = ResolveRule(options.Rules[i], i, tenantLabel, errors);
            if (rule is null)
            {
                continue;
            }
            if (names.TryGetValue(rule.MetricName, out var earlier))
            {
                errors.Add($"{RulePath(i, rule.MetricName)}.metric_name: '{rule.MetricName}' is the metric of rule {earlier} already; metric names must be unique, or two rules would write into one series.");
                continue;
            }
            names[rule.MetricName] = i;
            rules.Add(rule);
        }
        var functions = rules.Select(r => r.Function?.Name).OfType<string>().Distinct(StringComparer.Ordinal).Count();
        if (functions > MaxFunctions)
        {
            errors.Add($"{Section}.rules: {functions} different function_name values; at most {MaxFunctions} are evaluated together (MaxFunctions). Record fewer functions.");
        }
        var remoteWrite = options.RemoteWrite is { } rw ? ResolveRemoteWrite(rw, errors) : null;
        if (errors.Count > 0)
        {
            throw new RecordingRulesException(errors);
        }
        return new RecordingRuleSet
        {
            Rules = rules,
            Step = step,
            SealDelay = sealDelay,
            TenantLabel = tenantLabel,
            MaxSeries = maxSeries,
            SeriesIdleTime = idle,
            RemoteWrite = remoteWrite,
        };
    }

    private static string RulePath(int index, string? metricName) =>
        string.IsNullOrWhiteSpace(metricName) ? $"{Section}.rules[{index}]" : $"{Section}.rules[{index}] ({metricName})";

    private static RecordingRule? ResolveRule(RecordingRuleOptions o, int index, string tenantLabel, List<string> errors)
    {
        var before = errors.Count;
        var path = RulePath(index, o.MetricName);
        var metricName = o.MetricName?.Trim() ?? "";
        if (metricName.Length == 0)
        {
            errors.Add($"{path}.metric_name is missing: name the metric the rule records, e.g. profiles_recorded_cpu_nanoseconds.");
        }
        else if (!IsPrometheusMetricName(metricName))
        {
            errors.Add($"{path}.metric_name: '{metricName}' is not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*).");
        }
        else if (metricName.StartsWith("gp_", StringComparison.Ordinal))
        {
            errors.Add($"{path}.metric_name: '{metricName}' starts with gp_, which the collector's own metrics use on /metrics; choose another prefix, e.g. profiles_recorded_.");
        }

        var selectors = new List<LabelSelector>();
        var profileTypes = new HashSet<string>(StringComparer.Ordinal);
        if (o.ProfileType is { Length: > 0 } explicitType)
        {
            profileTypes.Add(explicitType.Trim());
        }
        for (var m = 0; m < o.Matchers.Count; m++)
        {
            try
            {
                var selector = LabelSelector.Parse(o.Matchers[m]);
                if (selector.ProfileTypeId is { } inFront)
                {
                    profileTypes.Add(inFront);
                }
                foreach (var matcher in selector.Matchers.Where(x => x.Name == LabelRules.ProfileType))
                {
                    if (matcher.Operator == MatchOperator.Equal)
                    {
                        profileTypes.Add(matcher.Value);
                    }
                }
                selectors.Add(selector);
            }
            catch (SelectorParseException e)
            {
                errors.Add($"{path}.matchers[{m}]: not a valid selector: {e.Summary}.");
            }
        }
        var profileType = "";
        if (profileTypes.Count == 0)
        {
            errors.Add($"{path}.profile_type is missing: a rule sums the values of one profile type (one unit), e.g. process_cpu:cpu:nanoseconds:cpu:nanoseconds; set profile_type or a matcher __profile_type__=\"…\".");
        }
        else if (profileTypes.Count > 1)
        {
            errors.Add($"{path}: profile_type and the matchers name different profile types ({string.Join(", ", profileTypes.Order(StringComparer.Ordinal))}); a rule sums one profile type.");
        }
        else
        {
            profileType = profileTypes.Single();
            if (!Store.Model.ProfileType.TryParse(profileType, out _))
            {
                errors.Add($"{path}.profile_type: '{profileType}' is not of the form name:sample_type:sample_unit:period_type:period_unit.");
            }
        }

        var groupBy = new List<string>();
        for (var g = 0; g < o.GroupBy.Count; g++)
        {
            var name = o.GroupBy[g]?.Trim() ?? "";
            if (!IsPrometheusLabelName(name))
            {
                errors.Add($"{path}.group_by[{g}]: '{name}' must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __): the series are exported with it.");
            }
            else if (name == tenantLabel)
            {
                errors.Add($"{path}.group_by[{g}]: '{name}' is recording_rules.tenant_label, which carries the tenant; choose another label or another tenant_label.");
            }
            else if (groupBy.Contains(name))
            {
                errors.Add($"{path}.group_by[{g}]: '{name}' is listed twice.");
            }
            else
            {
                groupBy.Add(name);
            }
        }
        foreach (var (name, value) in o.ExternalLabels)
        {
            if (!IsPrometheusLabelName(name))
            {
                errors.Add($"{path}.external_labels.{name}: must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __).");
            }
            else if (groupBy.Contains(name) || name == tenantLabel)
            {
                errors.Add($"{path}.external_labels.{name}: is also {(name == tenantLabel ? "recording_rules.tenant_label" : "in group_by")}; a label has one source.");
            }
            else if (string.IsNullOrEmpty(value))
            {
                errors.Add($"{path}.external_labels.{name}: has no value (an empty label is no label in Prometheus).");
            }
        }

        FunctionFilter? function = null;
        var functionValue = o.FunctionValue?.Trim().ToLowerInvariant();
        if (o.FunctionName is { Length: > 0 } functionName)
        {
            switch (functionValue)
            {
                case null or "total":
                    function = new FunctionFilter(functionName, FunctionValue.Total);
                    break;
                case "self":
                    function = new FunctionFilter(functionName, FunctionValue.Self);
                    break;
                default:
                    errors.Add($"{path}.function_value: '{o.FunctionValue}' is not known; use total (the function with its callees) or self (the function alone).");
                    break;
            }
        }
        else if (functionValue is not null)
        {
            errors.Add($"{path}.function_value is set but function_name is not; name the function whose value the rule records.");
        }

        if (o.Tenant is { } tenant && !PartitionLayout.IsValidTenant(tenant))
        {
            errors.Add($"{path}.tenant: '{tenant}' is not a valid tenant name (1 to 150 letters, digits, '-', '_' and '.').");
        }
        if (errors.Count > before)
        {
            return null;
        }
        return new RecordingRule
        {
            MetricName = metricName,
            ProfileType = profileType,
            Selectors = selectors,
            GroupBy = groupBy,
            ExternalLabels = LabelSet.From(o.ExternalLabels),
            Function = function,
            Tenant = o.Tenant,
        };
    }

    private static RemoteWriteSettings? ResolveRemoteWrite(RemoteWriteOptions o, List<string> errors)
    {
        var path = $"{Section}.remote_write";
        var before = errors.Count;
        Uri? url = null;
        if (string.IsNullOrWhiteSpace(o.Url))
        {
            errors.Add($"{path}.url is missing: the receiver's URL, e.g. http://prometheus:9090/api/v1/write.");
        }
        else if (!Uri.TryCreate(o.Url, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https"))
        {
            errors.Add($"{path}.url: '{o.Url}' is not an http or https URL.");
        }
        var defaults = new RemoteWriteSettings { Url = new Uri("http://localhost") };
        var interval = Positive(o.Interval, defaults.Interval, $"{path}.interval", errors);
        var timeout = Positive(o.Timeout, defaults.Timeout, $"{path}.timeout", errors);
        var minBackoff = Positive(o.MinBackoff, defaults.MinBackoff, $"{path}.min_backoff", errors);
        var maxBackoff = Positive(o.MaxBackoff, defaults.MaxBackoff, $"{path}.max_backoff", errors);
        if (maxBackoff < minBackoff)
        {
            errors.Add($"{path}.max_backoff ({maxBackoff}) is shorter than min_backoff ({minBackoff}).");
        }
        var queue = o.MaxQueueSamples ?? RemoteWriteSettings.DefaultMaxQueueSamples;
        var perSend = o.MaxSamplesPerSend ?? RemoteWriteSettings.DefaultMaxSamplesPerSend;
        if (queue <= 0)
        {
            errors.Add($"{path}.max_queue_samples: {queue} must be positive.");
        }
        if (perSend <= 0)
        {
            errors.Add($"{path}.max_samples_per_send: {perSend} must be positive.");
        }
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in o.Headers)
        {
            if (name.Length == 0 || !name.All(c => c > ' ' && c < 127 && c != ':'))
            {
                errors.Add($"{path}.headers: '{name}' is not a header name.");
            }
            else if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{path}.headers.{name}: is set by the remote-write protocol itself.");
            }
            else
            {
                headers[name] = value ?? "";
            }
        }
        var authorizations = (o.BasicAuth is not null ? 1 : 0) + (o.BearerToken is { Length: > 0 } ? 1 : 0) + (headers.ContainsKey("Authorization") ? 1 : 0);
        if (authorizations > 1)
        {
            errors.Add($"{path}: set only one of basic_auth, bearer_token and an Authorization header.");
        }
        else if (o.BasicAuth is { } basic)
        {
            if (string.IsNullOrEmpty(basic.Username))
            {
                errors.Add($"{path}.basic_auth.username is missing.");
            }
            headers["Authorization"] = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{basic.Username}:{basic.Password}"));
        }
        else if (o.BearerToken is { Length: > 0 } token)
        {
            headers["Authorization"] = "Bearer " + token;
        }
        return errors.Count > before ? null : new RemoteWriteSettings
        {
            Url = url!,
            Interval = interval,
            Timeout = timeout,
            Headers = headers,
            MaxQueueSamples = queue,
            MaxSamplesPerSend = perSend,
            MinBackoff = minBackoff,
            MaxBackoff = maxBackoff,
        };
    }

    private static TimeSpan Positive(TimeSpan? value, TimeSpan fallback, string path, List<string> errors)
    {
        var v = value ?? fallback;
        if (v <= TimeSpan.Zero)
        {
            errors.Add($"{path}: {v} must be positive.");
        }
        return v;
    }

    /// <summary>Prometheus' metric name rule: <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>.</summary>
    public static bool IsPrometheusMetricName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] is '_' or ':') && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');

    /// <summary>Prometheus' label name rule, <c>[a-zA-Z_][a-zA-Z0-9_]*</c>, without the reserved <c>__</c> prefix.</summary>
    public static bool IsPrometheusLabelName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') &&
        !name.StartsWith("__", StringComparison.Ordinal);

    private static void FindUnknownKeys(IConfiguration section, Type type, List<string> errors)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .ToDictionary(p => p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var property))
            {
                errors.Add($"{child.Path.Replace(':', '.')}: '{child.Key}' is not a setting here; the settings are {string.Join(", ", properties.Keys.Order(StringComparer.Ordinal))}.");
                continue;
            }
            var propertyType = property.PropertyType;
            if (propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(List<>) &&
                propertyType.GetGenericArguments()[0].Namespace == typeof(RecordingRulesOptions).Namespace)
            {
                foreach (var item in child.GetChildren())
                {
                    FindUnknownKeys(item, propertyType.GetGenericArguments()[0], errors);
                }
            }
            else if (propertyType.Namespace == typeof(RecordingRulesOptions).Namespace && propertyType.IsClass)
            {
                FindUnknownKeys(child, propertyType, errors);
            }
        }
    }

    /// <summary>The step (as whole seconds) for messages.</summary>
    internal static string Seconds(TimeSpan step) => step.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
}
