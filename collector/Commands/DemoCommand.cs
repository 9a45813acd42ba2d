using System.CommandLine;
using System.Globalization;
using GrafanaProfiles.Collector.Demo;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Collector.Commands;

/// <summary>
/// <c>demo</c>: loads real profiles from real runtimes (Go and Node.js) into a fresh data directory,
/// then shows what a user looks at: services, profile types, the top functions, and flame graphs
/// written as SVG files.
/// </summary>
internal static class DemoCommand
{
    private sealed record DemoProfile(string File, string Service, string Language);

    private static readonly DemoProfile[] Profiles =
    [
        new("go-cpu.pb.gz", "checkout", "go"),
        new("go-heap.pb.gz", "checkout", "go"),
        new("go-goroutine.pb.gz", "checkout", "go"),
        new("go-mutex.pb.gz", "checkout", "go"),
        new("node-cpu.pb.gz", "storefront", "nodejs"),
        new("node-heap.pb.gz", "storefront", "nodejs"),
    ];

    public static Command Create()
    {
        var dataDir = new Option<DirectoryInfo?>("--data-dir") { Description = "Where to put the demo data (default: a new temporary directory)" };
        var top = new Option<int>("--top") { Description = "Functions to list per profile", DefaultValueFactory = _ => 10 };
        var command = new Command("demo", "Ingest real Go and Node.js profiles and show their top functions and flame graphs.") { dataDir, top };
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
        var source = Path.Combine(AppContext.BaseDirectory, "demo-profiles");
        output.WriteLine($"Grafana Profiles demo — data directory {dataDirectory}");
        output.WriteLine();
        var now = DateTime.UtcNow;
        var options = new StoreOptions { DataDirectory = dataDirectory };
        await using (var writer = await ProfileWriter.OpenAsync(options, PprofWalCodec.Decoders, cancellationToken: cancellationToken))
        {
            foreach (var profile in Profiles)
            {
                var bytes = await File.ReadAllBytesAsync(Path.Combine(source, profile.File), cancellationToken);
                var decode = new PprofDecodeOptions
                {
                    ServiceName = profile.Service,
                    Labels = LabelSet.From(new Dictionary<string, string> { ["language"] = profile.Language, ["env"] = "demo" }),
                    // Place the recorded profiles in the last minute so the demo reads like live data.
                    FromUnixNanos = (now.AddMinutes(-1) - DateTime.UnixEpoch).Ticks * 100,
                };
                var batch = await PprofWalCodec.AppendAsync(writer, "default", bytes, decode, cancellationToken);
                output.WriteLine($"  ingested {profile.File,-20} {batch.SampleCount,6} rows, types {string.Join(", ", batch.Profiles.Select(p => ProfileType.Parse(p.ProfileType).SampleType).Distinct())}");
            }
            await writer.FlushAsync(cancellationToken);
        }
        output.WriteLine();

        using var reader = new ProfileReader(dataDirectory);
        var from = now.AddHours(-1);
        var to = now.AddMinutes(1);
        var services = reader.LabelValues("default", LabelRules.ServiceName, from, to, cancellationToken: cancellationToken);
        var types = reader.ProfileTypes("default", from, to, cancellationToken);
        output.WriteLine($"Services: {string.Join(", ", services)}");
        output.WriteLine($"Profile types: {types.Count}");
        foreach (var t in types)
        {
            output.WriteLine($"  {t}");
        }
        foreach (var service in services)
        {
            var selector = LabelSelector.Parse($"{{service_name=\"{service}\"}}");
            foreach (var type in types.OrderBy(HeadlineOrder))
            {
                var pt = ProfileType.Parse(type);
                if (!IsHeadline(pt))
                {
                    continue;
                }
                var selection = new ProfileSelection("default", from, to, type, selector);
                var (graph, table) = reader.FlameGraphAndTop(selection, cancellationToken: cancellationToken);
                if (graph.Total == 0)
                {
                    continue;
                }
                output.WriteLine();
                output.WriteLine($"{service} — {type} — total {FlameGraphSvg.FormatValue(graph.Total, pt.SampleUnit)}");
                output.WriteLine($"  {"self",12} {"self%",7} {"total",12} {"total%",7}  function");
                foreach (var entry in table.Entries.Take(topCount))
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {FlameGraphSvg.FormatValue(entry.Self, pt.SampleUnit),12} {100.0 * entry.Self / table.Total,6:0.0}% {FlameGraphSvg.FormatValue(entry.Total, pt.SampleUnit),12} {100.0 * entry.Total / table.Total,6:0.0}%  {entry.Function}"));
                }
                var svgPath = Path.Combine(dataDirectory, $"flamegraph-{service}-{pt.Name}-{pt.SampleType}.svg");
                await File.WriteAllTextAsync(svgPath, FlameGraphSvg.Render(graph, $"{service} · {type}", pt.SampleUnit), cancellationToken);
                output.WriteLine($"  flame graph: {svgPath}");
            }
        }
        output.WriteLine();
        output.WriteLine("The files are plain hive-partitioned Parquet; for example, with the DuckDB CLI:");
        output.WriteLine($"  duckdb -c \"SELECT service_name, profile_type, sum(value) FROM read_parquet('{dataDirectory}/*/*/samples-*.parquet', hive_partitioning=true) GROUP BY ALL\"");
        return 0;
    }

    private static int HeadlineOrder(string type) => ProfileType.Parse(type).SampleType switch
    {
        "cpu" or "wall" => 0,
        "alloc_space" => 1,
        "inuse_space" => 2,
        _ => 3,
    };

    /// <summary>The types worth a table in the demo: CPU time, allocated and in-use space, goroutines, contention delay.</summary>
    private static bool IsHeadline(ProfileType type) =>
        type.SampleType is "cpu" or "alloc_space" or "inuse_space" or "goroutine" or "delay" or "wall";
}
