using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Collector.Tests.Rules;

/// <summary>
/// The real collector executable with recording rules: real pprof uploads over /ingest, the recorded
/// metrics on /metrics, in the data directory's metrics files, and sent by remote write to a real
/// Prometheus, whose HTTP API must return them with their labels and values.
/// </summary>
public sealed class RecordingRulesServiceTests
{
    private const string Cpu = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(5);

    private static readonly long GoCpuTotal = TestStore.Pprof(PprofTestData.PathOf("pprof/go-cpu.pb.gz"), "x", DateTime.UnixEpoch.AddYears(56))
        .Profiles.Where(p => p.ProfileType == Cpu).Sum(p => p.Total);

    private static readonly long FibonacciTotal = PprofTestData.ReadTop("go-cpu.cpu.top.tsv")["main.fibonacci"].Cum;

    private static string Config(string? remoteWriteUrl, string sealDelay = "00:00:05")
    {
        var remoteWrite = remoteWriteUrl is null
            ? ""
            : $$""", "remote_write": { "url": "{{remoteWriteUrl}}", "interval": "00:00:00.500", "headers": { "X-Scope-OrgID": "profiles" } }""";
        return $$"""
            {
              "flush_interval": "00:00:00.500",
              "recording_rules": {
                "step": "00:00:05",
                "seal_delay": "{{sealDelay}}",
                "rules": [
                  { "metric_name": "profiles_recorded_cpu_nanoseconds", "profile_type": "{{Cpu}}",
                    "matchers": [ "{service_name=\"checkout\"}" ], "group_by": [ "service_name", "env" ], "external_labels": { "source": "profiles" } },
                  { "metric_name": "profiles_recorded_fibonacci_cpu_nanoseconds", "profile_type": "{{Cpu}}", "function_name": "main.fibonacci" }
                ]{{remoteWrite}}
              }
            }
            """;
    }

    /// <summary>
    /// The start of the step now running: its profiles are all flushed (every 0.5 s) long before it is
    /// sealed, 5 s after it ends, so no upload of the test arrives late; recent enough for Prometheus' head block.
    /// </summary>
    private static DateTime CurrentStep()
    {
        var t = DateTime.UtcNow;
        return new DateTime(t.Ticks - (t.Ticks % Step.Ticks), DateTimeKind.Utc);
    }

    private static async Task IngestGoCpuAsync(CollectorServer server, DateTime from)
    {
        using var body = new ByteArrayContent(await File.ReadAllBytesAsync(PprofTestData.PathOf("pprof/go-cpu.pb.gz")));
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var seconds = new DateTimeOffset(from).ToUnixTimeSeconds();
        using var response = await server.Client.PostAsync(
            $"/ingest?name=checkout%7Benv%3Dprod%7D&format=pprof&from={seconds}&until={seconds + 5}", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<string> WaitForMetricsAsync(CollectorServer server, Func<string, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var text = "";
        while (DateTime.UtcNow < deadline)
        {
            text = await server.MetricsAsync();
            if (done(text))
            {
                return text;
            }
            await Task.Delay(200);
        }
        Assert.Fail($"Gave up waiting for {what} on /metrics:\n{text}\n{server.Output}");
        return text;
    }

    [Fact]
    public async Task Collector_WithRules_ExposesTheRecordedValuesOnMetrics_AndWritesThemIntoTheStore()
    {
        using var dir = new TempDirectory();
        var config = Path.Combine(Path.GetTempPath(), "gp-rules-" + Guid.NewGuid().ToString("N")[..8] + ".json");
        await File.WriteAllTextAsync(config, Config(remoteWriteUrl: null));
        try
        {
            await using var server = await CollectorServer.StartAsync(dir.Path, configFile: config);
            var t0 = CurrentStep();
            await IngestGoCpuAsync(server, t0);
            await IngestGoCpuAsync(server, t0.AddSeconds(1));

            var expected = $"profiles_recorded_cpu_nanoseconds{{env=\"prod\",service_name=\"checkout\",source=\"profiles\",tenant=\"default\"}} {2 * GoCpuTotal}";
            var text = await WaitForMetricsAsync(server, t => t.Contains(expected, StringComparison.Ordinal), expected);
            Assert.Contains("# TYPE profiles_recorded_cpu_nanoseconds gauge", text, StringComparison.Ordinal);
            Assert.Contains($"profiles_recorded_fibonacci_cpu_nanoseconds{{tenant=\"default\"}} {2 * FibonacciTotal}", text, StringComparison.Ordinal);
            Assert.Contains("gp_rule_evaluation_failures_total 0", text, StringComparison.Ordinal);

            // The same values, durable in the hour partition's metrics files, as the plugin reads them.
            using var reader = new ProfileReader(dir.Path);
            var series = Assert.Single(reader.RecordedSeries(new RecordedSeriesQuery("default", t0.AddHours(-1), t0.AddHours(1), "profiles_recorded_cpu_nanoseconds"), Step));
            Assert.Equal([t0], series.Times);
            Assert.Equal([2.0 * GoCpuTotal], series.Values);
            Assert.Equal(["profiles_recorded_cpu_nanoseconds", "profiles_recorded_fibonacci_cpu_nanoseconds"],
                reader.RecordedMetrics("default", t0.AddHours(-1), t0.AddHours(1)).Select(m => m.Name));
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task Collector_KilledWithAStepFlushedInPart_ExportsTheWholeStepAfterTheRestart()
    {
        using var dir = new TempDirectory();
        var config = Path.Combine(Path.GetTempPath(), "gp-rules-" + Guid.NewGuid().ToString("N")[..8] + ".json");
        // The step stays open 5 s + 30 s: time for a kill and a restart before it is sealed.
        await File.WriteAllTextAsync(config, Config(remoteWriteUrl: null, sealDelay: "00:00:30"));
        try
        {
            var t0 = CurrentStep();
            await using (var first = await CollectorServer.StartAsync(dir.Path, configFile: config))
            {
                await IngestGoCpuAsync(first, t0);
                var deadline = DateTime.UtcNow.AddSeconds(20);
                while (Directory.GetFiles(dir.Path, "metrics-*.parquet", SearchOption.AllDirectories).Length == 0 && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(50);
                }
                Assert.NotEmpty(Directory.GetFiles(dir.Path, "metrics-*.parquet", SearchOption.AllDirectories));
                await first.KillAsync();
            }
            await using var second = await CollectorServer.StartAsync(dir.Path, configFile: config);
            Assert.True(DateTime.UtcNow < t0.AddSeconds(35), "the restart took longer than the step stays open; the test proves nothing then");
            await IngestGoCpuAsync(second, t0.AddSeconds(1));

            var expected = $"profiles_recorded_cpu_nanoseconds{{env=\"prod\",service_name=\"checkout\",source=\"profiles\",tenant=\"default\"}} {2 * GoCpuTotal}";
            await WaitForMetricsAsync(second, t => t.Contains(expected, StringComparison.Ordinal), expected);
            Assert.Contains("Recording rules resumed 2 points", second.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task RemoteWrite_ToARealPrometheus_SamplesArriveWithTheirNameLabelsAndValues()
    {
        await using var prometheus = await PrometheusServer.StartAsync();
        using var dir = new TempDirectory();
        var config = Path.Combine(Path.GetTempPath(), "gp-rules-" + Guid.NewGuid().ToString("N")[..8] + ".json");
        await File.WriteAllTextAsync(config, Config(prometheus.RemoteWriteUrl.ToString()));
        try
        {
            await using var server = await CollectorServer.StartAsync(dir.Path, configFile: config);
            var t0 = CurrentStep();
            await IngestGoCpuAsync(server, t0);
            await IngestGoCpuAsync(server, t0.AddSeconds(Step.TotalSeconds));
            await IngestGoCpuAsync(server, t0.AddSeconds(Step.TotalSeconds + 2));

            var deadline = DateTime.UtcNow.AddSeconds(90);
            List<(Dictionary<string, string> Labels, List<(double Time, string Value)> Samples)> cpu = [];
            while (DateTime.UtcNow < deadline)
            {
                cpu = await prometheus.QueryAsync("profiles_recorded_cpu_nanoseconds[10m]");
                if (cpu.Count == 1 && cpu[0].Samples.Count >= 2)
                {
                    break;
                }
                await Task.Delay(250);
            }
            Assert.True(cpu.Count == 1 && cpu[0].Samples.Count >= 2,
                $"Prometheus did not receive the samples. Collector:\n{server.Output}\n{await server.MetricsAsync()}\nPrometheus:\n{prometheus.Output}");

            var (labels, samples) = cpu[0];
            Assert.Equal(new Dictionary<string, string>
            {
                ["__name__"] = "profiles_recorded_cpu_nanoseconds",
                ["env"] = "prod",
                ["service_name"] = "checkout",
                ["source"] = "profiles",
                ["tenant"] = "default",
            }, labels);
            var t0Seconds = new DateTimeOffset(t0).ToUnixTimeSeconds();
            Assert.Equal([(t0Seconds, GoCpuTotal), (t0Seconds + 5, 2 * GoCpuTotal)],
                samples.Select(s => ((long)s.Time, long.Parse(s.Value, CultureInfo.InvariantCulture))));

            var fibonacci = Assert.Single(await prometheus.QueryAsync("profiles_recorded_fibonacci_cpu_nanoseconds[10m]"));
            Assert.Equal(new Dictionary<string, string> { ["__name__"] = "profiles_recorded_fibonacci_cpu_nanoseconds", ["tenant"] = "default" }, fibonacci.Labels);
            Assert.Equal([FibonacciTotal, 2 * FibonacciTotal], fibonacci.Samples.Select(s => long.Parse(s.Value, CultureInfo.InvariantCulture)));

            Assert.Equal(4, await server.MetricAsync("gp_remote_write_samples_total{outcome=\"sent\"}"));
            Assert.Equal(0, await server.MetricAsync("gp_remote_write_samples_total{outcome=\"refused\"}"));
            Assert.Equal(0, await server.MetricAsync("gp_remote_write_samples_total{outcome=\"dropped\"}"));
        }
        finally
        {
            File.Delete(config);
        }
    }
}
