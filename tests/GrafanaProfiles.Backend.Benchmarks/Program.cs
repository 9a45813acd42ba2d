using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using GrafanaProfiles.Backend.Benchmarks;
using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Schema.PluginV2;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;
using GrafanaProfiles.TestSupport;

// Plugin benchmark: each query through the real plugin process (QueryData over gRPC on its Unix
// socket: JSON, store query, frames, Arrow, protobuf, HTTP/2) against the store call alone in this
// process, paired run by run; plus the frame encoding alone (--frames-only: that alone, without the
// plugin process). See docs/benchmarks.md.
// --startup: the plugin's start-up (handshake, first answers, RSS) instead; see Startup.cs.
// --long-ranges: 1 h to 30 d flame graphs and series over 30 days of data, with rollups and raw only; see LongRanges.cs.
var runs = 15;
var pods = 4;
var unpaired = false;
var framesOnly = false;
var startup = false;
var longRanges = false;
var days = 30;
string? data = null;
string? baseline = null;
string? pluginPath = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--pods": pods = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--unpaired": unpaired = true; break;
        case "--frames-only": framesOnly = true; break;
        case "--startup": startup = true; break;
        case "--long-ranges": longRanges = true; break;
        case "--days": days = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--data": data = args[++i]; break;
        case "--baseline": baseline = args[++i]; break;
        case "--plugin": pluginPath = args[++i]; break;
        default:
            Console.Error.WriteLine("usage: GrafanaProfiles.Backend.Benchmarks [--runs N] [--pods N] [--unpaired] [--frames-only] | --startup [--runs N] [--plugin PLUGIN_EXECUTABLE] [--baseline PLUGIN_EXECUTABLE] | --long-ranges [--runs N] [--days N] [--data DIRECTORY]");
            return 2;
    }
}
if (startup)
{
    return await Startup.RunAsync(runs, pluginPath, baseline);
}
if (longRanges)
{
    return await LongRanges.RunAsync(runs == 15 ? 5 : runs, days, data);
}

var day = new DateTime(2026, 11, 21, 0, 0, 0, DateTimeKind.Utc);
using var store = new TestStore();
var generate = Stopwatch.StartNew();
var rows = await Dataset.WriteAsync(store, day, pods);
Console.WriteLine($"dataset: {rows:N0} rows, 24 h of 'checkout' on {pods} pods (one profile per pod per minute), written in {generate.Elapsed.TotalSeconds:F1} s; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");

using var reader = new ProfileReader(store.DataDirectory);
var hourFrom = day.AddHours(12);
var selector = LabelSelector.Parse("{service_name=\"checkout\"}");
var hourSelection = new ProfileSelection("default", hourFrom, hourFrom.AddHours(1), Dataset.Cpu, selector);
var daySelection = hourSelection.WithRange(day, day.AddDays(1));

// Frame encoding alone: the flame graph frame of 24 h, and a synthetic one of 100k rows, to an Arrow file.
IReadOnlyList<string> FrameRows()
{
    var graph = reader.FlameGraph(daySelection);
    var storeOnly = Median(3, runs, () => reader.FlameGraph(daySelection));
    return FrameEncoding.Rows(runs, graph, storeOnly);
}

if (framesOnly)
{
    Console.WriteLine();
    Console.WriteLine("| frame | encoding | store call | ratio | what |");
    Console.WriteLine("| --- | --- | --- | --- | --- |");
    foreach (var line in FrameRows())
    {
        Console.WriteLine(line);
    }
    Console.WriteLine($"\nmedians of {runs} runs after 3 warm-ups; load average at end {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
    return 0;
}

await using var plugin = await PluginProcess.StartAsync();
using var bare = DuckDbDatabase.Open(settings: new Dictionary<string, string>
{
    ["threads"] = reader.Options.Threads.ToString(CultureInfo.InvariantCulture),
    ["memory_limit"] = reader.Options.MemoryLimit,
});
using var connection = bare.Connect();
var context = new PluginContext
{
    PluginId = "grafana-profiles-datasource",
    DataSourceInstanceSettings = new DataSourceInstanceSettings
    {
        Uid = "bench",
        JsonData = ByteString.CopyFromUtf8(JsonSerializer.Serialize(new { dataDirectory = store.DataDirectory })),
        LastUpdatedMS = 1,
    },
};
var results = new List<(string Name, double Plugin, double Store, string Note)>();

void Measure(string name, string queryType, object json, DateTime from, DateTime to, long intervalMs, Action storeCall, string note)
{
    var request = QueryDataCalls.Request(context, queryType, json, from, to, intervalMs);
    long frameBytes = 0;
    void ViaPlugin() => frameBytes = QueryDataCalls.Frames(plugin, request, name).Sum(f => (long)f.Length);
    // Paired (alternating run by run) by default; --unpaired times all plugin runs, then all store runs,
    // so neither process's DuckDB runs right after the other's.
    var (pluginTime, storeTime) = unpaired ? (Median(3, runs, ViaPlugin), Median(3, runs, storeCall)) : Paired(3, runs, ViaPlugin, storeCall);
    results.Add((name, pluginTime, storeTime, $"{note}; {frameBytes / 1024.0:N0} KiB of frames"));
}

Measure("flame graph 1 h", "profile", new { labelSelector = "{service_name=\"checkout\"}", profileTypeId = Dataset.Cpu }, hourFrom, hourFrom.AddHours(1), 2_000,
    () => reader.FlameGraph(hourSelection), "store: ProfileReader.FlameGraph");
Measure("flame graph 24 h", "profile", new { labelSelector = "{service_name=\"checkout\"}", profileTypeId = Dataset.Cpu }, day, day.AddDays(1), 60_000,
    () => reader.FlameGraph(daySelection), "store: ProfileReader.FlameGraph");
Measure("flame graph 24 h, 16 nodes", "profile", new { labelSelector = "{service_name=\"checkout\"}", profileTypeId = Dataset.Cpu, maxNodes = 16 }, day, day.AddDays(1), 60_000,
    () => reader.FlameGraph(daySelection, 16), "store: ProfileReader.FlameGraph(16)");
Measure("series 24 h by pod, 1 min", "metrics", new { labelSelector = "{service_name=\"checkout\"}", profileTypeId = Dataset.Cpu, groupBy = new[] { "pod" } }, day, day.AddDays(1), 60_000,
    () => reader.Series(daySelection, TimeSpan.FromMinutes(1), ["pod"]), "store: ProfileReader.Series");
var sql = "SELECT labels['pod'] AS pod, sum(value) AS total FROM samples WHERE $__timeFilter(time) AND service_name = 'checkout' GROUP BY 1 ORDER BY 2 DESC";
var dayFilesForSql = reader.FilesFor("default", day, day.AddDays(1));
string FileList(IEnumerable<string> paths) => "[" + string.Join(", ", paths.Select(f => "'" + f + "'")) + "]";
var dayFilter = $"time >= TIMESTAMP '{day:yyyy-MM-dd HH:mm:ss}' AND time < TIMESTAMP '{day.AddDays(1):yyyy-MM-dd HH:mm:ss}'";
// Labels are stored once per series (series files): a plain DuckDB joins them, as the plugin's samples view does.
var bareSql = $"SELECT r.labels['pod'] AS pod, sum(value) AS total FROM read_parquet({FileList(dayFilesForSql.Samples)}) s " +
              $"JOIN (SELECT DISTINCT series_id, labels FROM read_parquet({FileList(dayFilesForSql.Series)})) r USING (series_id) " +
              $"WHERE {dayFilter} AND service_name = 'checkout' GROUP BY 1 ORDER BY 2 DESC";
Measure("SQL 24 h group by pod", "sql", new { rawSql = sql, format = "table" }, day, day.AddDays(1), 60_000,
    () => { using var result = connection.Query(bareSql); }, "baseline: the same SQL on a plain DuckDB over the same files");
// A query that never touches labels: what the samples view's join with the series costs when unused.
var noLabelsSql = "SELECT profile_type, sum(value) AS total FROM samples WHERE $__timeFilter(time) AND service_name = 'checkout' GROUP BY 1";
var bareNoLabels = $"SELECT profile_type, sum(value) AS total FROM read_parquet({FileList(dayFilesForSql.Samples)}) " +
                   $"WHERE {dayFilter} AND service_name = 'checkout' GROUP BY 1";
Measure("SQL 24 h sum by type (no labels)", "sql", new { rawSql = noLabelsSql, format = "table" }, day, day.AddDays(1), 60_000,
    () => { using var result = connection.Query(bareNoLabels); }, "baseline: the same SQL on a plain DuckDB over the samples files");

// The plugin's own view of its query times (CollectMetrics), to separate in-plugin time from the round trip.
var metricsText = plugin.Client.CallAsync("/pluginv2.Diagnostics/CollectMetrics", new CollectMetricsRequest { PluginContext = context }, CollectMetricsResponse.Parser)
    .GetAwaiter().GetResult().Single.Metrics.Prometheus.ToStringUtf8();
foreach (var type in new[] { "profile", "metrics", "sql" })
{
    double Sample(string name) => double.Parse(metricsText.Split('\n').First(l => l.StartsWith($"grafana_profiles_plugin_query_duration_seconds_{name}{{type=\"{type}\"}}", StringComparison.Ordinal)).Split(' ')[1], CultureInfo.InvariantCulture);
    Console.WriteLine($"plugin-side mean {type} query: {Sample("sum") / Sample("count") * 1000:F1} ms over {Sample("count"):N0} queries");
}

// Fixed costs: a round trip that finds no data, and the SQL sandbox's set-up (a query that reads nothing).
Measure("round trip, empty range", "profile", new { labelSelector = "{service_name=\"checkout\"}" }, day.AddDays(-2), day.AddDays(-2).AddHours(1), 2_000,
    () => reader.FlameGraph(daySelection.WithRange(day.AddDays(-2), day.AddDays(-2).AddHours(1))), "store: the same empty flame graph");
Measure("SQL sandbox set-up, 24 h of files", "sql", new { rawSql = "SELECT 1 AS one", format = "table" }, day, day.AddDays(1), 60_000,
    () => { using var result = connection.Query("SELECT 1 AS one"); }, "baseline: SELECT 1 on an open DuckDB");

// Where the sandbox's set-up goes: opening a DuckDB, and creating the views over 24 h of files.
var instance = new GrafanaProfiles.Backend.Settings.DataSourceInstance("bench", 1,
    GrafanaProfiles.Backend.Settings.PluginSettings.Parse(System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { dataDirectory = store.DataDirectory }))));
var dayFiles = reader.FilesFor("default", day, day.AddDays(1));
var queryJson = JsonDocument.Parse(JsonSerializer.Serialize(new { labelSelector = "{service_name=\"checkout\"}", profileTypeId = Dataset.Cpu })).RootElement;
var inProcess = new QueryContext("A", "profile", day, day.AddDays(1), TimeSpan.FromMinutes(1), 1500, queryJson, instance);
var (handler, storeAlone) = Paired(3, runs, () => ProfileQueries.Run(inProcess, CancellationToken.None), () => reader.FlameGraph(daySelection));
Console.WriteLine($"flame graph 24 h in this process: query handler with frames {handler:F1} ms, store call {storeAlone:F1} ms ({handler / storeAlone:F2}×)");
var open = Median(2, runs, () => { using var sandbox = GrafanaProfiles.Backend.Sql.SqlSandbox.Create(instance); });
var withViews = Median(2, runs, () => { using var sandbox = GrafanaProfiles.Backend.Sql.SqlSandbox.Create(instance); sandbox.CreateViews(dayFiles); });
var selectOne = new QueryContext("A", "sql", day, day.AddDays(1), TimeSpan.FromMinutes(1), 1500,
    JsonDocument.Parse("{\"rawSql\":\"SELECT 1 AS one\",\"format\":\"table\"}").RootElement, instance);
var sqlInProcess = Median(2, runs, () => GrafanaProfiles.Backend.Sql.SqlQuery.Run(selectOne, CancellationToken.None));
Console.WriteLine($"sql SELECT 1 over 24 h in this process (SqlQuery.Run): {sqlInProcess:F1} ms");
Console.WriteLine($"sandbox: open {open:F1} ms, open + views over {dayFiles.Samples.Count + dayFiles.Stacks.Count + dayFiles.Functions.Count} files {withViews:F1} ms");

var frameRows = FrameRows();

Console.WriteLine();
Console.WriteLine("| query | through the plugin (gRPC) | store call alone | ratio | note |");
Console.WriteLine("| --- | --- | --- | --- | --- |");
foreach (var (name, p, s, note) in results)
{
    Console.WriteLine($"| {name} | {p:F1} ms | {s:F1} ms | {p / s:F2}× | {note} |");
}
foreach (var line in frameRows)
{
    Console.WriteLine(line);
}
Console.WriteLine($"\nmedians of {runs} {(unpaired ? "unpaired" : "paired")} runs after 3 warm-ups; load average at end {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
await plugin.StopLikeGrafanaAsync();
return 0;

// The store benchmark's timing (tests/GrafanaProfiles.Benchmarks/Measurement/Timing.cs), in milliseconds.
static (double A, double B) Paired(int warmups, int runs, Action a, Action b)
{
    var (ta, tb) = Timing.Paired(warmups, runs, a, b);
    return (ta.TotalMilliseconds, tb.TotalMilliseconds);
}

static double Median(int warmups, int runs, Action a) => Timing.Median(warmups, runs, a).TotalMilliseconds;

/// <summary>
/// A day of one service: a call graph of 600 functions, 3,000 distinct stacks (depth 8–40, shared
/// prefixes) with Zipf popularity, about 250 stacks per profile, one CPU profile per pod per minute.
/// Deterministic (seeded).
/// </summary>
internal static class Dataset
{
    public const string Cpu = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";

    public static async Task<long> WriteAsync(TestStore store, DateTime day, int pods)
    {
        var random = new Random(42);
        var functions = Enumerable.Range(0, 600).Select(i => new FunctionInfo(
            i < 40 ? $"runtime.func{i}" : $"github.com/acme/checkout/internal/pkg{i % 23}.(*Service).Method{i}",
            $"sym{i}", $"/src/pkg{i % 23}/file{i % 71}.go", i)).ToArray();
        var stacks = new List<int[]>();
        for (int s = 0; s < 3_000; s++)
        {
            var parent = s > 0 && random.NextDouble() < 0.8 ? stacks[random.Next(stacks.Count)] : [0, 1, 2];
            var keep = Math.Min(parent.Length, 4 + random.Next(Math.Max(1, parent.Length - 3)));
            var depth = Math.Clamp(keep + 1 + random.Next(8), 8, 40);
            var frames = parent.Take(keep).ToList();
            while (frames.Count < depth)
            {
                frames.Add(random.Next(functions.Length));
            }
            stacks.Add([.. frames]);
        }
        var weights = Enumerable.Range(1, stacks.Count).Select(r => 1.0 / Math.Pow(r, 1.1)).ToArray();
        var cumulative = new double[weights.Length];
        double sum = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            sum += weights[i];
            cumulative[i] = sum;
        }
        long rows = 0;
        var batches = new List<ProfileBatch>();
        for (int minute = 0; minute < 24 * 60; minute++)
        {
            var batch = new ProfileBatch();
            var ids = new Dictionary<int, ulong>();
            for (int pod = 0; pod < pods; pod++)
            {
                var labels = LabelSet.From(new Dictionary<string, string> { ["pod"] = $"checkout-{pod}", ["namespace"] = "shop" });
                var time = day.AddMinutes(minute).AddSeconds(pod);
                var profile = new SeriesProfile((time - DateTime.UnixEpoch).Ticks * 100, 60_000_000_000, "checkout", Cpu, labels);
                var counts = new Dictionary<int, long>();
                for (int draw = 0; draw < 600; draw++)
                {
                    var s = Array.BinarySearch(cumulative, random.NextDouble() * sum);
                    s = s < 0 ? ~s : s;
                    counts[Math.Min(s, stacks.Count - 1)] = counts.GetValueOrDefault(Math.Min(s, stacks.Count - 1)) + 10_000_000;
                }
                foreach (var (s, value) in counts)
                {
                    if (!ids.TryGetValue(s, out var id))
                    {
                        id = batch.AddStack([.. stacks[s].Select(f => batch.AddFunction(functions[f]))]);
                        ids[s] = id;
                    }
                    profile.Samples.Add(new SampleRow(id, value, 0));
                }
                rows += profile.Samples.Count;
                batch.Profiles.Add(profile);
            }
            batches.Add(batch);
        }
        await store.WriteAsync("default", [.. batches]);
        return rows;
    }
}
