using GrafanaProfiles.Benchmarks.Dataset;
using GrafanaProfiles.Benchmarks.Ingest;
using GrafanaProfiles.Benchmarks.Measurement;
using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.FlameGraphs;
using GrafanaProfiles.Store.Query.Selectors;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Benchmarks.Query;

/// <summary>
/// Flame graph, top table and series queries of the measured service against the bare DuckDB
/// aggregate over the same samples files with the same filter and the same DuckDB settings.
/// </summary>
internal sealed class QueryBenchmark(DateTime day, string measuredService, Report report, int warmups, int runs)
{
    public const string CpuType = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";

    /// <summary>Queries of each kind run before any is measured, so that the measured runs see the code a long-running plugin runs.</summary>
    public const int JitWarmUpQueries = 40;

    public void Run(string directory)
    {
        using var reader = new ProfileReader(directory);
        using var bare = DuckDbDatabase.Open(settings: new Dictionary<string, string>
        {
            ["threads"] = reader.Options.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["memory_limit"] = reader.Options.MemoryLimit,
        });
        using var connection = bare.Connect();
        var whole = new ProfileSelection(IngestBenchmark.Tenant, day, day.AddDays(1), CpuType,
            LabelSelector.Parse($"{{service_name=\"{measuredService}\"}}"));
        var queryHour = DatasetGenerator.QueryHour(day);
        var hour = whole.WithRange(queryHour, queryHour.AddHours(1));
        ColdQuery(directory, whole);
        WarmUpCompiledCode(reader, hour, whole);
        foreach (var (name, selection) in new[] { ("1 h", hour), ("24 h", whole) })
        {
            var graph = reader.FlameGraph(selection);
            var rows = 0L;
            var (ours, baseline) = Timing.Paired(warmups, runs, () => reader.FlameGraph(selection), () => rows = BareAggregate(connection, reader, selection));
            report.Add("Query", $"Flame graph {name} ({rows:N0} stacks, {graph.FullNodeCount:N0} tree nodes → {graph.NodeCount:N0})", Timing.Ms(ours),
                $"{Timing.Ms(baseline)} (bare GROUP BY stack_id)", ours / baseline);
            report.Verdict($"Flame graph {name} ≤ 1.3× bare aggregate", ours / baseline, 1.3, $"median of {runs}: {Timing.Ms(ours)} vs {Timing.Ms(baseline)}");
            var (oursCpu, baselineCpu) = Timing.PairedCpu(warmups, runs, () => reader.FlameGraph(selection), () => BareAggregate(connection, reader, selection));
            report.Add("Query", $"  {name}: process CPU time per query (all threads)", Timing.Ms(oursCpu), $"{Timing.Ms(baselineCpu)} (bare GROUP BY stack_id)", oursCpu / baselineCpu);
            Breakdown(name, reader, connection, selection, baseline);
        }
        var top = Timing.Median(warmups, runs, () => reader.Top(whole));
        report.Add("Query", "Top table 24 h", Timing.Ms(top));
        var series = Timing.Median(warmups, runs, () => reader.Series(whole, TimeSpan.FromMinutes(1), ["pod"]));
        var points = reader.Series(whole, TimeSpan.FromMinutes(1), ["pod"]).Sum(s => s.Values.Count);
        report.Add("Query", $"Series 24 h, 1 min step, by pod ({points:N0} points)", Timing.Ms(series));
    }

    /// <summary>The first query of a new reader: nothing of the files is cached yet (operating system page cache aside).</summary>
    private void ColdQuery(string directory, ProfileSelection selection)
    {
        using var fresh = new ProfileReader(directory);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        fresh.FlameGraph(selection);
        report.Add("Query", "Flame graph 24 h, first query of a new reader (symbol tables loaded)", Timing.Ms(watch.Elapsed));
    }

    /// <summary>Where the flame graph's time goes: DuckDB's aggregate and stacks join, the C# tree, names.</summary>
    private void Breakdown(string name, ProfileReader reader, DuckDbConnection connection, ProfileSelection selection, TimeSpan bareTime)
    {
        var aggregate = reader.Aggregate(selection);
        var (withStacks, bare) = Timing.Paired(warmups, runs, () => reader.Aggregate(selection), () => BareAggregate(connection, reader, selection));
        var names = new Dictionary<ulong, string>();
        var tree = Timing.Median(warmups, runs, () => FlameGraphBuilder.Build(aggregate, null, reader.Options.DefaultMaxNodes, _ => names));
        report.Add("Query", $"  {name}: aggregate with frames (ProfileReader.Aggregate)", Timing.Ms(withStacks), Timing.Ms(bare), withStacks / bare);
        report.Add("Query", $"  {name}: C# tree build + node choice + emit (names excluded)", Timing.Ms(tree));
        // The node choice before change 35 (a priority queue over the kept nodes' children), on the same tree.
        var (buckets, heap) = Timing.Paired(warmups, runs,
            () => FlameGraphBuilder.Build(aggregate, null, reader.Options.DefaultMaxNodes, _ => names),
            () => FlameGraphBuilder.Build(aggregate, null, reader.Options.DefaultMaxNodes, _ => names, FlameGraphBuilder.NodeChoice.Heap));
        report.Add("Query", $"  {name}: the same, nodes chosen by weight buckets vs by a heap", Timing.Ms(buckets), Timing.Ms(heap), buckets / heap);
        // The same bare SQL on the reader's own database and pooled connection: separates what the
        // database instance costs from what the reader's query path costs.
        var (readerBare, bareAgain) = Timing.Paired(warmups, runs,
            () => reader.WithConnection(c => BareAggregate(c, reader, selection), CancellationToken.None),
            () => BareAggregate(connection, reader, selection));
        report.Add("Query", $"  {name}: bare GROUP BY on the reader's database", Timing.Ms(readerBare), Timing.Ms(bareAgain), readerBare / bareAgain);
        // Inside one FlameGraph query, as ProfileReader.FlameGraph runs it: the aggregate, then the
        // tree with names right after it (on caches DuckDB's scan has just used).
        var phases = new List<(TimeSpan Aggregate, TimeSpan Tree, TimeSpan Whole)>();
        for (var i = 0; i < warmups + runs; i++)
        {
            var whole = System.Diagnostics.Stopwatch.StartNew();
            var (a, t) = reader.Run(selection.Tenant, selection.From, selection.To, (c, files) =>
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                var agg = reader.AggregateStacks(c, files, selection);
                var afterAggregate = watch.Elapsed;
                FlameGraphBuilder.Build(agg, null, reader.Options.DefaultMaxNodes, ids => reader.ResolveNames(c, files, ids));
                return (afterAggregate, watch.Elapsed - afterAggregate);
            }, CancellationToken.None);
            if (i >= warmups)
            {
                phases.Add((a, t, whole.Elapsed));
            }
        }
        var listing = Timing.Median(warmups, runs * 5, () => reader.FilesFor(selection.Tenant, selection.From, selection.To));
        report.Add("Query", $"  {name}: file listing (ProfileReader.FilesFor)", Timing.Ms(listing));
        report.Add("Query", $"  {name}: inside one flame graph query: aggregate / tree and names / whole (medians)",
            $"{Timing.Ms(Timing.Median(phases.Select(p => p.Aggregate).ToList()))} / {Timing.Ms(Timing.Median(phases.Select(p => p.Tree).ToList()))} / " +
            Timing.Ms(Timing.Median(phases.Select(p => p.Whole).ToList())));
    }

    private static long BareAggregate(DuckDbConnection connection, ProfileReader reader, ProfileSelection selection)
    {
        var files = reader.FilesFor(selection.Tenant, selection.From, selection.To);
        var parameters = new SqlParameters();
        var filter = ProfileReader.SampleFilter(selection, parameters, files);
        var sql = $"SELECT {SamplesTable.StackId}, sum({SamplesTable.Value}) FROM {files.SamplesSource(parameters)} WHERE {filter} GROUP BY {SamplesTable.StackId}";
        using var statement = connection.Prepare(sql);
        parameters.BindTo(statement);
        using var result = statement.Execute();
        long rows = 0;
        foreach (var chunk in result.Chunks())
        {
            rows += chunk.RowCount;
        }
        return rows;
    }

    /// <summary>
    /// The .NET runtime compiles a method first without optimizations and recompiles it optimized
    /// after about 30 calls (tiered compilation), so the C# part of the first few dozen queries of a
    /// process runs slower code than every later one; DuckDB's native code has no such phase. With
    /// only the measurement's own two warm-ups, the 1 h flame graph's tree build, node choice and
    /// emit measured 2.8–3.6 ms, against 1.7–1.8 ms with every method optimized from its first call
    /// (<c>DOTNET_TieredCompilation=0</c>, same store, docs/benchmarks.md, change 20). The cold cost is
    /// reported by the "first query of a new reader" line, measured before this.
    /// </summary>
    private static void WarmUpCompiledCode(ProfileReader reader, ProfileSelection hour, ProfileSelection whole)
    {
        for (var i = 0; i < JitWarmUpQueries; i++)
        {
            reader.FlameGraph(hour);
            reader.FlameGraphAndTop(whole, 16);
        }
        // Tier-1 code is compiled on a background thread once methods reach their call count.
        Thread.Sleep(500);
    }
}
