using System.Globalization;
using System.Text.Json;
using GrafanaProfiles.Backend.Data;
using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Backend.Settings;
using GrafanaProfiles.Backend.Sql;
using GrafanaProfiles.Collector.Hosting;
using GrafanaProfiles.Collector.Rules;
using GrafanaProfiles.Store.Partitions;
using GrafanaProfiles.Store.Write;
using GrafanaProfiles.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using static GrafanaProfiles.TestSupport.Batches;

namespace GrafanaProfiles.Backend.Tests.Sql;

/// <summary>
/// The SQL view <c>metrics</c> over the metrics files that the collector's own rule evaluator
/// recorded as the real store writer flushed the profiles: one row per (metric, series, step), the
/// rows of several flushes of a step summed, only the data source's tenant, the same columns with
/// and without files in the range, and the same numbers as the <c>recording_rule</c> query type.
/// </summary>
public sealed class SqlMetricsViewTests : IAsyncLifetime, IDisposable
{
    private static readonly DateTime T0 = BaseTime;

    private readonly TempDirectory _dir = new();

    private string DataDirectory => Path.Combine(_dir.Path, "data");

    /// <summary>
    /// Rules as a collector configuration holds them: CPU per service, and the self time of
    /// <c>parse</c> per service with an extra label.
    /// </summary>
    private const string Config = $$"""
        { "recording_rules": { "rules": [
            { "metric_name": "cpu_ns", "profile_type": "{{Cpu}}", "group_by": [ "service_name" ] },
            { "metric_name": "parse_self_ns", "profile_type": "{{Cpu}}", "group_by": [ "service_name" ],
              "function_name": "parse", "function_value": "self", "external_labels": { "source": "rules" } }
        ] } }
        """;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir.Path);
        var config = Path.Combine(_dir.Path, "collector.json");
        await File.WriteAllTextAsync(config, Config);
        var (settings, _) = CollectorHost.LoadSettings(config, new Dictionary<string, string?>());
        using var rules = new RuleEvaluator(settings.RecordingRules, null, NullLogger.Instance);
        var options = new StoreOptions { DataDirectory = DataDirectory, WriterId = "rules", FlushInterval = TimeSpan.FromHours(1), FlushObserver = rules };
        await using var writer = await ProfileWriter.OpenAsync(options);
        // Two flushes within the step starting at T0: the view sums their rows into one.
        await writer.AppendAsync("default", Folded(T0, "api", L("env", "prod"), Cpu, ("main;handle;parse", 100), ("main;handle;render", 200)));
        await writer.FlushAsync();
        await writer.AppendAsync("default", Folded(T0.AddSeconds(5), "api", L("env", "staging"), Cpu, ("main;handle;parse", 30)));
        await writer.AppendAsync("default", Folded(T0.AddSeconds(30), "worker", null, Cpu, ("main;work", 1000)));
        await writer.AppendAsync("other", Folded(T0, "secret", null, Cpu, ("main;parse", 42)));
        await writer.FlushAsync();
        Assert.True(rules.Failures == 0 && rules.PointsWritten > 0, $"The rules recorded {rules.PointsWritten} points, {rules.Failures} partitions failed.");
    }

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _dir.Dispose();

    private DataSourceInstance Instance(string tenant = "default") =>
        new("metrics-view", 1, new PluginSettings { DataDirectory = DataDirectory, Tenant = tenant });

    private static QueryResult Run(DataSourceInstance instance, string queryType, object query, DateTime? from = null) =>
        QueryTypes.Router().For(queryType)(new QueryContext("A", queryType, from ?? T0, (from ?? T0).AddHours(1), TimeSpan.FromSeconds(15), 1000,
            JsonSerializer.SerializeToElement(query), instance), CancellationToken.None);

    private static List<List<string>> Rows(QueryResult result)
    {
        Assert.True(result.Status == 200, $"{result.Status} {result.Source}: {result.Error}");
        var frame = Assert.Single(result.Frames);
        return [.. Enumerable.Range(0, frame.Fields[0].Length).Select(row => frame.Fields.Select(f => Text(f.Name, f.GetValue(row))).ToList())];
    }

    /// <summary>A cell as text; <c>time</c> (Unix nanoseconds in the frame) as the UTC time of day.</summary>
    private static string Text(string field, object? value) => value switch
    {
        null => "null",
        long ns when field == "time" => DateTime.UnixEpoch.AddTicks(ns / 100).ToString("HH:mm:ss", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    [Fact]
    public void Metrics_OneRowPerMetricSeriesAndStep_FlushesOfAStepSummed()
    {
        using var instance = Instance();
        var hour = new PartitionLayout(DataDirectory).HourDirectory("default", T0);
        Assert.Equal(2, PartitionLayout.VisibleFiles(hour)["metrics"].Count);

        var rows = Rows(Run(instance, "sql", new
        {
            rawSql = """
                SELECT time, metric_name, labels['service_name'] AS service, labels['source'] AS source, value, profiles, step
                FROM metrics WHERE $__timeFilter(time) ORDER BY metric_name, service, time
                """,
        }));

        Assert.Equal(
        [
            // api's two profiles of the step 10:00:00 came in two flushes (two metrics files).
            ["10:00:00", "cpu_ns", "api", "null", "330", "2", "15000000000"],
            ["10:00:30", "cpu_ns", "worker", "null", "1000", "1", "15000000000"],
            ["10:00:00", "parse_self_ns", "api", "rules", "130", "2", "15000000000"],
            // worker's profile matched the rule but never ran parse: a zero, as the rule records it.
            ["10:00:30", "parse_self_ns", "worker", "rules", "0", "1", "15000000000"],
        ], rows);
    }

    [Fact]
    public void Metrics_AnotherTenantsMetrics_AreNotVisible_AndItsOwnAre()
    {
        using var instance = Instance();
        using var other = Instance("other");
        const string Sql = "SELECT labels['service_name'] AS service, sum(value) AS total FROM metrics GROUP BY 1 ORDER BY 1";

        Assert.Equal([["api", "460"], ["worker", "1000"]], Rows(Run(instance, "sql", new { rawSql = Sql })));
        Assert.Equal([["secret", "84"]], Rows(Run(other, "sql", new { rawSql = Sql })));
        // Nor by naming the other tenant's metrics files.
        var otherFiles = Path.Combine(DataDirectory, "tenant=other");
        var refused = Run(instance, "sql", new { rawSql = $"SELECT * FROM read_parquet('{otherFiles}/*/metrics-*.parquet')" });
        Assert.Equal(400, refused.Status);
        Assert.Contains("disabled by configuration", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Metrics_AnotherTenantsMetricsFileLinkedIntoTheTenant_IsIgnored()
    {
        var layout = new PartitionLayout(DataDirectory);
        var theirs = PartitionLayout.VisibleFiles(layout.HourDirectory("other", T0))["metrics"];
        File.CreateSymbolicLink(Path.Combine(layout.HourDirectory("default", T0), "metrics-planted-000000000001.parquet"), theirs[0]);
        using var instance = Instance();

        var rows = Rows(Run(instance, "sql", new { rawSql = "SELECT DISTINCT labels['service_name'] AS service FROM metrics ORDER BY 1" }));

        Assert.Equal([["api"], ["worker"]], rows);
    }

    [Fact]
    public void Metrics_Columns_AreTheDocumentedOnes_WithAndWithoutFilesInTheRange()
    {
        using var instance = Instance();
        var documented = SqlSchema.Describe(instance).Tables.Single(t => t.Name == "metrics").Columns.Select(c => c.Name).ToList();
        Assert.Equal(["time", "metric_name", "labels", "value"], documented.Take(4));

        var all = Run(instance, "sql", new { rawSql = "SELECT * FROM metrics" });
        Assert.True(all.Status == 200, all.Error);
        Assert.Equal(documented, Assert.Single(all.Frames).Fields.Select(f => f.Name));
        // A range without metrics files (a view then, an empty table now) binds with the same columns.
        foreach (var from in new[] { T0, T0.AddDays(-3) })
        {
            const string Columns = "SELECT column_name FROM duckdb_columns() WHERE table_name = 'metrics' ORDER BY column_index";
            Assert.Equal(documented, Rows(Run(instance, "sql", new { rawSql = Columns }, from)).Select(r => r[0]));
            Assert.Equal(from == T0 ? "4" : "0", Rows(Run(instance, "sql", new { rawSql = "SELECT count(*) FROM metrics" }, from))[0][0]);
        }
    }

    [Fact]
    public void Metrics_TheReadmeExample_AnswersASeriesPerService()
    {
        using var instance = Instance();

        var result = Run(instance, "sql", new
        {
            format = "time_series",
            rawSql = """
                SELECT $__timeGroupAlias(time, '1m'), labels['service_name'] AS service, sum(value) AS cpu_ns
                FROM metrics
                WHERE $__timeFilter(time) AND metric_name = 'cpu_ns'
                GROUP BY 1, 2 ORDER BY 1
                """,
        });

        Assert.True(result.Status == 200, result.Error);
        var fields = result.Frames.SelectMany(f => f.Fields).Where(f => f.Name == "cpu_ns").ToList();
        var byService = fields.ToDictionary(f => f.Labels!["service"], f => Enumerable.Range(0, f.Length).Select(f.GetValue).OfType<object>()
            .Sum(v => Convert.ToInt64(v, CultureInfo.InvariantCulture)));
        Assert.Equal(new Dictionary<string, long> { ["api"] = 330, ["worker"] = 1000 }, byService);
    }

    [Fact]
    public void Metrics_SumsPerSeries_EqualTheRecordingRuleQueryType()
    {
        using var instance = Instance();

        foreach (var metric in new[] { "cpu_ns", "parse_self_ns" })
        {
            var viewed = Rows(Run(instance, "sql", new
            {
                rawSql = $"SELECT labels['service_name'] AS service, sum(value) AS total FROM metrics WHERE metric_name = '{metric}' GROUP BY 1 ORDER BY 1",
            }));
            var recorded = Run(instance, RecordedMetricQueries.Type, new { metricName = metric, groupBy = new[] { "service_name" } });

            Assert.True(recorded.Status == 200, recorded.Error);
            var fromQueryType = recorded.Frames.Select(f => f.Fields[1])
                .Select(v => new List<string>
                {
                    v.Labels!["service_name"],
                    Enumerable.Range(0, v.Length).Sum(i => Convert.ToDouble(v.GetValue(i), CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture),
                })
                .OrderBy(r => r[0], StringComparer.Ordinal);
            Assert.Equal(fromQueryType, viewed);
        }
    }
}
