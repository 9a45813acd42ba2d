using System.Xml.Linq;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;

namespace GrafanaProfiles.Collector.Tests;

public sealed class CommandLineTests
{
    private static string TestData(string name) => Path.Combine(CollectorProcess.Root, "tests", "testdata", "pprof", name);

    [Fact]
    public async Task Demo_IngestsRealProfiles_PrintsTopFunctionsAndWritesFlameGraphs()
    {
        using var dir = new TempDirectory();
        var (code, stdout, stderr) = await CollectorProcess.RunAsync("demo", "--data-dir", dir.Path);
        Assert.True(code == 0, stderr);
        Assert.Contains("Services: checkout, storefront", stdout, StringComparison.Ordinal);
        Assert.Contains("process_cpu:cpu:nanoseconds:cpu:nanoseconds", stdout, StringComparison.Ordinal);
        Assert.Contains("memory:inuse_space:bytes:space:bytes", stdout, StringComparison.Ordinal);
        // The Go CPU profile's heaviest function by self time, per go tool pprof -top.
        var cpuSection = stdout[stdout.IndexOf("checkout — process_cpu:cpu", StringComparison.Ordinal)..];
        Assert.Contains("main.fibonacci", cpuSection.Split('\n')[2], StringComparison.Ordinal);

        var svgs = stdout.Split('\n').Where(l => l.Contains("flame graph: ", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf("flame graph: ", StringComparison.Ordinal) + 13)..].Trim()).ToList();
        Assert.NotEmpty(svgs);
        foreach (var svg in svgs)
        {
            var doc = XDocument.Load(svg); // well-formed SVG
            Assert.Equal("svg", doc.Root!.Name.LocalName);
        }
        var cpuSvg = File.ReadAllText(svgs.Single(s => s.Contains("checkout-process_cpu-cpu", StringComparison.Ordinal)));
        Assert.Contains("main.fibonacci", cpuSvg, StringComparison.Ordinal);
        Assert.Contains("<title>", cpuSvg, StringComparison.Ordinal);
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
