using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.FlameGraphs;
using GrafanaProfiles.Store.Read.Tests.Support;
using static GrafanaProfiles.TestSupport.Batches;

namespace GrafanaProfiles.Store.Read.Tests.Query;

public sealed class ProfileReaderTests : IAsyncLifetime
{
    private StoreFixture _store = null!;

    public async Task InitializeAsync()
    {
        _store = await StoreFixture.StartAsync();
        var w = _store.Writer;
        // Two services, two pods, two versions; CPU and memory; three 10-second windows.
        await w.AppendAsync("default", Folded(BaseTime, "api", L("pod", "a", "version", "v1"), Cpu,
            ("main;handle;json.Marshal", 40), ("main;handle;db.Query", 20), ("main;gc", 10)));
        await w.AppendAsync("default", Folded(BaseTime.AddSeconds(10), "api", L("pod", "b", "version", "v2"), Cpu,
            ("main;handle;json.Marshal", 80), ("main;handle", 5)));
        await w.AppendAsync("default", Folded(BaseTime.AddSeconds(20), "api", L("pod", "a", "version", "v1"), Cpu,
            ("main;fib;fib;fib", 6)));
        await w.AppendAsync("default", Folded(BaseTime, "web", L("pod", "w1", "region", "eu-west"), Cpu,
            ("node;render", 50)));
        await w.AppendAsync("default", Folded(BaseTime, "api", L("pod", "a", "version", "v1"), AllocSpace,
            ("main;handle;make", 1024)));
        await w.FlushAsync();
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private static Dictionary<string, (long Value, long Self, int Level)> Nodes(FlameGraph g)
    {
        // Path-keyed view of the nested-set rows.
        var result = new Dictionary<string, (long, long, int)>();
        var path = new List<string>();
        for (var i = 0; i < g.NodeCount; i++)
        {
            path.RemoveRange(g.Levels[i], path.Count - g.Levels[i]);
            path.Add(g.LabelOf(i));
            result[string.Join(";", path)] = (g.Values[i], g.Selfs[i], g.Levels[i]);
        }
        return result;
    }

    [Fact]
    public void FlameGraph_OfOneService_IsTheMergedTreeInNestedSetOrder()
    {
        var g = _store.Reader.FlameGraph(StoreFixture.Select("{service_name=\"api\"}"));
        Assert.Equal(161, g.Total);
        var nodes = Nodes(g);
        Assert.Equal((161L, 0L, 0), nodes["total"]);
        Assert.Equal((161L, 0L, 1), nodes["total;main"]);
        Assert.Equal((145L, 5L, 2), nodes["total;main;handle"]);
        Assert.Equal((120L, 120L, 3), nodes["total;main;handle;json.Marshal"]);
        Assert.Equal((20L, 20L, 3), nodes["total;main;handle;db.Query"]);
        Assert.Equal((6L, 0L, 2), nodes["total;main;fib"]);
        Assert.Equal((6L, 6L, 4), nodes["total;main;fib;fib;fib"]);
        Assert.Equal(9, g.NodeCount); // total, main, handle, json.Marshal, db.Query, gc, fib ×3
        // Depth-first: every node's parent is the closest earlier node one level up, and children sum up.
        for (var i = 1; i < g.NodeCount; i++)
        {
            Assert.True(g.Levels[i] <= g.Levels[i - 1] + 1);
        }
        Assert.Equal("total", g.Names[0]);
    }

    [Fact]
    public void FlameGraph_WithSelector_FiltersByLabels()
    {
        var v2 = _store.Reader.FlameGraph(StoreFixture.Select("{service_name=\"api\", version=\"v2\"}"));
        Assert.Equal(85, v2.Total);
        var regex = _store.Reader.FlameGraph(StoreFixture.Select("{region=~\"eu-.*\"}"));
        Assert.Equal(50, regex.Total);
        var notA = _store.Reader.FlameGraph(StoreFixture.Select("{pod!=\"a\"}"));
        Assert.Equal(135, notA.Total);
    }

    [Fact]
    public void FlameGraph_NodeLimit_FoldsSmallestChildrenIntoOtherAndKeepsTotalsExact()
    {
        var full = _store.Reader.FlameGraph(StoreFixture.Select("{service_name=\"api\"}"));
        var small = _store.Reader.FlameGraph(StoreFixture.Select("{service_name=\"api\"}"), maxNodes: 5);
        Assert.True(small.NodeCount <= 5, $"{small.NodeCount} nodes");
        Assert.True(small.Truncated);
        Assert.Equal(full.Total, small.Total);
        // In every node, self + the children's totals equals its total: nothing lost to the limit.
        for (var i = 0; i < small.NodeCount; i++)
        {
            long children = 0;
            for (var j = i + 1; j < small.NodeCount && small.Levels[j] > small.Levels[i]; j++)
            {
                if (small.Levels[j] == small.Levels[i] + 1)
                {
                    children += small.Values[j];
                }
            }
            Assert.Equal(small.Values[i], small.Selfs[i] + children);
        }
        Assert.Contains(FlameGraph.OtherLabel, small.Names);
    }

    [Fact]
    public void Top_CountsRecursionOncePerStack_AndCoversEveryFunction()
    {
        var top = _store.Reader.Top(StoreFixture.Select("{service_name=\"api\"}"));
        var byName = top.Entries.ToDictionary(e => e.Function);
        Assert.Equal((6L, 6L), (byName["fib"].Self, byName["fib"].Total));
        Assert.Equal((120L, 120L), (byName["json.Marshal"].Self, byName["json.Marshal"].Total));
        Assert.Equal((5L, 145L), (byName["handle"].Self, byName["handle"].Total));
        Assert.Equal((0L, 161L), (byName["main"].Self, byName["main"].Total));
        Assert.Equal("json.Marshal", top.Entries[0].Function);
        // The top table is never cut by a flame graph node limit.
        var (_, both) = _store.Reader.FlameGraphAndTop(StoreFixture.Select("{service_name=\"api\"}"), maxNodes: 3);
        Assert.Equal(top.Entries.Count, both.Entries.Count);
    }

    [Fact]
    public void Diff_OfTwoVersions_GivesBothSidesPerNodeAndFunction()
    {
        var (g, top) = _store.Reader.Diff(StoreFixture.Select("{service_name=\"api\", version=\"v1\"}"),
            StoreFixture.Select("{service_name=\"api\", version=\"v2\"}"));
        Assert.True(g.IsDiff);
        Assert.Equal(76, g.Total);
        Assert.Equal(85, g.TotalRight);
        var marshal = Enumerable.Range(0, g.NodeCount).Single(i => g.LabelOf(i) == "json.Marshal");
        Assert.Equal((40L, 80L), (g.Values[marshal], g.ValuesRight![marshal]));
        var row = top.Entries.Single(e => e.Function == "json.Marshal");
        Assert.Equal((40L, 80L), (row.Self, row.SelfRight));
    }

    [Fact]
    public void Diff_OfTwoTimeRanges_ComparesTheRanges()
    {
        var sel = StoreFixture.Select("{service_name=\"api\"}");
        var (g, _) = _store.Reader.Diff(sel.WithRange(BaseTime, BaseTime.AddSeconds(10)), sel.WithRange(BaseTime.AddSeconds(10), BaseTime.AddSeconds(30)));
        Assert.Equal(70, g.Total);
        Assert.Equal(91, g.TotalRight);
    }

    [Fact]
    public void Series_SumsPerStep_GroupedByLabels()
    {
        var series = _store.Reader.Series(StoreFixture.Select("{service_name=\"api\"}", from: BaseTime, to: BaseTime.AddMinutes(1)),
            TimeSpan.FromSeconds(15), ["pod"]);
        Assert.Equal(["a", "b"], series.Select(s => s.Labels.Get("pod")));
        var a = series[0];
        Assert.Equal([BaseTime, BaseTime.AddSeconds(15)], a.Times);
        Assert.Equal([70.0, 6.0], a.Values);
        Assert.Equal([BaseTime], series[1].Times);
        Assert.Equal([85.0], series[1].Values);
    }

    [Fact]
    public void Series_WithLimit_KeepsTheLargestSeries_EvenBeyondMaxSeries()
    {
        var sel = StoreFixture.Select("{service_name=\"api\"}", from: BaseTime, to: BaseTime.AddMinutes(1));
        using var strict = new ProfileReader(_store.DataDirectory, new ReaderOptions { MaxSeries = 1 });

        Assert.Throws<QueryException>(() => strict.Series(sel, TimeSpan.FromSeconds(15), ["pod"]));
        var top = strict.Series(sel, TimeSpan.FromSeconds(15), ["pod"], SeriesAggregation.Sum, limit: 1);

        // pod b sums to 85, pod a to 76.
        Assert.Equal("b", Assert.Single(top).Labels.Get("pod"));
        Assert.Equal([85.0], top[0].Values);
        Assert.Equal(2, _store.Reader.Series(sel, TimeSpan.FromSeconds(15), ["pod"], SeriesAggregation.Sum, limit: 5).Count);
    }

    [Fact]
    public void Series_Average_DividesByProfileWindowsInTheStep()
    {
        var sel = StoreFixture.Select("{service_name=\"api\"}", from: BaseTime, to: BaseTime.AddMinutes(1));
        var sum = _store.Reader.Series(sel, TimeSpan.FromMinutes(1), []);
        var avg = _store.Reader.Series(sel, TimeSpan.FromMinutes(1), [], SeriesAggregation.Average);
        Assert.Equal([161.0], sum.Single().Values);
        Assert.Equal([161.0 / 3], avg.Single().Values);
    }

    [Fact]
    public void Series_StepFinerThanTheMinimum_IsWidened()
    {
        Assert.Equal(TimeSpan.FromSeconds(15), _store.Reader.EffectiveStep(TimeSpan.FromSeconds(1), BaseTime, BaseTime.AddHours(1)));
        var day = _store.Reader.EffectiveStep(TimeSpan.FromSeconds(15), BaseTime, BaseTime.AddDays(30));
        Assert.True((TimeSpan.FromDays(30) / day) <= _store.Reader.Options.MaxPointsPerSeries);
    }

    [Fact]
    public void Labels_NamesValuesAndProfileTypes_ReflectTheData()
    {
        var r = _store.Reader;
        var from = BaseTime.AddHours(-1);
        var to = BaseTime.AddHours(1);
        Assert.Equal(["pod", "region", "service_name", "version"], r.LabelNames("default", from, to));
        Assert.Equal(["pod", "service_name", "version"], r.LabelNames("default", from, to, Store.Query.Selectors.LabelSelector.Parse("{service_name=\"api\"}")));
        Assert.Equal(["api", "web"], r.LabelValues("default", "service_name", from, to));
        Assert.Equal(["a", "b"], r.LabelValues("default", "pod", from, to, Store.Query.Selectors.LabelSelector.Parse("{service_name=\"api\"}")));
        Assert.Equal([AllocSpace, Cpu], r.ProfileTypes("default", from, to));
        Assert.Empty(r.ProfileTypes("default", from.AddDays(-2), to.AddDays(-2)));
        Assert.Empty(r.ProfileTypes("nobody", from, to));
    }

    [Fact]
    public void TimeRange_ReadsOnlyTheHourPartitionsItTouches()
    {
        var files = _store.Reader.FilesFor("default", BaseTime.AddHours(1), BaseTime.AddHours(2));
        Assert.True(files.IsEmpty);
        files = _store.Reader.FilesFor("default", BaseTime.AddMinutes(30), BaseTime.AddMinutes(40));
        Assert.Single(files.Samples);
        var empty = _store.Reader.FlameGraph(StoreFixture.Select(from: BaseTime.AddHours(1), to: BaseTime.AddHours(2)));
        Assert.Equal(0, empty.Total);
    }

    [Fact]
    public void Query_WithoutProfileType_FailsWithAMessageForTheUser()
    {
        var sel = StoreFixture.Select() with { ProfileTypeId = "" };
        var ex = Assert.Throws<QueryException>(() => _store.Reader.FlameGraph(sel));
        Assert.Contains("profileTypeId", ex.Message, StringComparison.Ordinal);
        var typed = StoreFixture.Select($"{Cpu}{{service_name=\"web\"}}") with { ProfileTypeId = "" };
        Assert.Equal(50, _store.Reader.FlameGraph(typed).Total);
    }

    [Fact]
    public void MaxNodes_OverTheLimit_IsRefused()
    {
        var ex = Assert.Throws<QueryException>(() => _store.Reader.FlameGraph(StoreFixture.Select(), maxNodes: 5_000_000));
        Assert.Contains("max_flamegraph_nodes", ex.Message, StringComparison.Ordinal);
    }
}
