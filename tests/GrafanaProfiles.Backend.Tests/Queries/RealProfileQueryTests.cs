using System.Globalization;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Backend.Tests.Queries;

/// <summary>A real Go CPU profile through the store writer and the plugin's queries, checked against <c>go tool pprof -top</c>.</summary>
public sealed class RealProfileQueryTests
{
    private static readonly DateTime At = QueryStore.T0;

    private static string TestData(string name) => Path.Combine(RepoPaths.Root, "tests", "testdata", "pprof", name);

    /// <summary>function → (flat, cum) as <c>go tool pprof -top</c> printed them.</summary>
    private static Dictionary<string, (long Flat, long Cum)> PprofTop(string name) =>
        File.ReadAllLines(TestData(name)).Where(l => l.Length > 0).Select(l => l.Split('\t'))
            .ToDictionary(p => p[0], p => (long.Parse(p[1], CultureInfo.InvariantCulture), long.Parse(p[2], CultureInfo.InvariantCulture)));

    [Fact]
    public async Task GoCpuProfile_FlameGraphRootAndTopTable_MatchPprof()
    {
        using var store = await QueryStore.CreateAsync(TestStore.Pprof(TestData("go-cpu.pb.gz"), "go-app", At));
        var expected = PprofTop("go-cpu.cpu.top.tsv");
        var fileTotal = expected.Values.Sum(v => v.Flat);

        var graph = Assert.Single(store.Frames("""{"labelSelector":"{service_name=\"go-app\"}","maxNodes":64}""", "profile"));
        var rows = graph.FlameRows();
        Assert.Equal((0L, "total", fileTotal), (rows[0].Level, rows[0].Label, rows[0].Value));
        Assert.Equal(4_020_000_000L, fileTotal);
        Assert.True(rows.Count <= 64);
        Assert.Equal("ns", graph.Field("value").Unit());

        var top = Assert.Single(store.Frames("""{"labelSelector":"{service_name=\"go-app\"}"}""", "top"));
        var functions = top.Field("function").Values<string>();
        var selfs = top.Field("self").Values<long>();
        var totals = top.Field("total").Values<long>();
        foreach (var (function, (flat, cum)) in expected)
        {
            var i = functions.IndexOf(function);
            Assert.True(i >= 0, $"{function} missing from the top frame");
            Assert.Equal((flat, cum), (selfs[i], totals[i]));
        }
    }
}
