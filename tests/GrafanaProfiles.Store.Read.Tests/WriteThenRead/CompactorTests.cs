using GrafanaProfiles.Store.Maintenance;
using GrafanaProfiles.Store.Partitions;
using GrafanaProfiles.Store.Read.Tests.Support;
using static GrafanaProfiles.TestSupport.Batches;

namespace GrafanaProfiles.Store.Read.Tests.WriteThenRead;

public sealed class CompactorTests
{
    private static async Task<StoreFixture> StoreWithManySmallFilesAsync(int flushes, TimeSpan grace)
    {
        var store = await StoreFixture.StartAsync(o => o with { CompactionGracePeriod = grace, CompactionDelay = TimeSpan.Zero });
        for (var i = 0; i < flushes; i++)
        {
            await store.Writer.AppendAsync("default", Folded(BaseTime.AddSeconds(i * 10), "api", L("pod", $"p{i % 4}"), Cpu,
                ("main;work;a", 10 + i), ($"main;work;f{i % 5}", 3), ("main;idle", 1)));
            await store.Writer.FlushAsync();
        }
        return store;
    }

    private static string Hour(StoreFixture store) => Path.Combine(store.DataDirectory, "tenant=default", "hour=2026-11-22T10");

    [Fact]
    public async Task ClosedHour_ManyFiles_BecomeOneFilePerTable_WithTheSameAnswers()
    {
        await using var store = await StoreWithManySmallFilesAsync(12, TimeSpan.Zero);
        var before = store.Reader.FlameGraphAndTop(StoreFixture.Select());
        var seriesBefore = store.Reader.Series(StoreFixture.Select(), TimeSpan.FromMinutes(1), ["pod"]);
        // 12 samples files; stacks and functions files only while new stacks appeared (f0..f4),
        // series files only while new series appeared (pods p0..p3).
        Assert.Equal(12 + 5 + 5 + 4, Directory.GetFiles(Hour(store), "*.parquet").Length);

        using var compactor = new Compactor(store.Options);
        var result = compactor.RunOnce(BaseTime.AddHours(2));
        Assert.Equal(1, result.PartitionsCompacted);
        Assert.Equal(4, result.FilesWritten);
        Assert.Equal(26, result.FilesRemoved);
        Assert.Equal(["functions-", "samples-", "series-", "stacks-"],
            Directory.GetFiles(Hour(store)).Select(f => Path.GetFileName(f)[..(Path.GetFileName(f).IndexOf('-') + 1)]).Order(StringComparer.Ordinal));

        var after = store.Reader.FlameGraphAndTop(StoreFixture.Select());
        Assert.Equal(before.FlameGraph.Total, after.FlameGraph.Total);
        Assert.Equal(before.FlameGraph.Values, after.FlameGraph.Values);
        Assert.Equal(before.Top.Entries, after.Top.Entries);
        var seriesAfter = store.Reader.Series(StoreFixture.Select(), TimeSpan.FromMinutes(1), ["pod"]);
        Assert.Equal(seriesBefore.SelectMany(s => s.Values), seriesAfter.SelectMany(s => s.Values));
        // A second round finds nothing to do.
        Assert.Equal(0, compactor.RunOnce(BaseTime.AddHours(2)).PartitionsCompacted);
    }

    [Fact]
    public async Task CompactedFiles_HaveExactlyTheColumnsOfFlushedFiles()
    {
        await using var store = await StoreWithManySmallFilesAsync(3, TimeSpan.Zero);
        string Columns(string table)
        {
            using var db = GrafanaProfiles.Store.DuckDb.DuckDbDatabase.Open();
            using var c = db.Connect();
            using var result = c.Query($"SELECT string_agg(name, ',' ORDER BY name) FROM (SELECT DISTINCT name FROM parquet_schema('{Hour(store)}/{table}-*.parquet') WHERE num_children IS NULL OR num_children = 0)");
            using var chunk = result.FetchChunk()!;
            return chunk.Column(0).GetString(0)!;
        }
        var before = PartitionLayout.Tables.Select(Columns).ToList();
        using var compactor = new Compactor(store.Options);
        Assert.Equal(1, compactor.RunOnce(BaseTime.AddHours(2)).PartitionsCompacted);
        Assert.Equal(before, PartitionLayout.Tables.Select(Columns).ToList());
        Assert.DoesNotContain("hour", string.Join(",", before).Split(','));
    }

    [Fact]
    public async Task LinkToAnotherTenantsFile_IsNeverCompactedIn()
    {
        await using var store = await StoreWithManySmallFilesAsync(3, TimeSpan.Zero);
        var expected = store.Reader.Top(StoreFixture.Select()).Total;
        await store.Writer.AppendAsync("other", Folded(BaseTime, "secret", null, Cpu, ("main;secret", 42)));
        await store.Writer.FlushAsync();
        var otherHour = Path.Combine(store.DataDirectory, "tenant=other", "hour=2026-11-22T10");
        foreach (var file in Directory.GetFiles(otherHour, "*.parquet"))
        {
            var name = Path.GetFileName(file);
            File.CreateSymbolicLink(Path.Combine(Hour(store), name[..name.IndexOf('-')] + "-planted-000000000001.parquet"), file);
        }

        using var compactor = new Compactor(store.Options);
        Assert.Equal(1, compactor.RunOnce(BaseTime.AddHours(2)).PartitionsCompacted);
        // The links were neither read into the tenant's compacted files nor removed as inputs.
        Assert.Equal(expected, store.Reader.Top(StoreFixture.Select()).Total);
        Assert.Equal(4, Directory.GetFiles(Hour(store), "*-planted-*").Length);
        Assert.Equal(42, store.Reader.Top(StoreFixture.Select(tenant: "other")).Total);
    }

    [Fact]
    public async Task OpenHour_IsLeftAlone()
    {
        await using var store = await StoreWithManySmallFilesAsync(3, TimeSpan.Zero);
        using var compactor = new Compactor(store.Options with { CompactionDelay = TimeSpan.FromMinutes(5) });
        Assert.Equal(0, compactor.RunOnce(BaseTime.AddMinutes(30)).PartitionsCompacted);
        Assert.Equal(0, compactor.RunOnce(BaseTime.AddHours(1).AddMinutes(2)).PartitionsCompacted);
        Assert.Equal(1, compactor.RunOnce(BaseTime.AddHours(1).AddMinutes(6)).PartitionsCompacted);
    }

    [Fact]
    public async Task Compaction_WhileQueriesRun_NeverShowsMissingOrDoubleData()
    {
        await using var store = await StoreWithManySmallFilesAsync(16, TimeSpan.Zero);
        var expected = store.Reader.Top(StoreFixture.Select()).Total;
        using var stop = new CancellationTokenSource();
        var totals = new List<long>();
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var seen = new List<long>();
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    seen.Add(store.Reader.FlameGraph(StoreFixture.Select()).Total);
                }
                catch (Exception e)
                {
                    throw new InvalidOperationException("A query failed during compaction: " + e.Message, e);
                }
            }
            return seen;
        })).ToList();
        using var compactor = new Compactor(store.Options);
        for (var round = 0; round < 3; round++)
        {
            // New small files arrive, then get compacted, while the readers keep reading.
            await store.Writer.AppendAsync("default", Folded(BaseTime.AddMinutes(30 + round), "api", null, Cpu, ("main;late", 0 + 1)));
            await store.Writer.FlushAsync();
            compactor.CompactPartition(Hour(store), BaseTime.AddHours(2).AddMinutes(round));
            expected++;
        }
        await Task.Delay(200);
        await stop.CancelAsync();
        foreach (var r in readers)
        {
            totals.AddRange(await r);
        }
        Assert.NotEmpty(totals);
        Assert.All(totals, t => Assert.InRange(t, expected - 3, expected));
        Assert.Equal(expected, store.Reader.FlameGraph(StoreFixture.Select()).Total);
    }

    [Fact]
    public async Task GracePeriod_KeepsInputsOnDiskButHiddenFromReaders()
    {
        await using var store = await StoreWithManySmallFilesAsync(4, TimeSpan.FromHours(1));
        var total = store.Reader.Top(StoreFixture.Select()).Total;
        using var compactor = new Compactor(store.Options);
        compactor.RunOnce(BaseTime.AddHours(2));
        Assert.Equal(4 + 4 + 4 + 4 + 4, Directory.GetFiles(Hour(store), "*.parquet").Length);
        Assert.Equal(4, PartitionLayout.Tables.Sum(t => PartitionLayout.VisibleFiles(Hour(store), t).Count));
        Assert.Equal(total, store.Reader.Top(StoreFixture.Select()).Total);
        // Within the grace period, on the compactor's clock, the inputs stay — whatever the machine's
        // clock says (the manifest's file time is ignored when it records its commit time).
        var manifest = Directory.GetFiles(Hour(store), "compaction-*").Single();
        File.SetLastWriteTimeUtc(manifest, DateTime.UtcNow.AddYears(-1));
        Assert.Equal(0, compactor.RunOnce(BaseTime.AddHours(2).AddMinutes(59)).FilesRemoved);
        // Past the grace period the inputs go.
        var result = compactor.RunOnce(BaseTime.AddHours(3));
        Assert.Equal(16, result.FilesRemoved);
        Assert.Equal(4, Directory.GetFiles(Hour(store), "*.parquet").Length);
        Assert.Empty(Directory.GetFiles(Hour(store), "compaction-*"));
        Assert.Equal(total, store.Reader.Top(StoreFixture.Select()).Total);
    }

    [Fact]
    public async Task InterruptedCompaction_BeforeItsRenames_IsRolledBackOrForwardAtTheNextRound()
    {
        await using var store = await StoreWithManySmallFilesAsync(4, TimeSpan.Zero);
        var total = store.Reader.Top(StoreFixture.Select()).Total;
        var hour = Hour(store);
        // A manifest whose outputs never got written (crash before the temp files were complete): roll back.
        new CompactionManifest(["samples-test-000000000001.parquet"], ["samples-compact-dead.parquet"])
            .WriteAtomically(Path.Combine(hour, "compaction-dead.json"));
        Assert.Equal(total, store.Reader.Top(StoreFixture.Select()).Total);
        using var compactor = new Compactor(store.Options);
        compactor.RunOnce(BaseTime.AddHours(2));
        Assert.False(File.Exists(Path.Combine(hour, "compaction-dead.json")));
        Assert.Equal(total, store.Reader.Top(StoreFixture.Select()).Total);
        Assert.Equal(4, Directory.GetFiles(hour, "*.parquet").Length);
    }

    [Fact]
    public async Task KilledCompaction_BeforeItsManifest_LeavesTemporariesThatTheNextRoundRemoves()
    {
        await using var store = await StoreWithManySmallFilesAsync(4, TimeSpan.Zero);
        var total = store.Reader.Top(StoreFixture.Select()).Total;
        var hour = Hour(store);
        // What a SIGKILL inside a compaction leaves (the crash command found them piling up): one
        // output cut short in DuckDB's COPY, one complete, and the manifest's temporary half-written.
        var samples = File.ReadAllBytes(Directory.GetFiles(hour, "samples-*.parquet")[0]);
        var stamp = BaseTime.AddHours(2).Ticks.ToString("x", System.Globalization.CultureInfo.InvariantCulture);
        File.WriteAllBytes(Path.Combine(hour, $".tmp-samples-compact-{stamp}.parquet"), samples[..(samples.Length / 2)]);
        File.Copy(Directory.GetFiles(hour, "series-*.parquet")[0], Path.Combine(hour, $".tmp-series-compact-{stamp}.parquet"));
        File.WriteAllBytes(Path.Combine(hour, $".tmp-metrics-compact-{stamp}.parquet"), samples[..10]);
        File.WriteAllText(Path.Combine(hour, $".tmp-compaction-{stamp}.json-1a2b3c4d"), "{\"inputs\": [\"samples-");
        // A flush in progress of a writer named "compact" has the same prefix; it is not the compactor's to remove.
        var flushing = Path.Combine(hour, ".tmp-samples-compact-000000000009.parquet");
        File.WriteAllBytes(flushing, samples[..100]);

        using var compactor = new Compactor(store.Options);
        Assert.Equal(1, compactor.RunOnce(BaseTime.AddHours(3)).PartitionsCompacted);

        Assert.Equal([Path.GetFileName(flushing)], Directory.GetFiles(hour, ".tmp-*").Select(Path.GetFileName));
        Assert.Equal(total, store.Reader.Top(StoreFixture.Select()).Total);
        using var db = GrafanaProfiles.Store.DuckDb.DuckDbDatabase.Open();
        using var connection = db.Connect();
        foreach (var file in Directory.GetFiles(hour, "*.parquet").Where(f => !Path.GetFileName(f).StartsWith(".tmp-", StringComparison.Ordinal)))
        {
            connection.Query($"SELECT count(*) FROM read_parquet('{file}')").Dispose();
        }
    }

    [Fact]
    public async Task Retention_DeletesWholeHoursOlderThanTheLimit()
    {
        await using var store = await StoreFixture.StartAsync();
        await store.Writer.AppendAsync("default", Folded(BaseTime, "api", null, Cpu, ("a", 1)));
        await store.Writer.AppendAsync("default", Folded(BaseTime.AddHours(5), "api", null, Cpu, ("a", 2)));
        await store.Writer.FlushAsync();
        var retention = new Retention(new PartitionLayout(store.DataDirectory), TimeSpan.FromHours(3));
        Assert.Equal(1, retention.RunOnce(BaseTime.AddHours(5).AddMinutes(30)));
        Assert.Equal([BaseTime.AddHours(5)], new PartitionLayout(store.DataDirectory).Hours("default"));
        Assert.Equal(2, store.Reader.Top(StoreFixture.Select(to: BaseTime.AddHours(6))).Total);
        Assert.Equal(0, retention.RunOnce(BaseTime.AddHours(5).AddMinutes(30)));
    }
}
