using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Collector.Tests;

/// <summary>The collector service, configured with a scrape job, pulls a real Go program's pprof endpoints into its store.</summary>
public sealed class ScrapeServiceTests
{
    [Fact]
    public async Task Serve_WithAScrapeJob_StoresTheGoProgramsProfilesWithJobAndInstanceLabels()
    {
        await using var go = await GoPprofServer.StartAsync();
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Path);
        var config = Path.Combine(dir.Path, "collector.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "flush_interval": "00:00:01",
              "scrape": {
                "scrape_configs": [
                  {
                    "job_name": "payments",
                    "scrape_interval": "2s",
                    "static_configs": [ { "targets": [ "{{go.Address}}" ], "labels": { "env": "test" } } ],
                    "pprof_config": { "process_cpu": { "seconds": 1 } }
                  }
                ]
              }
            }
            """);
        var data = Path.Combine(dir.Path, "data");
        await using var server = await CollectorServer.StartAsync(data, configFile: config);

        // Wait until every expected kind of profile was scraped and flushed: the endpoints are
        // scraped concurrently, so one flush may hold some kinds and the next flush the rest.
        string[] expected =
        [
            "process_cpu:cpu:nanoseconds:cpu:nanoseconds",
            "memory:alloc_space:bytes:space:bytes",
            "mutex:delay:nanoseconds:contentions:count",
            "block:delay:nanoseconds:contentions:count",
        ];
        var deadline = DateTime.UtcNow.AddMinutes(1);
        var types = new List<string>();
        while (DateTime.UtcNow < deadline)
        {
            using var reader = new ProfileReader(data);
            types = [.. reader.ProfileTypes("default", DateTime.UtcNow.AddHours(-1), DateTime.UtcNow.AddMinutes(1))];
            if (expected.All(types.Contains))
            {
                break;
            }
            await Task.Delay(250);
        }
        foreach (var type in expected)
        {
            Assert.Contains(type, types);
        }

        using (var reader = new ProfileReader(data))
        {
            var from = DateTime.UtcNow.AddHours(-1);
            var to = DateTime.UtcNow.AddMinutes(1);
            Assert.Equal(["payments"], reader.LabelValues("default", "service_name", from, to));
            Assert.Equal(["payments"], reader.LabelValues("default", "job", from, to));
            Assert.Equal([go.Address], reader.LabelValues("default", "instance", from, to));
            Assert.Equal(["test"], reader.LabelValues("default", "env", from, to));
            var cpu = reader.Top(new ProfileSelection("default", from, to, "process_cpu:cpu:nanoseconds:cpu:nanoseconds", LabelSelector.Parse("{job=\"payments\"}")));
            Assert.True(cpu.Total > 0);
        }
        var metrics = await server.MetricsAsync();
        Assert.Contains("gp_scrape_", metrics, StringComparison.Ordinal);
        Assert.True(await server.MetricAsync("gp_ingest_profiles_total{tenant=\"default\",api=\"scrape\"}") > 0, metrics);
        var exit = await server.StopAsync();
        Assert.True(exit == 0, $"exit code {exit}:\n{server.Output}");
    }
}
