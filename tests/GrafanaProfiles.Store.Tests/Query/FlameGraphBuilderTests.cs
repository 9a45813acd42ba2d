using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.FlameGraphs;
using GrafanaProfiles.Store.Tests.Support;
using static GrafanaProfiles.TestSupport.Batches;

namespace GrafanaProfiles.Store.Tests.Query;

/// <summary>
/// The call tree is built either from each stack's leaf in the symbol cache's call trie (what the
/// reader does) or from the frames (any other aggregate); both must give the same flame graph.
/// </summary>
public sealed class FlameGraphBuilderTests
{
    private static readonly IReadOnlyDictionary<ulong, string> NoNames = new Dictionary<ulong, string>();

    /// <summary>Stacks that share prefixes, recurse, and include an empty stack; values with many ties.</summary>
    private static List<(ulong Id, ulong[] Frames, long Value)> RandomStacks(int seed, int count, Func<Random, long>? value = null)
    {
        value ??= r => r.Next(1, 6) * 10;
        var random = new Random(seed);
        var stacks = new List<(ulong, ulong[], long)>();
        var seen = new HashSet<string>();
        while (stacks.Count < count)
        {
            var depth = random.Next(0, 12);
            var frames = new ulong[depth];
            for (var i = 0; i < depth; i++)
            {
                // Few functions near the root, more below: shared prefixes, and recursion (a function twice).
                frames[i] = (ulong)random.Next(1, 3 + (i * 4)) * 1_000_003UL;
            }
            if (seen.Add(string.Join(",", frames)))
            {
                // Ids are content hashes in the store: the same id never names two different stacks.
                stacks.Add((((ulong)seed << 32) + (ulong)stacks.Count, frames, value(random)));
            }
        }
        return stacks;
    }

    private static (StackAggregate FromFrames, StackAggregate FromLeaves) Aggregates(List<(ulong Id, ulong[] Frames, long Value)> stacks, CallPaths paths)
    {
        var frames = new StackAggregate();
        var leaves = new StackAggregate();
        foreach (var (id, f, value) in stacks)
        {
            frames.Add(id, value, f);
            leaves.AddShared(id, value, f, 0, f.Length, paths, paths.Intern(id, f));
        }
        return (frames, leaves);
    }

    private static void AssertSameGraph(FlameGraph expected, FlameGraph actual)
    {
        Assert.Equal(expected.FullNodeCount, actual.FullNodeCount);
        Assert.Equal(expected.Levels, actual.Levels);
        Assert.Equal(expected.Values, actual.Values);
        Assert.Equal(expected.Selfs, actual.Selfs);
        Assert.Equal(expected.ValuesRight, actual.ValuesRight);
        Assert.Equal(expected.SelfsRight, actual.SelfsRight);
        Assert.Equal(Enumerable.Range(0, expected.NodeCount).Select(expected.LabelOf), Enumerable.Range(0, actual.NodeCount).Select(actual.LabelOf));
        Assert.Equal((expected.Total, expected.TotalRight), (actual.Total, actual.TotalRight));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(60)]
    [InlineData(100_000)]
    public void Build_FromCallPathLeaves_EqualsBuildFromFrames(int maxNodes)
    {
        var paths = new CallPaths();
        var (frames, leaves) = Aggregates(RandomStacks(1, 400), paths);
        Assert.Same(paths, leaves.Paths);
        Assert.Null(frames.Paths);
        var expected = FlameGraphBuilder.Build(frames, null, maxNodes, _ => NoNames);
        var actual = FlameGraphBuilder.Build(leaves, null, maxNodes, _ => NoNames);
        AssertSameGraph(expected, actual);
        Assert.True(actual.NodeCount <= maxNodes);
        Assert.Equal(maxNodes < 100_000, actual.Truncated);
    }

    [Theory]
    [InlineData(9)]
    [InlineData(100_000)]
    public void Build_DiffFromCallPathLeaves_EqualsDiffFromFrames(int maxNodes)
    {
        var paths = new CallPaths();
        var (leftFrames, leftLeaves) = Aggregates(RandomStacks(2, 300), paths);
        var (rightFrames, rightLeaves) = Aggregates(RandomStacks(3, 300), paths);
        var expected = FlameGraphBuilder.Build(leftFrames, rightFrames, maxNodes, _ => NoNames);
        var actual = FlameGraphBuilder.Build(leftLeaves, rightLeaves, maxNodes, _ => NoNames);
        AssertSameGraph(expected, actual);
        Assert.True(actual.IsDiff);
    }

    [Fact]
    public void Build_AggregateWithLeavesOfTwoTries_IsBuiltFromItsFrames()
    {
        var stacks = RandomStacks(4, 200);
        var (frames, _) = Aggregates(stacks, new CallPaths());
        var mixed = new StackAggregate();
        CallPaths[] tries = [new(), new()];
        for (var i = 0; i < stacks.Count; i++)
        {
            var (id, f, value) = stacks[i];
            var paths = tries[i % 2];
            mixed.AddShared(id, value, f, 0, f.Length, paths, paths.Intern(id, f));
        }
        Assert.Null(mixed.Paths);
        AssertSameGraph(FlameGraphBuilder.Build(frames, null, 50, _ => NoNames), FlameGraphBuilder.Build(mixed, null, 50, _ => NoNames));
    }

    [Fact]
    public void Build_ManyTimesOnOneThread_GivesTheSameGraphEachTime()
    {
        // The tree and the workspace are reused per thread: nothing of one build may leak into the next.
        var paths = new CallPaths();
        var (_, big) = Aggregates(RandomStacks(5, 500), paths);
        var (_, small) = Aggregates(RandomStacks(6, 20), paths);
        var first = FlameGraphBuilder.Build(small, null, 30, _ => NoNames);
        FlameGraphBuilder.Build(big, null, 40, _ => NoNames);
        FlameGraphBuilder.Build(big, small, 100_000, _ => NoNames);
        AssertSameGraph(first, FlameGraphBuilder.Build(small, null, 30, _ => NoNames));
        // Built from frames after builds from leaves, and the other way round.
        var (smallFrames, _) = Aggregates(RandomStacks(6, 20), paths);
        AssertSameGraph(first, FlameGraphBuilder.Build(smallFrames, null, 30, _ => NoNames));
        AssertSameGraph(first, FlameGraphBuilder.Build(small, null, 30, _ => NoNames));
    }

    [Fact]
    public void CallPaths_SharedPrefixesAndRepeatedStacks_ReuseNodes()
    {
        var paths = new CallPaths();
        var a = paths.Intern(1, [10, 20, 30]);
        var b = paths.Intern(2, [10, 20, 40]);
        Assert.Equal(a, paths.Intern(1, [10, 20, 30]));
        Assert.Equal(a, paths.Intern(3, [10, 20, 30])); // another id, the same path
        Assert.Equal(0, paths.Intern(4, []));
        Assert.NotEqual(a, b);
        Assert.Equal(paths.Parent[a], paths.Parent[b]);
        Assert.Equal(5, paths.NodeCount); // root, 10, 20, 30, 40
        for (var node = 1; node < paths.NodeCount; node++)
        {
            Assert.True(paths.Parent[node] < node, "a node is numbered after its parent");
        }
        Assert.Equal(30UL, paths.FunctionIds[paths.Function[a]]);
    }

    [Fact]
    public async Task Aggregate_OverManyStacksInTwoFiles_FindsEveryStack_WithPrefetchesThatChangeNothing()
    {
        // 300 stacks in one flush, 300 more (and 100 of the first again) in a second: the reader's
        // lookups prefetch from whichever file the last stack came from, which often lacks the
        // next one.
        await using var store = await StoreFixture.StartAsync();
        (string, long)[] Stacks(int from, int count) =>
            [.. Enumerable.Range(from, count).Select(i => ($"main;handle{i % 7};work{i}", (long)(i + 1)))];
        await store.Writer.AppendAsync("default", Folded(BaseTime, "api", L("pod", "a"), Cpu, Stacks(0, 300)));
        await store.Writer.FlushAsync();
        await store.Writer.AppendAsync("default", Folded(BaseTime.AddMinutes(1), "api", L("pod", "a"), Cpu, [.. Stacks(300, 300), .. Stacks(0, 100)]));
        await store.Writer.FlushAsync();
        var files = store.Reader.FilesFor("default", BaseTime.AddHours(-1), BaseTime.AddHours(1));
        Assert.Equal(2, files.Stacks.Count);

        var aggregate = store.Reader.Aggregate(StoreFixture.Select("{service_name=\"api\"}"));

        Assert.Equal(600, aggregate.Count);
        var expected = Enumerable.Range(0, 600).ToDictionary(i => $"work{i}", i => (long)(i + 1) * (i < 100 ? 2 : 1));
        Assert.Equal(expected.Values.Sum(), aggregate.Total);
        var graph = FlameGraphBuilder.Build(aggregate, null, 100_000, _ => NoNames);
        Assert.Equal(1 + 1 + 7 + 600, graph.NodeCount); // total, main, handle0..6, work0..599

        // The prefetching loop itself: for stacks a file has and lacks (and one no file has), with
        // the trie the files have leaves for and with another, it finds what one lookup at a time finds.
        var cache = new SymbolCache(1 << 20);
        using var database = DuckDbDatabase.Open();
        using var connection = database.Connect();
        var tables = files.Stacks.Select(f => cache.Stacks(connection, f)).ToArray();
        var one = new StackAggregate();
        foreach (var id in aggregate.StackIds)
        {
            Assert.Single(tables, t => t.TryAddTo(one, id, 1, cache.Paths));
        }
        Assert.Equal(aggregate.StackIds.ToArray().Order(), one.StackIds.ToArray().Order());
        ulong[] ids = [.. aggregate.StackIds.ToArray(), 12345UL];
        var values = ids.Select(_ => 1L).ToArray();
        foreach (var paths in new[] { cache.Paths, new CallPaths() })
        {
            var all = new StackAggregate();
            var last = 1;
            StackTable.AddAll(all, tables, ids, values, paths, ref last);
            Assert.Equal(ids.Order(), all.StackIds.ToArray().Order());
            Assert.Equal(ids.Length, all.Total);
        }
    }

    [Fact]
    public async Task SymbolCache_PastItsCallPathLimit_StartsANewTrie_AndTablesInternAgain()
    {
        await using var store = await StoreFixture.StartAsync();
        await store.Writer.AppendAsync("default", Folded(BaseTime, "api", L("pod", "a"), Cpu,
            ("main;handle;json.Marshal", 40), ("main;handle;db.Query", 20), ("main;gc", 10), ("main;handle", 5)));
        await store.Writer.FlushAsync();
        var aggregate = store.Reader.Aggregate(StoreFixture.Select("{service_name=\"api\"}"));
        var file = store.Reader.FilesFor("default", BaseTime.AddHours(-1), BaseTime.AddHours(1)).Stacks.Single();

        var cache = new SymbolCache(1 << 20, maxPathNodes: 3);
        using var database = DuckDbDatabase.Open();
        using var connection = database.Connect();
        var table = cache.Stacks(connection, file);
        var first = cache.Paths;
        var before = new StackAggregate();
        for (var i = 0; i < aggregate.Count; i++)
        {
            Assert.True(table.TryAddTo(before, aggregate.StackIds[i], aggregate.Values[i], first));
        }
        Assert.True(first.NodeCount > 3);
        var second = cache.Paths;
        Assert.NotSame(first, second);
        Assert.Same(second, cache.Paths);
        var after = new StackAggregate();
        for (var i = 0; i < aggregate.Count; i++)
        {
            Assert.True(table.TryAddTo(after, aggregate.StackIds[i], aggregate.Values[i], second));
        }
        Assert.Same(second, after.Paths);
        Assert.Equal(first.NodeCount, second.NodeCount);
        var expected = FlameGraphBuilder.Build(aggregate, null, 100, _ => NoNames);
        AssertSameGraph(expected, FlameGraphBuilder.Build(before, null, 100, _ => NoNames));
        AssertSameGraph(expected, FlameGraphBuilder.Build(after, null, 100, _ => NoNames));
    }

    /// <summary>Values from 1 to 2^50: nodes spread over many weight buckets, ties rarer.</summary>
    private static long WideValue(Random random) => random.NextInt64(1, 1L << random.Next(1, 51));

    [Theory]
    [InlineData(7, 2)]
    [InlineData(7, 3)]
    [InlineData(7, 8)]
    [InlineData(7, 61)]
    [InlineData(8, 250)]
    [InlineData(8, 900)]
    [InlineData(9, 1_500)]
    public void NodeChoice_ByWeightBuckets_KeepsWhatTheHeapKeeps(int seed, int maxNodes)
    {
        // Values with many ties (so the boundary bucket holds many nodes of one weight, ordered by
        // depth and node), and values over 50 powers of two (so the rows cross the limit anywhere).
        foreach (var stacks in new[] { RandomStacks(seed, 600), RandomStacks(seed, 600, WideValue) })
        {
            var (_, leaves) = Aggregates(stacks, new CallPaths());
            var heap = FlameGraphBuilder.Build(leaves, null, maxNodes, _ => NoNames, FlameGraphBuilder.NodeChoice.Heap);
            var buckets = FlameGraphBuilder.Build(leaves, null, maxNodes, _ => NoNames);
            Assert.True(heap.FullNodeCount > maxNodes);
            Assert.True(buckets.NodeCount <= maxNodes);
            AssertSameGraph(heap, buckets);
        }
    }

    [Theory]
    [InlineData(10, 5)]
    [InlineData(11, 120)]
    [InlineData(12, 700)]
    public void NodeChoice_ByWeightBuckets_OnADiff_KeepsWhatTheHeapKeeps(int seed, int maxNodes)
    {
        // Each node weighs the larger of its two sides.
        var paths = new CallPaths();
        var (_, left) = Aggregates(RandomStacks(seed, 400), paths);
        var (_, right) = Aggregates(RandomStacks(seed + 100, 400, WideValue), paths);
        var heap = FlameGraphBuilder.Build(left, right, maxNodes, _ => NoNames, FlameGraphBuilder.NodeChoice.Heap);
        AssertSameGraph(heap, FlameGraphBuilder.Build(left, right, maxNodes, _ => NoNames));
    }

    [Fact]
    public void NodeChoice_WithANegativeValue_StillKeepsEveryKeptNodesParent()
    {
        // A child (b, 60) outweighs its parent (a: -100 + 60 = -40). A choice by sorted weights
        // would rank b before a; the nodes kept must still hang together, heaviest frontier first.
        var stacks = new StackAggregate();
        stacks.Add(1, -100, [1]);
        stacks.Add(2, 60, [1, 2]);
        stacks.Add(3, 10, [3]);
        var names = new Dictionary<ulong, string> { [1] = "a", [2] = "b", [3] = "c" };
        var graph = FlameGraphBuilder.Build(stacks, null, 3, _ => names);
        Assert.Equal(["total", "c", FlameGraph.OtherLabel], Enumerable.Range(0, graph.NodeCount).Select(graph.LabelOf));
        Assert.Equal([0, 1, 1], graph.Levels);
        Assert.Equal([-30L, 10, -40], graph.Values);
    }
}
