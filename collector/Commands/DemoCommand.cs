using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using Google.Protobuf;
using GrafanaProfiles.Collector.Demo;
using GrafanaProfiles.Collector.Hosting;
using GrafanaProfiles.Schema.Pyroscope.Push.V1;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.FlameGraphs;
using GrafanaProfiles.Store.Query.Selectors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using LabelPair = GrafanaProfiles.Schema.Pyroscope.Types.V1.LabelPair;

namespace GrafanaProfiles.Collector.Commands;

/// <summary>
/// <c>demo</c>: starts the collector on loopback with a fresh data directory, runs a small fleet of
/// workloads that send profiles through the real HTTP APIs (Pyroscope's /ingest as the Go SDK does,
/// and the push API with real Go and Node.js profiles), then shows what a user looks at: services,
/// profile types, top functions, the v1 → v2 regression, and flame graphs as SVG files.
/// </summary>
internal static class DemoCommand
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
    private const int Windows = 30;

    public static Command Create()
    {
        var dataDir = new Option<DirectoryInfo?>("--data-dir") { Description = "Where to put the demo data (default: a new temporary directory)" };
        var top = new Option<int>("--top") { Description = "Functions to list per table", DefaultValueFactory = _ => 8 };
        var command = new Command("demo", "Run the collector on loopback, send it a fleet's profiles over HTTP, and show top functions, a regression and flame graphs.") { dataDir, top };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var dir = parse.GetValue(dataDir)?.FullName
                      ?? Path.Combine(Path.GetTempPath(), "grafana-profiles-demo-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            return await RunAsync(dir, parse.GetValue(top), Console.Out, cancellationToken);
        });
        return command;
    }

    internal static async Task<int> RunAsync(string dataDirectory, int topCount, TextWriter output, CancellationToken cancellationToken)
    {
        output.WriteLine($"Grafana Profiles demo — data directory {dataDirectory}");
        var (settings, configuration) = CollectorHost.LoadSettings(null, new Dictionary<string, string?>
        {
            ["listen"] = "http://127.0.0.1:0",
            ["data_dir"] = dataDirectory,
            ["flush_interval"] = "00:00:01",
            ["log_format"] = "text",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        var now = DateTime.UtcNow;
        await using (var app = CollectorHost.Build(settings, configuration))
        {
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            output.WriteLine($"Collector listening on {address}");
            using var http = new HttpClient { BaseAddress = new Uri(address) };
            while (!(await http.GetAsync("/ready", cancellationToken)).IsSuccessStatusCode)
            {
                await Task.Delay(50, cancellationToken);
            }
            var sent = await SendFleetAsync(http, now, cancellationToken);
            sent += await PushRealProfilesAsync(http, now, cancellationToken);
            output.WriteLine($"Sent {sent} profiles over HTTP (Pyroscope /ingest and the push API).");
            await app.StopAsync(cancellationToken); // graceful: flushes everything acknowledged
        }
        output.WriteLine();
        Report(dataDirectory, now, topCount, output, cancellationToken);
        return 0;
    }

    private static async Task<int> SendFleetAsync(HttpClient http, DateTime now, CancellationToken cancellationToken)
    {
        var random = new Random(42);
        var sent = 0;
        foreach (var workload in Workload.Fleet())
        {
            for (var w = Windows; w > 0; w--)
            {
                var start = now - (w * Window);
                foreach (var memory in new[] { false, true })
                {
                    var name = Uri.EscapeDataString($"{workload.Service}{{env=demo,version={workload.Version},pod={workload.Pod}}}");
                    var from = new DateTimeOffset(start).ToUnixTimeSeconds();
                    var until = new DateTimeOffset(start + Window).ToUnixTimeSeconds();
                    using var body = new ByteArrayContent(workload.Profile(memory, start, Window, random));
                    body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                    using var response = await http.PostAsync($"/ingest?name={name}&format=pprof&from={from}&until={until}&spyName=gospy", body, cancellationToken);
                    response.EnsureSuccessStatusCode();
                    sent++;
                }
            }
        }
        return sent;
    }

    /// <summary>Real profiles from real runtimes (recorded from Go and Node.js programs) through the push API.</summary>
    private static async Task<int> PushRealProfilesAsync(HttpClient http, DateTime now, CancellationToken cancellationToken)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "demo-profiles");
        var request = new PushRequest();
        foreach (var (file, service, name, language) in new[]
        {
            ("go-cpu.pb.gz", "inventory", "process_cpu", "go"), ("go-heap.pb.gz", "inventory", "memory", "go"),
            ("node-cpu.pb.gz", "storefront", "wall", "nodejs"), ("node-heap.pb.gz", "storefront", "memory", "nodejs"),
        })
        {
            var series = new RawProfileSeries();
            series.Labels.Add(new LabelPair { Name = "service_name", Value = service });
            series.Labels.Add(new LabelPair { Name = "__name__", Value = name });
            series.Labels.Add(new LabelPair { Name = "language", Value = language });
            series.Labels.Add(new LabelPair { Name = "env", Value = "demo" });
            series.Samples.Add(new RawSample { RawProfile = ByteString.CopyFrom(await File.ReadAllBytesAsync(Path.Combine(source, file), cancellationToken)) });
            request.Series.Add(series);
        }
        using var body = new ByteArrayContent(request.ToByteArray());
        body.Headers.ContentType = new MediaTypeHeaderValue("application/proto");
        using var response = await http.PostAsync("/push.v1.PusherService/Push", body, cancellationToken);
        response.EnsureSuccessStatusCode();
        _ = now;
        return request.Series.Count;
    }

    private static void Report(string dataDirectory, DateTime now, int topCount, TextWriter output, CancellationToken cancellationToken)
    {
        using var reader = new ProfileReader(dataDirectory);
        var from = now.AddDays(-400);
        var to = now.AddMinutes(1);
        var services = reader.LabelValues("default", LabelRules.ServiceName, from, to, cancellationToken: cancellationToken);
        var types = reader.ProfileTypes("default", from, to, cancellationToken);
        output.WriteLine($"Services: {string.Join(", ", services)}");
        output.WriteLine($"Profile types: {string.Join(", ", types)}");
        const string cpu = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
        foreach (var service in services)
        {
            var type = types.Contains(cpu) && reader.Top(Selection(service, cpu, from, to), cancellationToken).Total > 0 ? cpu : "wall:wall:nanoseconds:wall:nanoseconds";
            var (graph, table) = reader.FlameGraphAndTop(Selection(service, type, from, to), cancellationToken: cancellationToken);
            if (graph.Total == 0)
            {
                continue;
            }
            var unit = ProfileType.Parse(type).SampleUnit;
            output.WriteLine();
            output.WriteLine($"{service} — {type} — total {FlameGraphSvg.FormatValue(graph.Total, unit)}");
            output.WriteLine($"  {"self",12} {"self%",7} {"total",12} {"total%",7}  function");
            foreach (var entry in table.Entries.Take(topCount))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {FlameGraphSvg.FormatValue(entry.Self, unit),12} {100.0 * entry.Self / table.Total,6:0.0}% {FlameGraphSvg.FormatValue(entry.Total, unit),12} {100.0 * entry.Total / table.Total,6:0.0}%  {entry.Function}"));
            }
            var svg = Path.Combine(dataDirectory, $"flamegraph-{service}-{ProfileType.Parse(type).Name}.svg");
            File.WriteAllText(svg, FlameGraphSvg.Render(graph, $"{service} · {type}", unit));
            output.WriteLine($"  flame graph: {svg}");
        }

        // The regression: what got slower in checkout v2?
        var v1 = new ProfileSelection("default", from, to, cpu, LabelSelector.Parse("{service_name=\"checkout\", version=\"v1\"}"));
        var v2 = v1 with { Selector = LabelSelector.Parse("{service_name=\"checkout\", version=\"v2\"}") };
        var (diff, diffTop) = reader.Diff(v1, v2, cancellationToken: cancellationToken);
        if (diff.Total > 0 && diff.TotalRight > 0)
        {
            output.WriteLine();
            output.WriteLine($"checkout v1 → v2 — CPU {FlameGraphSvg.FormatValue(diff.Total, "nanoseconds")} → {FlameGraphSvg.FormatValue(diff.TotalRight, "nanoseconds")}; functions by change in self time:");
            foreach (var entry in diffTop.Entries.OrderByDescending(e => Math.Abs(e.SelfRight - e.Self)).Take(5))
            {
                var change = entry.SelfRight - entry.Self;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {(change >= 0 ? "+" : "-")}{FlameGraphSvg.FormatValue(Math.Abs(change), "nanoseconds"),10}  ({FlameGraphSvg.FormatValue(entry.Self, "nanoseconds")} → {FlameGraphSvg.FormatValue(entry.SelfRight, "nanoseconds")})  {entry.Function}"));
            }
            var svg = Path.Combine(dataDirectory, "flamegraph-checkout-v2.svg");
            File.WriteAllText(svg, FlameGraphSvg.Render(reader.FlameGraph(v2, cancellationToken: cancellationToken), "checkout v2 · " + cpu, "nanoseconds"));
            output.WriteLine($"  flame graph of v2: {svg}");
        }
        output.WriteLine();
        output.WriteLine("The files are plain hive-partitioned Parquet; for example, with the DuckDB CLI:");
        output.WriteLine($"  duckdb -c \"SELECT service_name, profile_type, sum(value) FROM read_parquet('{dataDirectory}/*/*/samples-*.parquet', hive_partitioning=true) GROUP BY ALL\"");
        output.WriteLine("Labels are stored once per series; join them on series_id:");
        output.WriteLine($"  duckdb -c \"SELECT r.labels['version'] AS version, sum(s.value) FROM read_parquet('{dataDirectory}/*/*/samples-*.parquet') s " +
                         $"JOIN (SELECT DISTINCT series_id, labels FROM read_parquet('{dataDirectory}/*/*/series-*.parquet')) r USING (series_id) GROUP BY ALL\"");
    }

    private static ProfileSelection Selection(string service, string type, DateTime from, DateTime to) =>
        new("default", from, to, type, LabelSelector.Parse($"{{service_name=\"{service}\"}}"));
}
