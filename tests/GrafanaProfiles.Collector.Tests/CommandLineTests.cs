using System.Xml.Linq;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;

namespace GrafanaProfiles.Collector.Tests;

public sealed class CommandLineTests
{
    private static string TestData(string name) => Path.Combine(CollectorProcess.Root, "tests", "testdata", "pprof", name);

    [Fact]
    public async Task Demo_SendsAFleetOverHttp_ShowsTopFunctionsTheRegressionAndFlameGraphs()
    {
        using var dir = new TempDirectory();
        var (code, stdout, stderr) = await CollectorProcess.RunAsync("demo", "--data-dir", dir.Path);
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("Collector listening on http://127.0.0.1:", stdout, StringComparison.Ordinal);
        Assert.Contains("Services: billing, checkout, inventory, search, storefront", stdout, StringComparison.Ordinal);
        Assert.Contains("process_cpu:cpu:nanoseconds:cpu:nanoseconds", stdout, StringComparison.Ordinal);
        Assert.Contains("memory:inuse_space:bytes:space:bytes", stdout, StringComparison.Ordinal);
        // The real Go CPU profile (pushed as 'inventory'): its heaviest function by self time, per go tool pprof -top.
        var inventory = stdout[stdout.IndexOf("inventory — process_cpu:cpu", StringComparison.Ordinal)..];
        Assert.Contains("main.fibonacci", inventory.Split('\n')[2], StringComparison.Ordinal);
        // The regression of checkout v2 comes first in the diff, as the function that got slower.
        var diff = stdout[stdout.IndexOf("checkout v1 → v2", StringComparison.Ordinal)..].Split('\n');
        Assert.StartsWith("  +", diff[1], StringComparison.Ordinal);
        Assert.EndsWith("encoding/json.(*encodeState).reflectValue", diff[1].TrimEnd(), StringComparison.Ordinal);

        var svgs = stdout.Split('\n').Where(l => l.Contains("flame graph", StringComparison.Ordinal) && l.Contains(".svg", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf(": ", StringComparison.Ordinal) + 2)..].Trim()).ToList();
        Assert.True(svgs.Count >= 6, string.Join("\n", svgs));
        foreach (var svg in svgs)
        {
            var doc = XDocument.Load(svg); // well-formed SVG
            Assert.Equal("svg", doc.Root!.Name.LocalName);
        }
        var cpuSvg = File.ReadAllText(svgs.Single(s => s.EndsWith("flamegraph-inventory-process_cpu.svg", StringComparison.Ordinal)));
        Assert.Contains("main.fibonacci", cpuSvg, StringComparison.Ordinal);
        Assert.Contains("<title>", cpuSvg, StringComparison.Ordinal);

        // The DuckDB CLI lines it prints run as printed (the same DuckDB, through our binding).
        var cliQueries = stdout.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("duckdb -c \"", StringComparison.Ordinal))
            .Select(l => l["duckdb -c \"".Length..l.LastIndexOf('"')]).ToList();
        Assert.Equal(2, cliQueries.Count);
        using var db = GrafanaProfiles.Store.DuckDb.DuckDbDatabase.Open();
        using var connection = db.Connect();
        foreach (var sql in cliQueries)
        {
            using var result = connection.Query(sql);
            var rows = result.Chunks().Sum(c => c.RowCount);
            Assert.True(rows > 0, sql);
        }
        using var versions = connection.Query(cliQueries[1] + " ORDER BY 1");
        using var chunk = versions.FetchChunk()!;
        Assert.Contains("v2", Enumerable.Range(0, chunk.RowCount).Select(i => chunk.Column(0).GetString(i)));
    }

    [Fact]
    public async Task Ingest_Files_AreQueryableWithTheirServiceAndLabels()
    {
        using var dir = new TempDirectory();
        var (code, stdout, stderr) = await CollectorProcess.RunAsync("ingest", "--data-dir", dir.Path, "--service", "api",
            "--label", "env=prod", TestData("go-cpu.pb.gz"), TestData("go-heap.pb.gz"));
        Assert.True(code == 0, stderr);
        Assert.Contains("go-cpu.pb.gz: process_cpu:cpu:nanoseconds:cpu:nanoseconds service_name=api", stdout, StringComparison.Ordinal);
        using var reader = new ProfileReader(dir.Path);
        var from = DateTime.UtcNow.AddYears(-5);
        var to = DateTime.UtcNow.AddYears(1);
        Assert.Equal(["api"], reader.LabelValues("default", "service_name", from, to));
        Assert.Equal(["prod"], reader.LabelValues("default", "env", from, to));
        var top = reader.Top(new ProfileSelection("default", from, to, "process_cpu:cpu:nanoseconds:cpu:nanoseconds", LabelSelector.Parse("{env=\"prod\"}")));
        Assert.Equal(4_020_000_000, top.Total); // "Total samples = 4020000000ns" in go tool pprof's header
    }

    [Fact]
    public async Task Ingest_MalformedFile_IsReportedAndTheOthersStillLand()
    {
        using var dir = new TempDirectory();
        var (code, _, stderr) = await CollectorProcess.RunAsync("ingest", "--data-dir", dir.Path,
            TestData("malformed/truncated.pb.gz"), TestData("go-goroutine.pb.gz"));
        Assert.Equal(1, code);
        Assert.Contains("truncated.pb.gz: not ingested:", stderr, StringComparison.Ordinal);
        using var reader = new ProfileReader(dir.Path);
        Assert.Equal(["goroutines:goroutine:count:goroutine:count"], reader.ProfileTypes("default", DateTime.UtcNow.AddYears(-5), DateTime.UtcNow.AddYears(1)));
    }

    [Fact]
    public async Task Ingest_BadLabel_ExplainsTheExpectedForm()
    {
        var (code, _, stderr) = await CollectorProcess.RunAsync("ingest", "--label", "not a label", TestData("go-cpu.pb.gz"));
        Assert.NotEqual(0, code);
        Assert.Contains("name=value", stderr, StringComparison.Ordinal);
    }
}
