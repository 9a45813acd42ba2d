using System.Text;
using GrafanaProfiles.Collector.Hosting;
using GrafanaProfiles.Collector.Rules;
using GrafanaProfiles.Store.Model;
using Microsoft.Extensions.Configuration;

namespace GrafanaProfiles.Collector.Tests.Rules;

public sealed class RecordingRulesConfigTests
{
    private const string Cpu = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";

    /// <summary>Builds the section as the host does: JSON → configuration → Bind → Resolve.</summary>
    internal static RecordingRuleSet Resolve(string json) =>
        RecordingRulesConfig.Resolve(RecordingRulesConfig.Bind(
            new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build().GetSection("recording_rules")));

    private static IReadOnlyList<string> Errors(string json) => Assert.Throws<RecordingRulesException>(() => Resolve(json)).Errors;

    [Fact]
    public void Resolve_EverySetting_BoundFromSnakeCaseKeys()
    {
        var set = Resolve($$"""
            { "recording_rules": {
                "step": "00:00:30", "seal_delay": "00:00:05", "tenant_label": "org", "max_series": 50, "series_idle_time": "00:10:00",
                "rules": [ {
                  "metric_name": "profiles_recorded_fib_cpu_nanoseconds",
                  "profile_type": "{{Cpu}}",
                  "matchers": [ "{service_name=\"api\", env=~\"prod|staging\"}", "{region!=\"eu\"}" ],
                  "group_by": [ "service_name", "pod" ],
                  "external_labels": { "team": "core" },
                  "function_name": "main.fibonacci",
                  "function_value": "self",
                  "tenant": "team-a"
                } ],
                "remote_write": {
                  "url": "http://prometheus:9090/api/v1/write", "interval": "00:00:05", "timeout": "00:00:02",
                  "headers": { "X-Scope-OrgID": "profiles" }, "basic_auth": { "username": "u", "password": "p" },
                  "max_queue_samples": 10, "max_samples_per_send": 5, "min_backoff": "00:00:00.100", "max_backoff": "00:00:02"
                } } }
            """);

        Assert.Equal(TimeSpan.FromSeconds(30), set.Step);
        Assert.Equal(TimeSpan.FromSeconds(5), set.SealDelay);
        Assert.Equal("org", set.TenantLabel);
        Assert.Equal(50, set.MaxSeries);
        Assert.Equal(TimeSpan.FromMinutes(10), set.SeriesIdleTime);
        var rule = Assert.Single(set.Rules);
        Assert.Equal("profiles_recorded_fib_cpu_nanoseconds", rule.MetricName);
        Assert.Equal(Cpu, rule.ProfileType);
        Assert.Equal(["{service_name=\"api\", env=~\"prod|staging\"}", "{region!=\"eu\"}"], rule.Selectors.Select(s => s.ToString()));
        Assert.Equal(["service_name", "pod"], rule.GroupBy);
        Assert.Equal(LabelSet.From(new Dictionary<string, string> { ["team"] = "core" }), rule.ExternalLabels);
        Assert.Equal(new FunctionFilter("main.fibonacci", FunctionValue.Self), rule.Function);
        Assert.Equal("team-a", rule.Tenant);
        var rw = set.RemoteWrite!;
        Assert.Equal(new Uri("http://prometheus:9090/api/v1/write"), rw.Url);
        Assert.Equal((TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2), 10, 5), (rw.Interval, rw.Timeout, rw.MaxQueueSamples, rw.MaxSamplesPerSend));
        Assert.Equal((TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2)), (rw.MinBackoff, rw.MaxBackoff));
        Assert.Equal("profiles", rw.Headers["X-Scope-OrgID"]);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("u:p")), rw.Headers["Authorization"]);
    }

    [Fact]
    public void Resolve_Minimal_Defaults_AndTheProfileTypeFromAMatcher()
    {
        var set = Resolve($$"""{ "recording_rules": { "rules": [ { "metric_name": "cpu_total", "matchers": [ "{__profile_type__=\"{{Cpu}}\"}" ] } ] } }""");

        Assert.Equal(TimeSpan.FromSeconds(15), set.Step);
        Assert.Equal(TimeSpan.FromSeconds(30), set.SealDelay);
        Assert.Equal("tenant", set.TenantLabel);
        Assert.Null(set.RemoteWrite);
        var rule = Assert.Single(set.Rules);
        Assert.Equal(Cpu, rule.ProfileType);
        Assert.Null(rule.Function);
        Assert.Null(rule.Tenant);
        Assert.Equal($"Total of {Cpu} profiles matching {{__profile_type__=\"{Cpu}\"}}, summed per step.", rule.Description);
    }

    [Fact]
    public void Resolve_BadRules_NameTheRuleAndTheField_AllAtOnce()
    {
        var errors = Errors($$"""
            { "recording_rules": { "step": "00:00:07", "rules": [
                { "metric_name": "cpu-total", "profile_type": "{{Cpu}}" },
                { "metric_name": "ok_one", "matchers": [ "{service_name=~\"(\"}" ], "profile_type": "{{Cpu}}" },
                { "metric_name": "no_type" },
                { "metric_name": "two_types", "profile_type": "{{Cpu}}", "matchers": [ "memory:alloc_space:bytes:space:bytes{}" ] },
                { "metric_name": "grouped", "profile_type": "{{Cpu}}", "group_by": [ "otel.scope.name", "tenant" ], "external_labels": { "__x": "1" } },
                { "metric_name": "fn", "profile_type": "{{Cpu}}", "function_value": "cumulative", "function_name": "main.f" },
                { "metric_name": "gp_mine", "profile_type": "{{Cpu}}" },
                { "profile_type": "{{Cpu}}" },
                { "metric_name": "dup", "profile_type": "{{Cpu}}" },
                { "metric_name": "dup", "profile_type": "{{Cpu}}" }
            ] } }
            """);

        Assert.Equal(
        [
            "recording_rules.step: 00:00:07 must be whole seconds from 1 s to 1 h that divide an hour evenly (e.g. 10s, 15s, 1m), so that a step never spans two hour partitions.",
            "recording_rules.rules[0] (cpu-total).metric_name: 'cpu-total' is not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*).",
            "recording_rules.rules[1] (ok_one).matchers[0]: not a valid selector: invalid regular expression at column 16: missing ): (.",
            "recording_rules.rules[2] (no_type).profile_type is missing: a rule sums the values of one profile type (one unit), e.g. process_cpu:cpu:nanoseconds:cpu:nanoseconds; set profile_type or a matcher __profile_type__=\"…\".",
            $"recording_rules.rules[3] (two_types): profile_type and the matchers name different profile types (memory:alloc_space:bytes:space:bytes, {Cpu}); a rule sums one profile type.",
            "recording_rules.rules[4] (grouped).group_by[0]: 'otel.scope.name' must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __): the series are exported with it.",
            "recording_rules.rules[4] (grouped).group_by[1]: 'tenant' is recording_rules.tenant_label, which carries the tenant; choose another label or another tenant_label.",
            "recording_rules.rules[4] (grouped).external_labels.__x: must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __).",
            "recording_rules.rules[5] (fn).function_value: 'cumulative' is not known; use total (the function with its callees) or self (the function alone).",
            "recording_rules.rules[6] (gp_mine).metric_name: 'gp_mine' starts with gp_, which the collector's own metrics use on /metrics; choose another prefix, e.g. profiles_recorded_.",
            "recording_rules.rules[7].metric_name is missing: name the metric the rule records, e.g. profiles_recorded_cpu_nanoseconds.",
            "recording_rules.rules[9] (dup).metric_name: 'dup' is the metric of rule 8 already; metric names must be unique, or two rules would write into one series.",
        ], errors);
    }

    [Fact]
    public void Resolve_MoreFunctionsThanEvaluatedTogether_NamesTheLimit()
    {
        var rules = string.Join(", ", Enumerable.Range(0, RecordingRulesConfig.MaxFunctions + 1).Select(i =>
            $$"""{ "metric_name": "f{{i}}", "profile_type": "{{Cpu}}", "function_name": "main.f{{i}}" }"""));

        Assert.Equal(
            ["recording_rules.rules: 33 different function_name values; at most 32 are evaluated together (MaxFunctions). Record fewer functions."],
            Errors($$"""{ "recording_rules": { "rules": [ {{rules}} ] } }"""));
    }

    [Fact]
    public void Bind_UnknownKey_IsAnErrorNamingItsPath()
    {
        var errors = Errors("""{ "recording_rules": { "rules": [ { "metric_name": "a", "groupby": [ "pod" ] } ], "remote_write": { "uri": "x" } } }""");

        Assert.Contains(errors, e => e.StartsWith("recording_rules.rules.0.groupby: 'groupby' is not a setting here; the settings are external_labels, function_name, function_value, group_by,", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("recording_rules.remote_write.uri: 'uri' is not a setting here;", StringComparison.Ordinal));
    }

    [Fact]
    public void Resolve_BadRemoteWrite_NamesEachSetting()
    {
        var errors = Errors($$"""
            { "recording_rules": { "rules": [ { "metric_name": "a", "profile_type": "{{Cpu}}" } ],
              "remote_write": { "url": "ftp://x", "max_queue_samples": 0, "min_backoff": "00:00:10", "max_backoff": "00:00:01",
                                "bearer_token": "t", "basic_auth": { "username": "u" }, "headers": { "Content-Encoding": "gzip" } } } }
            """);

        Assert.Equal(
        [
            "recording_rules.remote_write.url: 'ftp://x' is not an http or https URL.",
            "recording_rules.remote_write.max_backoff (00:00:01) is shorter than min_backoff (00:00:10).",
            "recording_rules.remote_write.max_queue_samples: 0 must be positive.",
            "recording_rules.remote_write.headers.Content-Encoding: is set by the remote-write protocol itself.",
            "recording_rules.remote_write: set only one of basic_auth, bearer_token and an Authorization header.",
        ], errors);
    }

    [Fact]
    public void LoadSettings_TheComposeDemosConfig_HasItsRecordingRules()
    {
        var (settings, _) = CollectorHost.LoadSettings(Path.Combine(CollectorProcess.Root, "deploy", "collector", "collector.json"), new Dictionary<string, string?>());

        Assert.Equal(["profiles_recorded_cpu_nanoseconds", "profiles_recorded_gc_cpu_nanoseconds", "profiles_recorded_mallocgc_self_cpu_nanoseconds", "profiles_recorded_alloc_bytes"],
            settings.RecordingRules.Rules.Select(r => r.MetricName));
        Assert.Equal(new FunctionFilter("runtime.gcBgMarkWorker", FunctionValue.Total), settings.RecordingRules.Rules[1].Function);
        Assert.Equal(new FunctionFilter("runtime.mallocgc", FunctionValue.Self), settings.RecordingRules.Rules[2].Function);
        Assert.Null(settings.RecordingRules.Rules[3].Function);
    }

    [Fact]
    public void LoadSettings_BadRule_StopsTheCollectorWithTheMessage()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """{ "recording_rules": { "rules": [ { "metric_name": "a b" } ] } }""");
            var e = Assert.Throws<SettingsException>(() => CollectorHost.LoadSettings(file, new Dictionary<string, string?>()));
            Assert.Contains("recording_rules.rules[0] (a b).metric_name: 'a b' is not a Prometheus metric name", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
