using GrafanaProfiles.Collector.Scrape;
using GrafanaProfiles.Collector.Tests.Scrape.Support;

namespace GrafanaProfiles.Collector.Tests.Scrape;

public sealed class ScrapeConfigTests
{
    private const string Minimal = """{ "scrape": { "scrape_configs": [ { "job_name": "api", "static_configs": [ { "targets": [ "localhost:6060" ] } ] } ] } }""";

    [Fact]
    public void Resolve_MinimalJob_ParcaDefaults()
    {
        var job = Assert.Single(ScrapeTestConfig.Jobs(Minimal));

        Assert.Equal("api", job.Name);
        Assert.Equal("default", job.Tenant);
        Assert.Equal(TimeSpan.FromSeconds(10), job.Interval);
        Assert.Equal(TimeSpan.FromSeconds(13), job.Timeout);
        Assert.Equal("http", job.Scheme);
        Assert.Equal(4L * 1024 * 1024, job.BodySizeLimit);
        Assert.Equal(new RetrySettings(2, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5)), job.Retry);
        Assert.Equal(new CircuitBreakerSettings(0.5, 6, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)), job.CircuitBreaker);
        Assert.Equal(
            [
                new ScrapeProfile("block", "block", "/debug/pprof/block", null),
                new ScrapeProfile("goroutine", "goroutines", "/debug/pprof/goroutine", null),
                new ScrapeProfile("memory", "memory", "/debug/pprof/allocs", null),
                new ScrapeProfile("mutex", "mutex", "/debug/pprof/mutex", null),
                new ScrapeProfile("process_cpu", "process_cpu", "/debug/pprof/profile?seconds=10", 10),
            ],
            job.Profiles);
        var target = Assert.Single(job.Targets);
        Assert.Equal("localhost:6060", target.Address);
        Assert.Equal("api", target.ServiceName);
        Assert.Equal("{instance=\"localhost:6060\", job=\"api\"}", target.Labels.ToString());
        Assert.Equal(new Uri("http://localhost:6060/debug/pprof/profile?seconds=10"), job.UrlOf(target, job.Profiles[^1]));
    }

    [Fact]
    public void Resolve_EverySetting_BoundFromSnakeCaseKeys()
    {
        var job = Assert.Single(ScrapeTestConfig.Jobs("""
            { "scrape": { "scrape_configs": [ {
                "job_name": "shop",
                "scrape_interval": "15s",
                "scrape_timeout": "20s",
                "scheme": "HTTPS",
                "path_prefix": "/app/",
                "tenant": "team-a",
                "body_size_limit": "8MiB",
                "static_configs": [
                  { "targets": [ "10.0.0.5:8080", "[::1]:6060" ], "labels": { "service_name": "checkout", "region": "eu" } },
                  { "targets": [ "cart.internal:6060" ] }
                ],
                "pprof_config": {
                  "memory": { "delta": true, "seconds": 5 },
                  "block": { "enabled": false },
                  "mutex": { "path": "/debug/pprof/mutex?debug=0" },
                  "goroutine": { "enabled": false },
                  "process_cpu": { "seconds": 14 },
                  "fgprof": { "path": "/debug/fgprof", "delta": true }
                },
                "retry": { "max_retries": 0, "initial_backoff": "1s", "max_backoff": "1m" },
                "circuit_breaker": { "failure_ratio": 1, "minimum_throughput": 3, "sampling_duration": "2m", "break_duration": "1h30m" }
            } ] } }
            """));

        Assert.Equal((TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(20), "https", "team-a", 8L << 20), (job.Interval, job.Timeout, job.Scheme, job.Tenant, job.BodySizeLimit));
        Assert.Equal(
            [
                new ScrapeProfile("fgprof", "fgprof", "/app/debug/fgprof?seconds=15", 15),
                new ScrapeProfile("memory", "memory", "/app/debug/pprof/allocs?seconds=5", 5),
                new ScrapeProfile("mutex", "mutex", "/app/debug/pprof/mutex?debug=0", null),
                new ScrapeProfile("process_cpu", "process_cpu", "/app/debug/pprof/profile?seconds=14", 14),
            ],
            job.Profiles);
        Assert.Equal(["10.0.0.5:8080", "[::1]:6060", "cart.internal:6060"], job.Targets.Select(t => t.Address));
        Assert.Equal(["checkout", "checkout", "shop"], job.Targets.Select(t => t.ServiceName));
        Assert.Equal("{instance=\"10.0.0.5:8080\", job=\"shop\", region=\"eu\"}", job.Targets[0].Labels.ToString());
        Assert.Equal("{instance=\"cart.internal:6060\", job=\"shop\"}", job.Targets[2].Labels.ToString());
        Assert.Equal(new RetrySettings(0, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1)), job.Retry);
        Assert.Equal(new CircuitBreakerSettings(1, 3, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(90)), job.CircuitBreaker);
    }

    [Fact]
    public void Resolve_HeapEnabled_NamedMemory()
    {
        var job = Assert.Single(ScrapeTestConfig.Jobs("""
            { "scrape": { "scrape_configs": [ { "job_name": "a", "static_configs": [ { "targets": [ "h:1" ] } ],
              "pprof_config": { "heap": { "enabled": true }, "memory": { "enabled": false } } } ] } }
            """));

        Assert.Contains(new ScrapeProfile("heap", "memory", "/debug/pprof/heap", null), job.Profiles);
        Assert.DoesNotContain(job.Profiles, p => p.Key == "memory");
    }

    [Theory]
    [InlineData("5m", null, 60)] // interval + 3 s is capped at 60 s when no delta profile needs more
    [InlineData("5m", 300, 303)] // CPU over the whole interval: the target answers after 300 s
    [InlineData("1s", 1, 4)]
    public void Resolve_NoTimeout_DefaultFromIntervalAndDeltaSeconds(string interval, int? cpuSeconds, int expectedSeconds)
    {
        var cpu = cpuSeconds is { } s ? $$"""{ "seconds": {{s}} }""" : """{ "enabled": false }""";
        var job = Assert.Single(ScrapeTestConfig.Jobs($$"""
            { "scrape": { "scrape_configs": [ { "job_name": "a", "scrape_interval": "{{interval}}",
              "static_configs": [ { "targets": [ "h:1" ] } ], "pprof_config": { "process_cpu": {{cpu}} } } ] } }
            """));

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), job.Timeout);
    }

    [Theory]
    [InlineData("10s", 10_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("500ms", 500)]
    [InlineData("1h2m3s4ms", 3_723_004)]
    [InlineData("2d", 172_800_000)]
    [InlineData("00:00:10", 10_000)]
    public void TryParseDuration_PrometheusAndTimeSpanForms_Parsed(string text, long milliseconds)
    {
        Assert.True(ScrapeConfig.TryParseDuration(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("10")]
    [InlineData("10 seconds")]
    [InlineData("s")]
    [InlineData("1s1m")]
    [InlineData("")]
    [InlineData("99999999999999999999y")]
    public void TryParseDuration_Malformed_Rejected(string text) => Assert.False(ScrapeConfig.TryParseDuration(text, out _));

    [Theory]
    // Each case: the job's JSON members (besides job_name "a") and the start of the expected error.
    [InlineData("""  "scrape_interval": "10 seconds" """, "scrape.scrape_configs[0] (job 'a').scrape_interval: '10 seconds' is not a duration")]
    [InlineData("""  "scrape_interval": "0s" """, "scrape.scrape_configs[0] (job 'a').scrape_interval: 0s must be above zero")]
    [InlineData("""  "scrape_timeout": "5s" """, "scrape.scrape_configs[0] (job 'a').scrape_timeout: 5s must exceed the 10s of delta profile pprof_config.process_cpu")]
    [InlineData("""  "scrape_interval": "1500ms" """, "scrape.scrape_configs[0] (job 'a').pprof_config.process_cpu.seconds: a delta profile takes whole seconds")]
    [InlineData("""  "scheme": "ftp" """, "scrape.scrape_configs[0] (job 'a').scheme: 'ftp' is not supported")]
    [InlineData("""  "path_prefix": "app" """, "scrape.scrape_configs[0] (job 'a').path_prefix: 'app' must start with '/'")]
    [InlineData("""  "tenant": "a/b" """, "scrape.scrape_configs[0] (job 'a').tenant: 'a/b' is not a valid tenant")]
    [InlineData("""  "body_size_limit": "lots" """, "scrape.scrape_configs[0] (job 'a').body_size_limit: 'lots' is not a size")]
    [InlineData("""  "pprof_config": { "fgprof": { "delta": true } } """, "scrape.scrape_configs[0] (job 'a').pprof_config.fgprof.path: a custom profile needs a path")]
    [InlineData("""  "pprof_config": { "fg-prof": { "path": "/x" } } """, "scrape.scrape_configs[0] (job 'a').pprof_config.fg-prof: 'fg-prof' cannot name a profile")]
    [InlineData("""  "pprof_config": { "mutex": { "path": "debug/pprof/mutex" } } """, "scrape.scrape_configs[0] (job 'a').pprof_config.mutex.path: 'debug/pprof/mutex' must start with '/'")]
    [InlineData("""  "pprof_config": { "heap": { "enabled": true, "seconds": 5 } } """, "scrape.scrape_configs[0] (job 'a').pprof_config.heap.seconds: seconds applies only to delta profiles")]
    [InlineData("""  "pprof_config": { "process_cpu": { "seconds": 0 } } """, "scrape.scrape_configs[0] (job 'a').pprof_config.process_cpu.seconds: 0 must be at least 1")]
    [InlineData("""  "pprof_config": { "memory": { "enabled": false }, "block": { "enabled": false }, "goroutine": { "enabled": false }, "mutex": { "enabled": false }, "process_cpu": { "enabled": false } } """,
        "scrape.scrape_configs[0] (job 'a').pprof_config: every profile is disabled")]
    [InlineData("""  "retry": { "max_retries": -1 } """, "scrape.scrape_configs[0] (job 'a').retry.max_retries: -1 is out of range")]
    [InlineData("""  "retry": { "initial_backoff": "2s", "max_backoff": "1s" } """, "scrape.scrape_configs[0] (job 'a').retry.max_backoff: 1s is below initial_backoff 2s")]
    [InlineData("""  "circuit_breaker": { "failure_ratio": 1.5 } """, "scrape.scrape_configs[0] (job 'a').circuit_breaker.failure_ratio: 1.5 is out of range")]
    [InlineData("""  "circuit_breaker": { "minimum_throughput": 1 } """, "scrape.scrape_configs[0] (job 'a').circuit_breaker.minimum_throughput: 1 must be at least 2")]
    [InlineData("""  "circuit_breaker": { "break_duration": "100ms" } """, "scrape.scrape_configs[0] (job 'a').circuit_breaker.break_duration: 100ms is out of range; use 500ms to 24h")]
    public void Resolve_InvalidSetting_ErrorNamesTheSetting(string members, string expected)
    {
        var error = ResolveError($$"""{ "job_name": "a", "static_configs": [ { "targets": [ "h:1" ] } ], {{members}} }""");

        Assert.StartsWith(expected, Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost", "'localhost' is not host:port")]
    [InlineData("localhost:0", "'localhost:0' is not host:port")]
    [InlineData("localhost:99999", "'localhost:99999' is not host:port")]
    [InlineData("::1:6060", "'::1:6060' is not host:port")]
    [InlineData("http://localhost:6060", "'http://localhost:6060' must be host:port only")]
    [InlineData("localhost:6060/debug", "'localhost:6060/debug' must be host:port only")]
    public void Resolve_BadTarget_ErrorNamesTheTarget(string address, string expected)
    {
        var error = ResolveError($$"""{ "job_name": "a", "static_configs": [ { "targets": [ "ok:1", "{{address}}" ] } ] }""");

        Assert.StartsWith($"scrape.scrape_configs[0] (job 'a').static_configs[0].targets[1]: {expected}", Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bad-name", "'bad-name' is not a valid label name")]
    [InlineData("__internal", "names starting with '__' are reserved")]
    [InlineData("job", "'job' is set by the scraper")]
    [InlineData("instance", "'instance' is set by the scraper")]
    public void Resolve_BadLabel_ErrorNamesTheLabel(string name, string expected)
    {
        var error = ResolveError($$"""{ "job_name": "a", "static_configs": [ { "targets": [ "h:1" ], "labels": { "{{name}}": "v" } } ] }""");

        Assert.StartsWith($"scrape.scrape_configs[0] (job 'a').static_configs[0].labels.{name}: {expected}", Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_SeveralProblems_AllReportedAtOnce()
    {
        var error = ResolveError(
            """{ "static_configs": [ { "targets": [ "h:1" ] } ] }""",
            """{ "job_name": "b", "static_configs": [ { "targets": [ "h:1", "h:1" ] } ] }""",
            """{ "job_name": "b", "scrape_interval": "soon", "static_configs": [ ] }""");

        Assert.Equal(
            [
                "scrape.scrape_configs[0].job_name: every job needs a name; it becomes the job label and the default service_name.",
                "scrape.scrape_configs[1] (job 'b').static_configs[0].targets[1]: 'h:1' is listed twice in this job.",
                "scrape.scrape_configs[2] (job 'b').scrape_interval: 'soon' is not a duration; write e.g. 10s, 1m30s or 500ms.",
                "scrape.scrape_configs[2] (job 'b').static_configs: the job has no targets; add static_configs: [{ targets: [\"localhost:6060\"] }].",
            ],
            error.Errors);
        Assert.Contains("The scrape configuration is invalid:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_DuplicateJobName_Rejected()
    {
        var error = ResolveError(
            """{ "job_name": "a", "static_configs": [ { "targets": [ "h:1" ] } ] }""",
            """{ "job_name": "a", "static_configs": [ { "targets": [ "h:2" ] } ] }""");

        Assert.Equal("scrape.scrape_configs[1].job_name: 'a' is used by an earlier job; job names must be unique (they are the job label).", Assert.Single(error.Errors));
    }

    [Fact]
    public void Bind_MisspeltKey_ErrorNamesItAndListsTheSettings()
    {
        var section = ScrapeTestConfig.Section("""
            { "scrape": { "scrape_configs": [ { "job_name": "a", "scrape_intervall": "5s",
              "static_configs": [ { "targets": [ "h:1" ], "label": { "x": "y" } } ],
              "pprof_config": { "memory": { "enable": false } } } ] } }
            """);

        var error = Assert.Throws<ScrapeConfigException>(() => ScrapeConfig.Bind(section));

        Assert.Equal(3, error.Errors.Count);
        Assert.Contains("scrape.scrape_configs[0].scrape_intervall: 'scrape_intervall' is not a setting here; the settings are body_size_limit, circuit_breaker, job_name, path_prefix, pprof_config, retry, scheme, scrape_interval, scrape_timeout, static_configs, tenant.", error.Errors);
        Assert.Contains(error.Errors, e => e.StartsWith("scrape.scrape_configs[0].static_configs[0].label: 'label' is not a setting here", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("scrape.scrape_configs[0].pprof_config.memory.enable: 'enable' is not a setting here; the settings are delta, enabled, path, seconds.", StringComparison.Ordinal));
    }

    [Fact]
    public void Bind_WrongValueType_ErrorNamesThePath()
    {
        var section = ScrapeTestConfig.Section("""
            { "scrape": { "scrape_configs": [ { "job_name": "a", "static_configs": [ { "targets": [ "h:1" ] } ],
              "pprof_config": { "memory": { "enabled": "sometimes" } } } ] } }
            """);

        var error = Assert.Throws<ScrapeConfigException>(() => ScrapeConfig.Bind(section));

        Assert.Equal("scrape.scrape_configs[0].pprof_config.memory.enabled: 'sometimes' is not a Boolean (true or false).", Assert.Single(error.Errors));
    }

    [Fact]
    public void Bind_NoSection_NoJobs()
    {
        var options = ScrapeConfig.Bind(ScrapeTestConfig.Section("{}"));

        Assert.Empty(ScrapeConfig.Resolve(options));
    }

    private static ScrapeConfigException ResolveError(params string[] jobs) =>
        Assert.Throws<ScrapeConfigException>(() => ScrapeTestConfig.Jobs($$"""{ "scrape": { "scrape_configs": [ {{string.Join(", ", jobs)}} ] } }"""));
}
