using System.Diagnostics;
using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Maintenance;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Partitions;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;
using GrafanaProfiles.Store.Read.Tests.Support;
using GrafanaProfiles.Store.Write;
using static GrafanaProfiles.TestSupport.Batches;

namespace GrafanaProfiles.Store.Read.Tests.WriteThenRead;

/// <summary>
/// The flush's observer hook and the <c>metrics</c> files it writes: committed with the profiles,
/// re-evaluated exactly for what the log replays, merged by compaction, read back by the reader.
/// </summary>
public sealed class RecordedMetricsTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Records each window's total per (service_name, pod) and 10-second step, as metric
    /// <c>window_total</c> with the profile type of the window.
    /// </summary>
    private sealed class WindowTotals(Func<FlushedPartition, bool>? fail = null) : IFlushObserver
    {
        public List<FlushedMetrics> Committed { get; } = [];

        public int Partitions { get; private set; }

        public IReadOnlyList<MetricPoint> PartitionFlushing(FlushedPartition partition)
        {
            Partitions++;
            if (fail?.Invoke(partition) == true)
            {
                throw new InvalidOperationException("observer failure for the test");
            }
            var sums = new Dictionary<(LabelSet Labels, string Type, DateTime Step), (long Value, long Profiles)>();
            for (var w = 0; w < partition.WindowCount; w++)
            {
                var window = partition.Window(w);
                var key = partition.Series[window.SeriesIndex];
                long total = 0;
                for (var r = window.FirstRow; r < window.FirstRow + window.RowCount; r++)
                {
                    total += partition.Row(r).Value;
                }
                var labels = LabelSet.From(new Dictionary<string, string> { ["service_name"] = key.ServiceName, ["pod"] = key.Labels.Get("pod") ?? "" });
                var step = new DateTime(window.Time.Ticks - (window.Time.Ticks % Step.Ticks), DateTimeKind.Utc);
                sums.TryGetValue((labels, key.ProfileType, step), out var sum);
                sums[(labels, key.ProfileType, step)] = (sum.Value + total, sum.Profiles + 1);
            }
            return [.. sums.Select(p => new MetricPoint("window_total", p.Key.Type, p.Key.Labels, p.Key.Step, Step, p.Value.Value, p.Value.Profiles))];
        }

        public void FlushCommitted(IReadOnlyList<FlushedMetrics> metrics) => Committed.AddRange(metrics);
    }

    private static string Hour(StoreFixture store) => Path.Combine(store.DataDirectory, "tenant=default", "hour=2026-11-22T10");

    private static RecordedSeriesQuery Query(string metric = "window_total") =>
        new("default", BaseTime.AddHours(-1), BaseTime.AddHours(2), metric);

    [Fact]
    public async Task Flush_WithObserver_WritesTheMetricsFileInTheSameCommitAsTheSamples()
    {
        var observer = new WindowTotals();
        await using var store = await StoreFixture.StartAsync(o => o with { FlushObserver = observer });
        await store.Writer.AppendAsync("default", Folded(BaseTime, "api", L("pod", "a"), Cpu, ("main;work", 30), ("main;idle", 12)));
        await store.Writer.AppendAsync("default", Folded(BaseTime.AddSeconds(5), "api", L("pod", "a"), Cpu, ("main;work", 8)));
        await store.Writer.AppendAsync("default", Folded(BaseTime.AddSeconds(12), "api", L("pod", "b"), Cpu, ("main;work", 100)));
        await store.Writer.FlushAsync();

        var names = Directory.GetFiles(Hour(store)).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var samples = Assert.Single(names, n => n!.StartsWith("samples-", StringComparison.Ordinal))!;
        // The same writer and file sequence: one flush, one commit.
        Assert.Contains("metrics-" + samples["samples-".Length..], names);
        Assert.DoesNotContain(names, n => n!.StartsWith(PartitionLayout.TempName(""), StringComparison.Ordinal));

        var committed = Assert.Single(observer.Committed);
        Assert.Equal(("default", BaseTime), (committed.Tenant, committed.Hour));
        Assert.Equal(2, committed.Points.Count);

        var series = store.Reader.RecordedSeries(Query(), Step);
        Assert.Equal(2, series.Count);
        Assert.Equal(LabelSet.From(L("pod", "a", "service_name", "api")), series[0].Labels);
        Assert.Equal([BaseTime], series[0].Times);
        Assert.Equal([50.0], series[0].Values);
        Assert.Equal([BaseTime.AddSeconds(10)], series[1].Times);
        Assert.Equal([100.0], series[1].Values);

        var average = store.Reader.RecordedSeries(Query() with { Aggregation = SeriesAggregation.Average }, Step);
        Assert.Equal([25.0], average[0].Values);
    }

    [Fact]
    public async Task Flush_ObserverThrows_StillWritesTheProfiles_WithoutMetrics()
    {
        var observer = new WindowTotals(fail: _ => true);
        await using var store = await StoreFixture.StartAsync(o => o with { FlushObserver = observer });
        await store.Writer.AppendAsync("default", Folded(BaseTime, "api", L("pod", "a"), Cpu, ("main;work", 30)));
        await store.Writer.FlushAsync();

        Assert.Equal(1, observer.Partitions);
        Assert.Equal(30, store.Reader.Top(StoreFixture.Select()).Total);
        Assert.Empty(Directory.GetFiles(Hour(store), "metrics-*"));
        Assert.Empty(observer.Committed);
        Assert.Equal(0, store.Writer.Stats.FlushFailures);
    }

    [Fact]
    public async Task SeveralFlushes_OfOneStep_AddUp_AndListTheMetric()
    {
        var observer = new WindowTotals();
        await using var store = await StoreFixture.StartAsync(o => o with { FlushObserver = observer });
        for (var i = 0; i < 4; i++)
        {
            await store.Writer.AppendAsync("default", Folded(BaseTime.AddSeconds(i * 2), "api", L("pod", "a"), Cpu, ("main;work", 10 + i)));
            await store.Writer.FlushAsync();
        }
        await store.Writer.AppendAsync("default", Folded(BaseTime, "api", L("pod", "a"), AllocSpace, ("main;alloc", 7)));
        await store.Writer.FlushAsync();

        Assert.Equal(5, Directory.GetFiles(Hour(store), "metrics-*").Length);
        var series = Assert.Single(store.Reader.RecordedSeries(Query() with { Selector = LabelSelector.Parse($"{Cpu}{{}}") }, Step));
        Assert.Equal([46.0], series.Values);

        var metric = Assert.Single(store.Reader.RecordedMetrics("default", BaseTime.AddHours(-1), BaseTime.AddHours(1)));
        Assert.Equal("window_total", metric.Name);
        Assert.Equal(["pod", "service_name"], metric.LabelNames);
        Assert.Empty(store.Reader.RecordedMetrics("default", BaseTime.AddHours(2), BaseTime.AddHours(3)));
    }

    [Fact]
    public async Task RecordedSeries_SelectorGroupByAndStep_AreAnsweredFromTheMetricLabels()
    {
        await using var store = await StoreFixture.StartAsync(o => o with { FlushObserver = new WindowTotals() });
        foreach (var (pod, service, seconds, value) in new[] { ("a", "api", 0, 1L), ("b", "api", 10, 2L), ("c", "db", 20, 4L), ("a", "api", 30, 8L), ("d", "api", 75, 16L) })
        {
            await store.Writer.AppendAsync("default", Folded(BaseTime.AddSeconds(seconds), service, L("pod", pod), Cpu, ("main;work", value)));
        }
        await store.Writer.FlushAsync();

        // A regex over a label, RE2 anchored at both ends; grouped by service_name.
        var grouped = store.Reader.RecordedSeries(Query() with
        {
            Selector = LabelSelector.Parse("{pod=~\"a|b|c\"}"),
            GroupBy = ["service_name"],
        }, TimeSpan.FromMinutes(1));
        Assert.Equal(2, grouped.Count);
        Assert.Equal(LabelSet.From(L("service_name", "api")), grouped[0].Labels);
        Assert.Equal([BaseTime], grouped[0].Times);
        Assert.Equal([11.0], grouped[0].Values);
        Assert.Equal([4.0], grouped[1].Values);

        // A requested step finer than the recorded one answers at the recorded step; 25 s becomes 30 s.
        var fine = store.Reader.RecordedSeries(Query() with { Selector = LabelSelector.Parse("{pod=\"a\"}") }, TimeSpan.FromSeconds(25));
        var a = Assert.Single(fine);
        Assert.Equal([BaseTime, BaseTime.AddSeconds(30)], a.Times);
        Assert.Empty(store.Reader.RecordedSeries(Query("no_such_metric"), Step));
        Assert.Empty(store.Reader.RecordedSeries(Query() with { Selector = LabelSelector.Parse("{pod=\"zzz\"}") }, Step));
    }

    [Fact]
    public async Task Compaction_MergesTheMetricsFiles_AndKeepsTheAnswers()
    {
        await using var store = await StoreFixture.StartAsync(o => o with
        {
            FlushObserver = new WindowTotals(),
            CompactionGracePeriod = TimeSpan.Zero,
            CompactionDelay = TimeSpan.Zero,
        });
        for (var i = 0; i < 6; i++)
        {
            await store.Writer.AppendAsync("default", Folded(BaseTime.AddSeconds(i * 4), "api", L("pod", $"p{i % 2}"), Cpu, ("main;work", 10 + i)));
            await store.Writer.FlushAsync();
        }
        var before = store.Reader.RecordedSeries(Query(), Step);
        Assert.Equal(6, Directory.GetFiles(Hour(store), "metrics-*").Length);

        using var compactor = new Compactor(store.Options);
        Assert.Equal(1, compactor.RunOnce(BaseTime.AddHours(2)).PartitionsCompacted);

        var metricsFile = Assert.Single(Directory.GetFiles(Hour(store), "metrics-*"));
        Assert.Contains("-compact-", metricsFile, StringComparison.Ordinal);
        var after = store.Reader.RecordedSeries(Query(), Step);
        Assert.Equal(before.Select(s => s.Labels), after.Select(s => s.Labels));
        Assert.Equal(before.SelectMany(s => s.Values), after.SelectMany(s => s.Values));
        Assert.Equal(before.SelectMany(s => s.Times), after.SelectMany(s => s.Times));
        // One row per (series, step) after the merge: p0 and p1 in steps 0 and 10 (and p0 at 20 s).
        using var db = DuckDbDatabase.Open();
        using var connection = db.Connect();
        using var result = connection.Query($"SELECT count(*) FROM read_parquet('{metricsFile}')");
        using var chunk = result.FetchChunk()!;
        Assert.Equal(5, chunk.Column(0).Values<long>()[0]);
    }

    private static readonly long OneProfileTotal =
        PprofDecoder.Decode(File.ReadAllBytes(Path.Combine(RepoPaths.Root, "tests/testdata/pprof/go-cpu.pb.gz")), new PprofDecodeOptions())
            .Profiles.Where(p => p.ProfileType == Cpu).Sum(p => p.Total);

    [Fact]
    public async Task Replay_AfterSigkill_RecordsExactlyTheAcknowledgedProfiles_AndARestartDoesNotDoubleThem()
    {
        using var dir = new TempDirectory();
        var acked = await KillAfterAcknowledgedAsync(dir.Path, count: 8);
        Assert.Empty(Directory.GetDirectories(dir.Path, "tenant=*"));

        var observer = new WindowTotals();
        var options = new StoreOptions { DataDirectory = dir.Path, WriterId = "crash", FlushObserver = observer };
        await using (await ProfileWriter.OpenAsync(options, PprofWalCodec.Decoders))
        {
        }
        Assert.NotEmpty(observer.Committed);
        // A restart replays nothing more, so nothing is recorded twice.
        await using (await ProfileWriter.OpenAsync(options, PprofWalCodec.Decoders))
        {
        }

        using var reader = new ProfileReader(dir.Path);
        var start = new DateTime(2026, 11, 22, 12, 0, 0, DateTimeKind.Utc);
        var query = new RecordedSeriesQuery("default", start, start.AddHours(1), "window_total") { Selector = LabelSelector.Parse($"{Cpu}{{}}"), GroupBy = ["service_name"] };
        var series = Assert.Single(reader.RecordedSeries(query, Step));
        Assert.Equal(acked * OneProfileTotal, series.Values.Sum());
        Assert.Equal(acked, series.Values.Count);
    }

    /// <summary>The crash writer appends one go-cpu profile per 10 s window, acknowledged, never flushed; killed with SIGKILL.</summary>
    private static async Task<int> KillAfterAcknowledgedAsync(string dataDir, int count)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(RepoPaths.ProjectOutput("tests/GrafanaProfiles.Store.CrashWriter", "GrafanaProfiles.Store.CrashWriter"));
        psi.ArgumentList.Add(dataDir);
        psi.ArgumentList.Add(Path.Combine(RepoPaths.Root, "tests/testdata/pprof/go-cpu.pb.gz"));
        psi.ArgumentList.Add(count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var process = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var acked = 0;
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line && line != "DONE")
        {
            acked += line.StartsWith("ACK ", StringComparison.Ordinal) ? 1 : 0;
        }
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(count, acked);
        return acked;
    }
}
