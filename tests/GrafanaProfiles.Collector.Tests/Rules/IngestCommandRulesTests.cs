using GrafanaProfiles.Store.Query;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Collector.Tests.Rules;

/// <summary><c>ingest --config</c>: the config's recording rules are evaluated as the loaded files are flushed.</summary>
public sealed class IngestCommandRulesTests
{
    private const string Cpu = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";

    [Fact]
    public async Task Ingest_WithAConfigOfRules_WritesTheRecordedMetricBesideTheProfiles()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Path);
        var config = Path.Combine(dir.Path, "collector.json");
        await File.WriteAllTextAsync(config, $$"""
            { "recording_rules": { "rules": [ { "metric_name": "cpu_ns", "profile_type": "{{Cpu}}", "group_by": [ "service_name" ] } ] } }
            """);
        var data = Path.Combine(dir.Path, "data");

        var (code, stdout, stderr) = await CollectorProcess.RunAsync("ingest", "--data-dir", data, "--config", config, "--service", "api",
            PprofTestData.PathOf("pprof/go-cpu.pb.gz"));

        Assert.True(code == 0, stdout + stderr);
        var batch = TestStore.Pprof(PprofTestData.PathOf("pprof/go-cpu.pb.gz"), "api", DateTime.UnixEpoch);
        using var reader = new ProfileReader(data);
        var metric = Assert.Single(reader.RecordedMetrics("default", DateTime.UnixEpoch, DateTime.UtcNow.AddYears(10)));
        Assert.Equal(("cpu_ns", Cpu), (metric.Name, metric.ProfileType));
        Assert.Equal(["service_name"], metric.LabelNames);
        var series = Assert.Single(reader.RecordedSeries(new RecordedSeriesQuery("default", DateTime.UnixEpoch, DateTime.UtcNow.AddYears(10), "cpu_ns"), TimeSpan.FromDays(365)));
        Assert.Equal(batch.Profiles.Where(p => p.ProfileType == Cpu).Sum(p => p.Total), series.Values.Sum());
    }

    [Fact]
    public async Task Ingest_WithABadRule_StopsNamingIt()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Path);
        var config = Path.Combine(dir.Path, "collector.json");
        await File.WriteAllTextAsync(config, """{ "recording_rules": { "rules": [ { "metric_name": "1bad" } ] } }""");

        var (code, _, stderr) = await CollectorProcess.RunAsync("ingest", "--data-dir", Path.Combine(dir.Path, "data"), "--config", config,
            PprofTestData.PathOf("pprof/go-cpu.pb.gz"));

        Assert.Equal(2, code);
        Assert.Contains("recording_rules.rules[0] (1bad).metric_name: '1bad' is not a Prometheus metric name", stderr, StringComparison.Ordinal);
    }
}
