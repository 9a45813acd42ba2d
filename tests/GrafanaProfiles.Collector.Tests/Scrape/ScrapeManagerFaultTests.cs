using System.Net;
using System.Net.Sockets;
using System.Text;
using GrafanaProfiles.Collector.Scrape;
using GrafanaProfiles.Collector.Tests.Scrape.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrafanaProfiles.Collector.Tests.Scrape;

/// <summary>Retries, timeouts and circuit breakers, against local targets that fail on demand.</summary>
[Collection(nameof(ScrapeLoopsRunAlone))]
public sealed class ScrapeManagerFaultTests
{
    public enum Fault
    {
        ServiceUnavailable,
        DropConnection,
        DropMidBody,
        Slow,
    }

    [Theory]
    [InlineData(Fault.ServiceUnavailable)]
    [InlineData(Fault.DropConnection)]
    [InlineData(Fault.DropMidBody)]
    [InlineData(Fault.Slow)]
    public async Task Scrape_FirstTwoAttemptsFail_RetrySucceeds(Fault fault)
    {
        await using var target = await LocalHttpTarget.StartAsync((n, context) => n <= 2 ? Fail(fault, context) : LocalHttpTarget.ServeProfile(context));
        var jobs = Job("flaky", [target.Address], interval: "1h", timeout: "2s", retries: 2);
        var sink = new CollectingSink();

        await using (var manager = new ScrapeManager(jobs, sink, NullLogger<ScrapeManager>.Instance))
        {
            await using var loop = StartOneScrape(manager, jobs);
            await Eventually.WaitUntilAsync(() => manager.Health().Targets[0].Profiles[0].Scrapes == 1, "the scrape to finish");
            var health = manager.Health().Targets[0].Profiles[0];
            Assert.True(health.State == ScrapeState.Up, health.LastError);
            Assert.Equal(0, health.Failures);
        }
        Assert.Equal(3, target.Requests);
        var received = Assert.Single(sink.Profiles);
        Assert.Equal(LocalHttpTarget.GoHeapProfile, received.Pprof);
        Assert.NotEmpty(received.Batch.Profiles);
    }

    [Fact]
    public async Task Scrape_TargetSlowerThanTimeout_AttemptsCancelledAndErrorNamesTimeout()
    {
        await using var target = await LocalHttpTarget.StartAsync(async (_, context) =>
        {
            await Task.Delay(TimeSpan.FromMinutes(5), context.RequestAborted);
            await LocalHttpTarget.ServeProfile(context);
        });
        var jobs = Job("slow", [target.Address], interval: "1h", timeout: "1s", retries: 1);
        var sink = new CollectingSink();

        await using var manager = new ScrapeManager(jobs, sink, NullLogger<ScrapeManager>.Instance);
        await using (StartOneScrape(manager, jobs))
        {
            await Eventually.WaitUntilAsync(() => manager.Health().Targets[0].Profiles[0].Scrapes == 1, "the scrape to give up");
        }

        var health = manager.Health().Targets[0].Profiles[0];
        Assert.Equal(ScrapeState.Down, health.State);
        Assert.Contains("scrape_timeout=1s", health.LastError, StringComparison.Ordinal);
        Assert.Equal(2, target.Requests); // the attempt and one retry, each timed out
        // The scraper closed the requests it gave up on: the target saw them aborted.
        await Eventually.WaitUntilAsync(() => target.Aborted == 2, "the target to see both requests aborted");
        Assert.Empty(sink.Profiles);
    }

    [Fact]
    public async Task Scrape_NotFound_NotRetried()
    {
        await using var target = await LocalHttpTarget.StartAsync((_, context) =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return context.Response.WriteAsync("404 page not found");
        });
        var jobs = Job("wrong-path", [target.Address], interval: "1h", retries: 3);

        await using var manager = new ScrapeManager(jobs, new CollectingSink(), NullLogger<ScrapeManager>.Instance);
        await using (StartOneScrape(manager, jobs))
        {
            await Eventually.WaitUntilAsync(() => manager.Health().Targets[0].Profiles[0].Scrapes == 1, "the scrape to finish");
        }

        Assert.Equal(1, target.Requests);
        Assert.Equal("HTTP 404 Not Found: 404 page not found", manager.Health().Targets[0].Profiles[0].LastError);
    }

    [Fact]
    public async Task Manager_StoppedThenDisposedTwice_AsTheHostDoes_DoesNotThrow()
    {
        // The generic host stops a hosted service, then disposes it once per registration.
        var jobs = Job("idle", ["127.0.0.1:9"], interval: "1h", retries: 0);
        var manager = new ScrapeManager(jobs, new CollectingSink(), NullLogger<ScrapeManager>.Instance);
        await manager.StartAsync(CancellationToken.None);
        await manager.StopAsync(CancellationToken.None);
        await manager.DisposeAsync();
        await manager.DisposeAsync();
        await manager.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Scrape_BodyOverLimit_FailsNamingTheLimit()
    {
        await using var target = await LocalHttpTarget.StartAsync((_, context) => LocalHttpTarget.ServeProfile(context));
        var jobs = Job("big", [target.Address], interval: "1h", extra: "\"body_size_limit\": \"100\",");

        await using var manager = new ScrapeManager(jobs, new CollectingSink(), NullLogger<ScrapeManager>.Instance);
        await using (StartOneScrape(manager, jobs))
        {
            await Eventually.WaitUntilAsync(() => manager.Health().Targets[0].Profiles[0].Scrapes == 1, "the scrape to finish");
        }

        Assert.Contains("body_size_limit=100", manager.Health().Targets[0].Profiles[0].LastError, StringComparison.Ordinal);
        Assert.Equal(1, target.Requests);
    }

    [Fact]
    public async Task Scrape_ProfileRejectedBySink_RecordedWithReasonCircuitStaysClosed()
    {
        await using var target = await LocalHttpTarget.StartAsync((_, context) => context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes("not a profile")).AsTask());
        var jobs = Job("garbage", [target.Address], interval: "1h");

        await using var manager = new ScrapeManager(jobs, new CollectingSink(), NullLogger<ScrapeManager>.Instance);
        await using (StartOneScrape(manager, jobs))
        {
            await Eventually.WaitUntilAsync(() => manager.Health().Targets[0].Profiles[0].Scrapes == 1, "the scrape to finish");
        }

        var health = manager.Health().Targets[0];
        Assert.StartsWith("the profile was rejected (InvalidProfile)", health.LastError, StringComparison.Ordinal);
        Assert.Equal(TargetCircuitState.Closed, health.Circuit);
        Assert.Equal(1, target.Requests);
    }

    [Fact]
    public async Task Scrape_HangingTargetBesideHealthyOne_CircuitOpensAndHealthyKeepsItsPace()
    {
        await using var healthy = await LocalHttpTarget.StartAsync((_, context) => LocalHttpTarget.ServeProfile(context));
        await using var hanging = await LocalHttpTarget.StartAsync(async (_, context) => await Task.Delay(TimeSpan.FromMinutes(5), context.RequestAborted));
        var jobs = Job("mixed", [healthy.Address, hanging.Address], interval: "100ms", timeout: "300ms", retries: 1,
            extra: """ "circuit_breaker": { "failure_ratio": 0.5, "minimum_throughput": 4, "sampling_duration": "10s", "break_duration": "10s" }, """);
        var sink = new CollectingSink();

        await using var manager = new ScrapeManager(jobs, sink, NullLogger<ScrapeManager>.Instance);
        await manager.StartAsync(CancellationToken.None);
        ProfileScrapeHealth Dead() => manager.Health().Targets.Single(t => t.Instance == hanging.Address).Profiles[0];
        await Eventually.WaitUntilAsync(() => Dead().Skipped >= 3, "three scrapes of the hanging target skipped by its open circuit");
        var deadAttempted = Dead().Failures - Dead().Skipped;
        var healthyScrapes = sink.CountFor("custom", healthy.Address);
        var requestsWhileOpen = hanging.Requests;
        await Eventually.WaitUntilAsync(() => Dead().Skipped >= 6, "three more skipped scrapes");
        await manager.StopAsync(CancellationToken.None);

        var dead = manager.Health().Targets.Single(t => t.Instance == hanging.Address);
        Assert.Equal(TargetCircuitState.Open, dead.Circuit);
        Assert.Equal(ScrapeState.Down, dead.State);
        Assert.StartsWith("skipped: the target's circuit is open", dead.LastError, StringComparison.Ordinal);
        // The open circuit keeps requests away from the dead target.
        Assert.Equal(requestsWhileOpen, hanging.Requests);
        // Each attempted scrape of the hanging target took two timed-out attempts. Had the healthy
        // target waited behind them, it could have done about one scrape per dead scrape; in the
        // same period it did its own pace (every 100 ms) instead.
        Assert.InRange(deadAttempted, 1, 4);
        Assert.True(healthyScrapes >= 3 * deadAttempted, $"healthy target: {healthyScrapes} scrapes while the hanging one had {deadAttempted}");
        var good = manager.Health().Targets.Single(t => t.Instance == healthy.Address);
        Assert.Equal(TargetCircuitState.Closed, good.Circuit);
        Assert.Equal(ScrapeState.Up, good.State);
    }

    [Fact]
    public async Task Scrape_ConnectionRefused_CircuitOpensAndHealthSaysWhy()
    {
        var port = FreePort();
        var jobs = Job("gone", [$"127.0.0.1:{port}"], interval: "100ms", retries: 1,
            extra: """ "retry": { "max_retries": 1, "initial_backoff": "10ms" }, "circuit_breaker": { "minimum_throughput": 2, "break_duration": "10s" }, """);

        await using var manager = new ScrapeManager(jobs, new CollectingSink(), NullLogger<ScrapeManager>.Instance);
        await manager.StartAsync(CancellationToken.None);
        await Eventually.WaitUntilAsync(() => manager.Health().Targets[0].Profiles[0].Skipped >= 1, "a scrape skipped by the open circuit");
        await manager.StopAsync(CancellationToken.None);

        var target = manager.Health().Targets[0];
        Assert.Equal(TargetCircuitState.Open, target.Circuit);
        Assert.Equal(ScrapeState.Down, target.State);
        Assert.True(target.ConsecutiveFailures >= 2);
        // A skipped scrape still says what opened the circuit.
        Assert.StartsWith("skipped: the target's circuit is open after repeated failures (connection refused (is the target running and listening on this port?)); next trial in", target.LastError, StringComparison.Ordinal);

        var text = new StringBuilder();
        manager.Health().WritePrometheus(text);
        Assert.Contains($"gp_scrape_up{{job=\"gone\",instance=\"127.0.0.1:{port}\",profile=\"custom\"}} 0\n", text.ToString(), StringComparison.Ordinal);
        Assert.Contains($"gp_scrape_circuit_state{{job=\"gone\",instance=\"127.0.0.1:{port}\",state=\"open\"}} 1\n", text.ToString(), StringComparison.Ordinal);
    }

    private static Task Fail(Fault fault, HttpContext context)
    {
        switch (fault)
        {
            case Fault.ServiceUnavailable:
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return Task.CompletedTask;
            case Fault.DropConnection:
                context.Abort();
                return Task.CompletedTask;
            case Fault.DropMidBody:
                return DropMidBodyAsync(context);
            default:
                return Task.Delay(TimeSpan.FromMinutes(5), context.RequestAborted);
        }
    }

    private static async Task DropMidBodyAsync(HttpContext context)
    {
        context.Response.ContentLength = LocalHttpTarget.GoHeapProfile.Length;
        await context.Response.Body.WriteAsync(LocalHttpTarget.GoHeapProfile.AsMemory(0, 100));
        await context.Response.Body.FlushAsync();
        context.Abort();
    }

    /// <summary>One job of one custom profile at <c>/p</c>, the Parca defaults turned off.</summary>
    private static IReadOnlyList<ScrapeJob> Job(string name, string[] targets, string interval, string timeout = "2s", int retries = 2, string extra = "") =>
        ScrapeTestConfig.Jobs($$"""
            { "scrape": { "scrape_configs": [ {
                "job_name": "{{name}}",
                "scrape_interval": "{{interval}}",
                "scrape_timeout": "{{timeout}}",
                {{(extra.Contains("\"retry\"", StringComparison.Ordinal) ? "" : $"\"retry\": {{ \"max_retries\": {retries}, \"initial_backoff\": \"20ms\", \"max_backoff\": \"100ms\" }},")}}
                {{extra}}
                "static_configs": [ { "targets": [ {{string.Join(", ", targets.Select(t => $"\"{t}\""))}} ] } ],
                "pprof_config": {
                  "memory": { "enabled": false }, "block": { "enabled": false }, "goroutine": { "enabled": false },
                  "mutex": { "enabled": false }, "process_cpu": { "enabled": false },
                  "custom": { "path": "/p" }
                }
            } ] } }
            """);

    /// <summary>Runs exactly one scrape of the job's only loop, then stops (no waiting for a schedule).</summary>
    private static OneScrape StartOneScrape(ScrapeManager manager, IReadOnlyList<ScrapeJob> jobs) => new(manager.ScrapeOnceAsync(jobs[0].Targets[0], jobs[0].Profiles[0], CancellationToken.None));

    private sealed class OneScrape(Task running) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await running;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
