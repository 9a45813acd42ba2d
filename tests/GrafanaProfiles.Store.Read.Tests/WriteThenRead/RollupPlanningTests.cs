using GrafanaProfiles.Store.Maintenance;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Partitions;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.FlameGraphs;
using GrafanaProfiles.Store.Query.Selectors;
using GrafanaProfiles.Store.Read.Tests.Support;
using static GrafanaProfiles.TestSupport.Batches;

namespace GrafanaProfiles.Store.Read.Tests.WriteThenRead;

/// <summary>
/// Planned queries (rollups of whole days and hours, raw samples at the edges) against raw-only
/// queries over the same files: flame graphs, top tables and series must be identical, on generated
/// data across range edges, label selectors, late samples, re-rolled hours and retention.
/// </summary>
public sealed class RollupPlanningTests
{
    private static readonly DateTime Day = new(2026, 11, 22, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime DataFrom = Day.AddHours(-3);
    private static readonly DateTime DataTo = Day.AddHours(28).AddMinutes(50);
    /// <summary>The compactor's "now": every hour up to 04:00 of the next day closed (delay 10 min), 04:00 still open.</summary>
    private static readonly DateTime Now = Day.AddHours(29);

    private static readonly (string Service, string Pod)[] Series = [("api", "p0"), ("api", "p1"), ("api", "p2"), ("db", "d0")];

    private static readonly (DateTime From, DateTime To)[] Ranges =
    [
        (DataFrom.AddHours(-1), DataTo.AddHours(1)),
        (Day, Day.AddDays(1)),
        (Day.AddHours(-2).AddMinutes(17).AddSeconds(31), Day.AddHours(26).AddMinutes(44).AddSeconds(9)),
        (Day.AddHours(5).AddMinutes(30), Day.AddHours(17).AddMinutes(45).AddSeconds(10)),
        (Day.AddHours(10).AddMinutes(5), Day.AddHours(10).AddMinutes(55)),
        (Day.AddHours(3), Day.AddHours(9)),
        (Day.AddHours(-2), Day.AddDays(1)),
        (Day, Day.AddHours(25).AddMinutes(30)),
        (Day.AddDays(-1), Day.AddHours(26)),
    ];

    private static readonly (string Selector, string Type)[] Selections =
    [
        ("{}", Cpu),
        ("{service_name=\"api\"}", Cpu),
        ("{pod=~\"p[01]\"}", Cpu),
        ("{service_name=\"api\", pod!=\"p2\"}", AllocSpace),
    ];

    private static readonly (int StepSeconds, string[] GroupBy, SeriesAggregation Aggregation, int? Limit)[] SeriesQueries =
    [
        (60, [], SeriesAggregation.Sum, null),
        (300, ["pod"], SeriesAggregation.Average, null),
        (420, ["service_name"], SeriesAggregation.Sum, null),
        (3600, ["pod"], SeriesAggregation.Sum, 2),
        (15, ["pod"], SeriesAggregation.Sum, null),
        (86_400, [], SeriesAggregation.Average, null),
    ];

    private static readonly string[] Functions = ["main", "run", "serve", "handle", "json.Marshal", "db.Query", "gc", "alloc", "hash", "read", "write", "parse"];

    /// <summary>Profiles of every series and both profile types every 4 min (seconds jittered, some doubled), stacks drawn from a pool; flushed every 2 h of data.</summary>
    private static async Task WriteAsync(StoreFixture store, DateTime from, DateTime to, int seed, int minutesApart = 4)
    {
        var random = new Random(seed);
        var stacks = Enumerable.Range(0, 30).Select(_ =>
            string.Join(";", new[] { "main" }.Concat(Enumerable.Range(0, 1 + random.Next(5)).Select(_ => Functions[random.Next(Functions.Length)])))).Distinct().ToArray();
        var lastFlush = from;
        for (var t = from; t < to; t = t.AddMinutes(minutesApart))
        {
            foreach (var (service, pod) in Series)
            {
                foreach (var type in new[] { Cpu, AllocSpace })
                {
                    var time = t.AddSeconds(random.Next(0, 200));
                    if (time >= to)
                    {
                        continue;
                    }
                    // A third of the windows have a second one 20 s later: some steps count two windows of a series.
                    foreach (var window in random.Next(3) == 0 ? new[] { time, time.AddSeconds(20) } : [time])
                    {
                        var samples = Enumerable.Range(0, 1 + random.Next(6))
                            .Select(_ => (stacks[random.Next(stacks.Length)], (long)random.Next(1, 1000)))
                            .ToArray();
                        await store.Writer.AppendAsync("default", Folded(window, service, L("pod", pod), type, samples));
                    }
                }
            }
            if (t - lastFlush >= TimeSpan.FromHours(2))
            {
                await store.Writer.FlushAsync();
                lastFlush = t;
            }
        }
        await store.Writer.FlushAsync();
    }

    private static Task<StoreFixture> StoreAsync() => StoreFixture.StartAsync(o => o with
    {
        CompactionDelay = TimeSpan.FromMinutes(10),
        CompactionGracePeriod = TimeSpan.Zero,
        Retention = TimeSpan.Zero,
    });

    private static void AssertSameAnswers(ProfileReader raw, ProfileReader planned, string state)
    {
        foreach (var (from, to) in Ranges)
        {
            foreach (var (selector, type) in Selections)
            {
                var selection = new ProfileSelection("default", from, to, type, LabelSelector.Parse(selector));
                var what = $"{state}: {selector} {type} [{from:O}, {to:O})";
                foreach (var maxNodes in new[] { 0, 7 })
                {
                    var (rawGraph, rawTop) = raw.FlameGraphAndTop(selection, maxNodes);
                    var (graph, top) = planned.FlameGraphAndTop(selection, maxNodes);
                    AssertSame(rawGraph, graph, what);
                    Assert.True(rawTop.Total == top.Total, what);
                    Assert.True(rawTop.Entries.SequenceEqual(top.Entries), $"top table of {what}");
                }
                if (selector == "{}")
                {
                    // A diff against the same selection a day and a half earlier (other pieces on each side).
                    var earlier = selection.WithRange(from.AddHours(-36), to.AddHours(-36));
                    var (rawDiff, rawDiffTop) = raw.Diff(earlier, selection, 7);
                    var (diff, diffTop) = planned.Diff(earlier, selection, 7);
                    AssertSame(rawDiff, diff, "diff of " + what);
                    Assert.True(rawDiff.ValuesRight!.SequenceEqual(diff.ValuesRight!) && rawDiff.TotalRight == diff.TotalRight, "right side of the diff of " + what);
                    Assert.True(rawDiffTop.Entries.SequenceEqual(diffTop.Entries), "top table of the diff of " + what);
                }
                foreach (var (step, groupBy, aggregation, limit) in SeriesQueries)
                {
                    var rawSeries = raw.Series(selection, TimeSpan.FromSeconds(step), groupBy, aggregation, limit);
                    var series = planned.Series(selection, TimeSpan.FromSeconds(step), groupBy, aggregation, limit);
                    var about = $"series every {step} s by [{string.Join(",", groupBy)}] {aggregation} of {what}";
                    Assert.True(rawSeries.Count == series.Count, about);
                    for (var i = 0; i < series.Count; i++)
                    {
                        Assert.True(rawSeries[i].Labels.Equals(series[i].Labels), about);
                        Assert.True(rawSeries[i].Times.SequenceEqual(series[i].Times), about);
                        Assert.True(rawSeries[i].Values.SequenceEqual(series[i].Values),
                            $"{about}: {string.Join(",", rawSeries[i].Values.Take(8))} vs {string.Join(",", series[i].Values.Take(8))}");
                    }
                }
            }
        }
    }

    /// <summary>Profile types, label names and label values, planned against raw, over every range and selector.</summary>
    private static void AssertSameLabels(ProfileReader raw, ProfileReader planned, string state)
    {
        foreach (var (from, to) in Ranges)
        {
            var range = $"{state}: [{from:O}, {to:O})";
            Assert.True(raw.ProfileTypes("default", from, to).SequenceEqual(planned.ProfileTypes("default", from, to)), $"profile types of {range}");
            foreach (var selector in Selections.Select(s => s.Selector).Append("{zone=\"eu\"}").Distinct())
            {
                var parsed = LabelSelector.Parse(selector);
                var what = $"{selector} {range}";
                Assert.True(raw.LabelNames("default", from, to, parsed).SequenceEqual(planned.LabelNames("default", from, to, parsed)), $"label names of {what}");
                foreach (var name in new[] { "pod", "zone", "service_name", "__profile_type__" })
                {
                    var expected = raw.LabelValues("default", name, from, to, parsed);
                    var actual = planned.LabelValues("default", name, from, to, parsed);
                    Assert.True(expected.SequenceEqual(actual), $"values of {name} for {what}: [{string.Join(",", expected)}] vs [{string.Join(",", actual)}]");
                }
            }
        }
    }

    private static void AssertSame(FlameGraph expected, FlameGraph actual, string what)
    {
        Assert.True(expected.Total == actual.Total, $"total of {what}: {expected.Total} vs {actual.Total}");
        Assert.True(expected.FullNodeCount == actual.FullNodeCount, $"nodes of {what}");
        Assert.True(expected.Levels.SequenceEqual(actual.Levels), $"levels of {what}");
        Assert.True(expected.Values.SequenceEqual(actual.Values), $"values of {what}");
        Assert.True(expected.Selfs.SequenceEqual(actual.Selfs), $"selfs of {what}");
        Assert.True(Enumerable.Range(0, expected.NodeCount).Select(expected.LabelOf).SequenceEqual(Enumerable.Range(0, actual.NodeCount).Select(actual.LabelOf)), $"labels of {what}");
    }

    /// <summary>What the planner reads for the three days of data: day and hour rollups, and raw files.</summary>
    private static (int Days, int Hours, int RawFiles) Pieces(ProfileReader reader)
    {
        var plan = reader.Plan("default", Day.AddDays(-1), Day.AddDays(2), RollupUse.StackTotals);
        var days = plan.Rollups.Count(f => f.Contains($"{PartitionLayout.DayColumn}=", StringComparison.Ordinal));
        return (days, plan.Rollups.Count - days, plan.Samples.Count);
    }

    [Fact]
    public async Task PlannedQueries_AnswerExactlyAsRawOnes_ThroughLateSamplesReRollsAndRetention()
    {
        await using var store = await StoreAsync();
        await WriteAsync(store, DataFrom, DataTo, seed: 1);
        // A series that lives for twenty minutes inside the day that is rolled up whole: its labels
        // are found in the day's rollup or not at all.
        for (var t = Day.AddHours(12).AddMinutes(5); t < Day.AddHours(12).AddMinutes(25); t = t.AddMinutes(5))
        {
            await store.Writer.AppendAsync("default", Folded(t, "batch", L("pod", "b0", "zone", "eu"), Cpu, ("main;run", 7)));
        }
        await store.Writer.FlushAsync();
        using var raw = new ProfileReader(store.DataDirectory, new ReaderOptions { UseRollups = false });
        using var planned = new ProfileReader(store.DataDirectory);
        using var compactor = new Compactor(store.Options);

        compactor.RunOnce(Now);
        // Both days that are closed (the first with its three hours) are rolled up; of the next day,
        // hours 00–03 by hour and the open hour 04 raw.
        var pieces = Pieces(planned);
        Assert.Equal((2, 4), (pieces.Days, pieces.Hours));
        Assert.Equal(new PartitionLayout(store.DataDirectory).ListHour("default", Day.AddHours(28)).Table("samples"), planned.Plan(
            "default", Day.AddDays(-1), Day.AddDays(2), RollupUse.StackTotals).Samples);
        Assert.Equal((0, 0), (Pieces(raw).Days, Pieces(raw).Hours));
        AssertSameAnswers(raw, planned, "rolled up");
        AssertSameLabels(raw, planned, "rolled up");
        Assert.Equal(["eu"], planned.LabelValues("default", "zone", Day, Day.AddDays(1)));
        Assert.Equal(["api", "batch", "db"], planned.LabelValues("default", "service_name", Day, Day.AddDays(1)));
        Assert.Empty(planned.LabelValues("default", "zone", Day.AddHours(13), Day.AddDays(1)));

        // Late samples land in rolled-up hours of both days and of the next day's first hours.
        await WriteAsync(store, Day.AddHours(5).AddMinutes(7), Day.AddHours(5).AddMinutes(40), seed: 2, minutesApart: 11);
        await WriteAsync(store, Day.AddHours(-2).AddMinutes(1), Day.AddHours(-2).AddMinutes(9), seed: 3);
        await WriteAsync(store, Day.AddHours(25), Day.AddHours(25).AddMinutes(3), seed: 4);
        pieces = Pieces(planned);
        Assert.Equal((0, 2 + 23 + 3), (pieces.Days, pieces.Hours));
        AssertSameAnswers(raw, planned, "late samples");
        AssertSameLabels(raw, planned, "late samples");

        // The next round compacts those hours and rolls them (and their days) up again.
        compactor.RunOnce(Now.AddMinutes(1));
        pieces = Pieces(planned);
        Assert.Equal((2, 4), (pieces.Days, pieces.Hours));
        AssertSameAnswers(raw, planned, "rolled up again");
        AssertSameLabels(raw, planned, "rolled up again");

        // Retention removes the first day and the first two hours of the second; that day's rollup goes with its first hour.
        new Retention(new PartitionLayout(store.DataDirectory), TimeSpan.FromDays(1)).RunOnce(Day.AddDays(1).AddHours(2));
        pieces = Pieces(planned);
        Assert.Equal((0, 22 + 4), (pieces.Days, pieces.Hours));
        AssertSameAnswers(raw, planned, "after retention");
        AssertSameLabels(raw, planned, "after retention");
    }

    [Fact]
    public async Task SpanFilters_AndStepsTheRollupsDoNotDivide_ReadRawSamples()
    {
        await using var store = await StoreAsync();
        await WriteAsync(store, Day, Day.AddHours(3), seed: 5);
        using var compactor = new Compactor(store.Options);
        compactor.RunOnce(Now);
        using var planned = new ProfileReader(store.DataDirectory);
        var selection = new ProfileSelection("default", Day, Day.AddHours(3), Cpu, LabelSelector.Parse("{}"));

        Assert.Equal(3, planned.Plan("default", Day, Day.AddHours(3), RollupUse.StackTotals).Rollups.Count);
        Assert.Equal(3, planned.Plan("default", Day, Day.AddHours(3), RollupUse.StepTotals).Rollups.Count);
        Assert.Empty(planned.Plan("default", Day, Day.AddHours(3), RollupUse.None).Rollups);
        Assert.Empty(new ProfileReader(store.DataDirectory, new ReaderOptions { UseRollups = false })
            .Plan("default", Day, Day.AddHours(3), RollupUse.StackTotals).Rollups);
        // A span filter reads raw samples (rollups keep no span ids): nothing of this data is in a span.
        Assert.Equal(0, planned.FlameGraph(selection with { SpanIds = [42] }).Total);
        Assert.NotEqual(0, planned.FlameGraph(selection).Total);
    }
}
