using GrafanaProfiles.Collector.Scrape;
using GrafanaProfiles.Collector.Tests.Scrape.Support;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrafanaProfiles.Collector.Tests.Scrape;

/// <summary>Scrapes a real Go program serving net/http/pprof.</summary>
[Collection(nameof(ScrapeLoopsRunAlone))]
public sealed class ScrapeManagerGoTests : IAsyncLifetime
{
    private GoPprofServer? _server;

    public async Task InitializeAsync() => _server = await GoPprofServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Scrape_GoRuntime_StoresEveryProfileTypeWithLabelsAndWindows()
    {
        var address = _server!.Address;
        var jobs = ScrapeTestConfig.Jobs($$"""
            { "scrape": { "scrape_configs": [ {
                "job_name": "go-app",
                "scrape_interval": "2s",
                "tenant": "team-a",
                "static_configs": [ { "targets": [ "{{address}}" ], "labels": { "env": "test" } } ],
                "pprof_config": {
                  "process_cpu": { "seconds": 1 },
                  "heap": { "enabled": true }
                }
            } ] } }
            """);
        var sink = new CollectingSink();
        var started = DateTimeOffset.UtcNow;
        string[] keys = ["block", "goroutines", "memory", "mutex", "process_cpu"];
        await using (var manager = new ScrapeManager(jobs, sink, NullLogger<ScrapeManager>.Instance))
        {
            await manager.StartAsync(CancellationToken.None);
            // Two scrapes of each endpoint: the first of a cumulative profile may come before any contention.
            await Eventually.WaitUntilAsync(
                () => jobs[0].Profiles.All(p => sink.Profiles.Count(r => r.Options.ProfileName == p.ProfileName) >= (p.Key is "heap" or "memory" ? 4 : 2)),
                "two scrapes of every profile",
                state: () => string.Join(", ", manager.Health().Targets[0].Profiles.Select(p => $"{p.Profile}: {p.Scrapes} ({p.LastError})")));
            await manager.StopAsync(CancellationToken.None);

            var health = Assert.Single(manager.Health().Targets);
            Assert.Equal(TargetCircuitState.Closed, health.Circuit);
            Assert.All(health.Profiles, p => Assert.True(p.State == ScrapeState.Up && p.Failures == 0, $"{p.Profile}: {p.LastError}"));
            Assert.Equal(["block", "goroutine", "heap", "memory", "mutex", "process_cpu"], health.Profiles.Select(p => p.Profile));
        }

        Assert.All(sink.Profiles, r =>
        {
            Assert.Equal("team-a", r.Tenant);
            Assert.All(r.Batch.Profiles, p =>
            {
                Assert.Equal("go-app", p.ServiceName);
                Assert.Equal("go-app", p.Labels.Get("job"));
                Assert.Equal(address, p.Labels.Get("instance"));
                Assert.Equal("test", p.Labels.Get("env"));
            });
        });
        Assert.Equal(keys, sink.Profiles.Select(r => r.Options.ProfileName!).Distinct().Order());

        var cpu = Latest(sink, "process_cpu");
        AssertTotals(cpu, "process_cpu:cpu:nanoseconds:cpu:nanoseconds", "process_cpu:samples:count:cpu:nanoseconds");
        Assert.All(cpu.Profiles, p =>
        {
            // The window is the second the target profiled, ending when its answer arrived.
            Assert.Equal(1_000_000_000L, p.DurationNanos);
            Assert.InRange(p.TimeNanos, started.ToUnixTimeMilliseconds() * 1_000_000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000);
        });

        AssertTotals(Latest(sink, "memory"), "memory:alloc_objects:count:space:bytes", "memory:alloc_space:bytes:space:bytes");
        Assert.Contains(Latest(sink, "memory").Profiles, p => p.ProfileType == "memory:inuse_space:bytes:space:bytes");
        Assert.Contains(sink.Profiles, r => r.Options.ProfileName == "memory" && r.Batch.Profiles.Any(p => p.ProfileType == "memory:inuse_space:bytes:space:bytes" && p.Total > 0));
        AssertTotals(Latest(sink, "goroutines"), "goroutines:goroutine:count:goroutine:count");
        Assert.True(Latest(sink, "goroutines").Profiles.Single().Total >= 8, "the server parks 8 goroutines");
        // Block and mutex profiles have the same sample types; only the configuration key tells them apart.
        AssertTotals(Latest(sink, "mutex"), "mutex:contentions:count:contentions:count", "mutex:delay:nanoseconds:contentions:count");
        AssertTotals(Latest(sink, "block"), "block:contentions:count:contentions:count", "block:delay:nanoseconds:contentions:count");
    }

    private static ProfileBatch Latest(CollectingSink sink, string profileName) =>
        sink.Profiles.Last(r => r.Options.ProfileName == profileName).Batch;

    private static void AssertTotals(ProfileBatch batch, params string[] types)
    {
        foreach (var type in types)
        {
            var profile = Assert.Single(batch.Profiles, p => p.ProfileType == type);
            Assert.True(profile.Total > 0, $"{type} has a zero total");
        }
    }
}
