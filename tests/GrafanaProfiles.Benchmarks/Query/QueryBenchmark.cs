using GrafanaProfiles.Benchmarks.Dataset;
using GrafanaProfiles.Benchmarks.Ingest;
using GrafanaProfiles.Benchmarks.Measurement;
using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.FlameGraphs;
using GrafanaProfiles.Store.Query.Selectors;

namespace GrafanaProfiles.Benchmarks.Query;

/// <summary>
/// Flame graph, top table and series queries of the measured service against the bare DuckDB
/// aggregate over the same samples files with the same filter and the same DuckDB settings.
/// </summary>
internal sealed class QueryBenchmark(GeneratedDataset data, Report report, int warmups, int runs)
{
    public const string CpuType = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";

    public void Run(string directory)
    {
        using var reader = new ProfileReader(directory);
        using var bare = DuckDbDatabase.Open(settings: new Dictionary<string, string>
        {
            ["threads"] = reader.Options.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["memory_limit"] = reader.Options.MemoryLimit,
        });
        using var connection = bare.Connect();
        var day = new ProfileSelection(IngestBenchmark.Tenant, data.Day, data.Day.AddDays(1), CpuType,
            LabelSelector.Parse($"{{service_name=\"{data.MeasuredService}\"}}"));
        var hour = day.WithRange(data.QueryHour, data.QueryHour.AddHours(1));
        foreach (var (name, selection) in new[] { ("1 h", hour), ("24 h", day) })
        {
            var graph = reader.FlameGraph(selection);
            var ours = Timing.Median(warmups, runs, () => reader.FlameGraph(selection));
            var rows = 0L;
            var baseline = Timing.Median(warmups, runs, () => rows = BareAggregate(connection, reader, selection));
            report.Add("Query", $"Flame graph {name} ({rows:N0} stacks, {graph.FullNodeCount:N0} tree nodes → {graph.NodeCount:N0})", Timing.Ms(ours),
                $"{Timing.Ms(baseline)} (bare GROUP BY stack_id)", ours / baseline);
            report.Verdict($"Flame graph {name} ≤ 1.3× bare aggregate", ours / baseline, 1.3, $"median of {runs}: {Timing.Ms(ours)} vs {Timing.Ms(baseline)}");
            if (name == "24 h")
            {
                Breakdown(reader, connection, selection, ours, baseline);
            }
        }
        var top = Timing.Median(warmups, runs, () => reader.Top(day));
        report.Add("Query", "Top table 24 h", Timing.Ms(top));
        var series = Timing.Median(warmups, runs, () => reader.Series(day, TimeSpan.FromMinutes(1), ["pod"]));
        var points = reader.Series(day, TimeSpan.FromMinutes(1), ["pod"]).Sum(s => s.Values.Count);
        report.Add("Query", $"Series 24 h, 1 min step, by pod ({points:N0} points)", Timing.Ms(series));
    }

    /// <summary>Where the flame graph's time goes: DuckDB's aggregate and stacks join, the C# tree, names.</summary>
    private void Breakdown(ProfileReader reader, DuckDbConnection connection, ProfileSelection selection, TimeSpan total, TimeSpan bareTime)
    {
        var aggregate = reader.Aggregate(selection);
        var withStacks = Timing.Median(warmups, runs, () => reader.Aggregate(selection));
        var names = new Dictionary<ulong, string>();
        var tree = Timing.Median(warmups, runs, () => FlameGraphBuilder.Build(aggregate, null, reader.Options.DefaultMaxNodes, _ => names));
        report.Add("Query", "  24 h: DuckDB aggregate + stacks join (ProfileReader.Aggregate)", Timing.Ms(withStacks), Timing.Ms(bareTime), withStacks / bareTime);
        report.Add("Query", "  24 h: C# tree build + node choice + emit (names excluded)", Timing.Ms(tree));
        report.Add("Query", "  24 h: rest (name resolution, file listing)", Timing.Ms(total - withStacks - tree));
        _ = connection;
    }

    private static long BareAggregate(DuckDbConnection connection, ProfileReader reader, ProfileSelection selection)
    {
        var files = reader.FilesFor(selection.Tenant, selection.From, selection.To);
        var parameters = new SqlParameters();
        var filter = ProfileReader.SampleFilter(selection, parameters);
        var sql = $"SELECT {SamplesTable.StackId}, sum({SamplesTable.Value}) FROM read_parquet({parameters.Add(files.Samples)}) WHERE {filter} GROUP BY {SamplesTable.StackId}";
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
}
