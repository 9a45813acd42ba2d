using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Maintenance;
using GrafanaProfiles.Store.Partitions;
using static GrafanaProfiles.TestSupport.Batches;

namespace GrafanaProfiles.Store.Write.Tests.Rollups;

public sealed class RollupWriterTests
{
    private static readonly DateTime Day = new(2026, 11, 22, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>A store whose writer flushes one file per call; compaction and rollups judge "now" by the test's clock.</summary>
    private static Task<WriterFixture> StoreAsync(TimeSpan? grace = null) =>
        WriterFixture.StartAsync(o => o with { CompactionGracePeriod = grace ?? TimeSpan.Zero, CompactionDelay = TimeSpan.Zero, Retention = TimeSpan.Zero });

    /// <summary>Profiles of two pods every 20 s in [from, from + minutes), with stacks that change from profile to profile, flushed as <paramref name="flushes"/> files.</summary>
    private static async Task WriteAsync(WriterFixture store, DateTime from, int minutes, int flushes = 2, long scale = 1)
    {
        var profiles = minutes * 3;
        for (var i = 0; i < profiles; i++)
        {
            var time = from.AddSeconds(i * 20);
            foreach (var pod in new[] { "p0", "p1" })
            {
                await store.Writer.AppendAsync("default", Folded(time, "api", L("pod", pod), Cpu,
                    ("main;work;a", scale * (10 + (i % 7))), ($"main;work;f{i % 5}", scale * 3), ("main;idle", scale * (pod == "p0" ? 1 : 2))));
            }
            if ((i + 1) % Math.Max(1, profiles / flushes) == 0)
            {
                await store.Writer.FlushAsync();
            }
        }
        await store.Writer.FlushAsync();
    }

    private static string HourDir(WriterFixture store, DateTime hour) => new PartitionLayout(store.DataDirectory).HourDirectory("default", hour);

    private static List<RollupListing> Rollups(WriterFixture store, DateTime hour) =>
        PartitionLayout.Rollups(PartitionLayout.RollupDirectory(HourDir(store, hour)), Path.Combine(store.DataDirectory, "tenant=default"));

    private static List<string> Rows(string sql)
    {
        using var db = DuckDbDatabase.Open();
        using var connection = db.Connect();
        using var result = connection.Query($"SELECT CAST(COLUMNS(*) AS VARCHAR) FROM ({sql})");
        var rows = new List<string>();
        foreach (var chunk in result.Chunks())
        {
            for (var r = 0; r < chunk.RowCount; r++)
            {
                rows.Add(string.Join("|", Enumerable.Range(0, chunk.ColumnCount).Select(c => chunk.Column(c).GetString(r))));
            }
        }
        return rows;
    }

    private static string Files(IEnumerable<string> paths) => "[" + string.Join(", ", paths.Select(p => $"'{p}'")) + "]";

    [Fact]
    public async Task ClosedHour_IsRolledUp_WithTheSumsOfItsSamples()
    {
        await using var store = await StoreAsync();
        var hour = Day.AddHours(10);
        await WriteAsync(store, hour.AddMinutes(3), minutes: 40);
        using var compactor = new Compactor(store.Options);
        var result = compactor.RunOnce(hour.AddHours(2));
        Assert.Equal(1, result.PartitionsCompacted);

        var rollup = Assert.Single(Rollups(store, hour));
        var samples = PartitionLayout.VisibleFiles(HourDir(store, hour), SamplesTable.Name);
        Assert.Equal(samples.Select(Path.GetFileName), rollup.Manifest.Samples);
        Assert.Equal(RollupKind.Hour, rollup.Manifest.Kind);
        Assert.Equal(60, rollup.Manifest.StepSeconds);
        var raw = $"read_parquet({Files(samples)})";
        Assert.Equal(
            Rows($"SELECT service_name, profile_type, series_id, stack_id, sum(value) FROM {raw} GROUP BY ALL ORDER BY ALL"),
            Rows($"SELECT service_name, profile_type, series_id, stack_id, value FROM read_parquet('{rollup.Output(RollupTables.StackTotals)}') ORDER BY ALL"));
        Assert.Equal(
            Rows($"SELECT time_bucket(INTERVAL 1 MINUTE, time), series_id, sum(value), count(DISTINCT time) FROM {raw} GROUP BY ALL ORDER BY ALL"),
            Rows($"SELECT time, series_id, value, windows FROM read_parquet('{rollup.Output(RollupTables.StepTotals)}') ORDER BY ALL"));
        // 40 minutes of two pods: one step row per pod and minute, three windows each.
        Assert.Equal(80, Rows($"SELECT * FROM read_parquet('{rollup.Output(RollupTables.StepTotals)}') WHERE windows = 3").Count);
        // Only the rollup directory holds rollups; the hour's own files are the compacted four.
        Assert.Equal(4, Directory.GetFiles(HourDir(store, hour), "*.parquet").Length);
        Assert.Equal(1, result.RollupsWritten);
    }

    [Fact]
    public async Task RolledUpHour_IsNotRolledUpAgain_AndOpenHoursNotAtAll()
    {
        await using var store = await StoreAsync();
        await WriteAsync(store, Day.AddHours(10), minutes: 20, flushes: 1);
        await WriteAsync(store, Day.AddHours(11), minutes: 20, flushes: 1);
        using var compactor = new Compactor(store.Options with { CompactionDelay = TimeSpan.FromMinutes(5) });
        // 11:00 is still open at 12:03 (the compaction delay), 10:00 is not.
        Assert.Equal(1, compactor.RunOnce(Day.AddHours(12).AddMinutes(3)).RollupsWritten);
        Assert.Single(Rollups(store, Day.AddHours(10)));
        Assert.Empty(Rollups(store, Day.AddHours(11)));
        Assert.Equal(1, compactor.RunOnce(Day.AddHours(12).AddMinutes(6)).RollupsWritten);
        Assert.Equal(0, compactor.RunOnce(Day.AddHours(12).AddMinutes(7)).RollupsWritten);
        Assert.Single(Rollups(store, Day.AddHours(10)));
    }

    [Fact]
    public async Task LateFile_StalesTheRollup_UntilTheHourIsCompactedAndRolledUpAgain()
    {
        await using var store = await StoreAsync(grace: TimeSpan.FromMinutes(1));
        var hour = Day.AddHours(10);
        await WriteAsync(store, hour, minutes: 30);
        using var compactor = new Compactor(store.Options);
        compactor.RunOnce(hour.AddHours(2));
        var first = Assert.Single(Rollups(store, hour));
        Assert.Equal(first.ManifestName, new PartitionLayout(store.DataDirectory).ListHour("default", hour).Rollup?.ManifestName);

        // A late upload lands in the rolled-up hour: the rollup no longer covers the hour's files.
        await store.Writer.AppendAsync("default", Folded(hour.AddMinutes(45), "api", L("pod", "p0"), Cpu, ("main;late", 7)));
        await store.Writer.FlushAsync();
        Assert.Null(new PartitionLayout(store.DataDirectory).ListHour("default", hour).Rollup);

        // The next round compacts the hour again and rolls up its new files; the old rollup stays for
        // the grace period (queries may be reading it), then goes.
        var round = compactor.RunOnce(hour.AddHours(3));
        Assert.Equal(1, round.PartitionsCompacted);
        Assert.Equal(1, round.RollupsWritten);
        var listing = new PartitionLayout(store.DataDirectory).ListHour("default", hour);
        Assert.NotNull(listing.Rollup);
        Assert.NotEqual(first.ManifestName, listing.Rollup.ManifestName);
        Assert.Equal(2, Rollups(store, hour).Count);
        Assert.Contains("7", Rows($"SELECT value FROM read_parquet('{listing.Rollup.Output(RollupTables.StackTotals)}')"));
        compactor.RunOnce(hour.AddHours(3).AddMinutes(2));
        Assert.Equal(listing.Rollup.ManifestName, Assert.Single(Rollups(store, hour)).ManifestName);
        Assert.Equal(3, Directory.GetFiles(PartitionLayout.RollupDirectory(HourDir(store, hour))).Length);
    }

    [Fact]
    public async Task ClosedDay_IsRolledUpFromItsHours()
    {
        await using var store = await StoreAsync();
        foreach (var h in new[] { 0, 5, 23 })
        {
            await WriteAsync(store, Day.AddHours(h).AddMinutes(10), minutes: 15, flushes: 1, scale: h + 1);
        }
        using var compactor = new Compactor(store.Options);
        // Before midnight the closed hours are rolled up, not the day (nor its open last hour).
        Assert.Equal(2, compactor.RunOnce(Day.AddHours(23).AddMinutes(59)).RollupsWritten);
        var layout = new PartitionLayout(store.DataDirectory);
        Assert.Null(layout.DayRollup("default", Day));
        // At midnight: the last hour, then the day from its three hours.
        Assert.Equal(2, compactor.RunOnce(Day.AddDays(1)).RollupsWritten);

        var day = layout.DayRollup("default", Day);
        Assert.NotNull(day);
        Assert.Equal(RollupKind.Day, day.Manifest.Kind);
        var hours = layout.Hours("default").Select(h => layout.ListHour("default", h)).ToList();
        Assert.True(HourListing.DayRollupHolds(day.Manifest, hours));
        Assert.Equal(["2026-11-22T00", "2026-11-22T05", "2026-11-22T23"], day.Manifest.Hours.Keys.Order(StringComparer.Ordinal));
        var rawSamples = hours.SelectMany(h => h.Table(SamplesTable.Name));
        Assert.Equal(
            Rows($"SELECT series_id, stack_id, sum(value) FROM read_parquet({Files(rawSamples)}) GROUP BY ALL ORDER BY ALL"),
            Rows($"SELECT series_id, stack_id, value FROM read_parquet('{day.Output(RollupTables.StackTotals)}') ORDER BY ALL"));
        Assert.Equal(
            Rows($"SELECT time_bucket(INTERVAL 1 MINUTE, time), series_id, sum(value), count(DISTINCT time) FROM read_parquet({Files(rawSamples)}) GROUP BY ALL ORDER BY ALL"),
            Rows($"SELECT time, series_id, value, windows FROM read_parquet('{day.Output(RollupTables.StepTotals)}') ORDER BY ALL"));
        foreach (var (table, id) in new[] { (StacksTable.Name, StacksTable.StackId), (FunctionsTable.Name, FunctionsTable.FunctionId), (SeriesTable.Name, SeriesTable.SeriesId) })
        {
            Assert.Equal(
                Rows($"SELECT DISTINCT * FROM read_parquet({Files(hours.SelectMany(h => h.Table(table)))}, hive_partitioning = false) ORDER BY ALL"),
                Rows($"SELECT * FROM read_parquet('{day.Output(table)}', hive_partitioning = false) ORDER BY ALL"));
            Assert.Equal(Rows($"SELECT count(*) FROM read_parquet('{day.Output(table)}')"), Rows($"SELECT count(DISTINCT {id}) FROM read_parquet('{day.Output(table)}')"));
        }
        Assert.Equal(0, compactor.RunOnce(Day.AddDays(1).AddMinutes(1)).RollupsWritten);

        // A late file in one hour stales the day until that hour is rolled up again; then the day follows.
        await store.Writer.AppendAsync("default", Folded(Day.AddHours(5).AddMinutes(50), "api", null, Cpu, ("main;late", 5)));
        await store.Writer.FlushAsync();
        Assert.False(HourListing.DayRollupHolds(day.Manifest, layout.Hours("default").Select(h => layout.ListHour("default", h))));
        Assert.Equal(2, compactor.RunOnce(Day.AddDays(1).AddMinutes(2)).RollupsWritten);
        var again = layout.DayRollup("default", Day);
        Assert.NotNull(again);
        Assert.NotEqual(day.ManifestName, again.ManifestName);
        Assert.True(HourListing.DayRollupHolds(again.Manifest, layout.Hours("default").Select(h => layout.ListHour("default", h))));
    }

    [Theory]
    [InlineData("outputs-written", false)]
    [InlineData("outputs-renamed", false)]
    [InlineData("committed", true)]
    public async Task KilledAtAnyStepOfItsCommit_ARollupIsWholeOrAbsent_AndTheNextRoundFinishes(string step, bool committed)
    {
        await using var store = await StoreAsync();
        var hour = Day.AddHours(10);
        await WriteAsync(store, hour, minutes: 10, flushes: 1);
        using (var dying = new Compactor(store.Options, rollupStepReached: s =>
        {
            if (s == step)
            {
                throw new IOException("killed at " + s);
            }
        }))
        {
            Assert.Throws<IOException>(() => dying.RunOnce(hour.AddHours(2)));
        }
        var rollupDirectory = PartitionLayout.RollupDirectory(HourDir(store, hour));
        var left = Rollups(store, hour);
        Assert.Equal(committed ? 1 : 0, left.Count);
        // What a kill left: temporaries before the renames, outputs no manifest names after them.
        Assert.Equal(step == "outputs-written" ? 2 : 0, Directory.GetFiles(rollupDirectory, PartitionLayout.TempPrefix + "*").Length);

        using var compactor = new Compactor(store.Options);
        Assert.Equal(committed ? 0 : 1, compactor.RunOnce(hour.AddHours(2)).RollupsWritten);
        var rollup = Assert.Single(Rollups(store, hour));
        // Nothing else is left: no temporaries, no outputs of the interrupted commit.
        Assert.Equal(
            rollup.Manifest.Outputs.Values.Append(rollup.ManifestName).Order(StringComparer.Ordinal),
            Directory.GetFiles(rollupDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Retention_RemovesHourRollupsWithTheirHour_AndADayOnceItsFirstHourIsGone()
    {
        await using var store = await StoreAsync();
        foreach (var h in new[] { 0, 1, 2 })
        {
            await WriteAsync(store, Day.AddHours(h), minutes: 10, flushes: 1);
        }
        using (var compactor = new Compactor(store.Options))
        {
            compactor.RunOnce(Day.AddDays(1));
        }
        var layout = new PartitionLayout(store.DataDirectory);
        Assert.NotNull(layout.DayRollup("default", Day));
        var retention = new Retention(layout, TimeSpan.FromDays(1));
        // At 00:59 the next day nothing has expired; at 01:00 hour 00 has, and the day's rollup with it.
        Assert.Equal(0, retention.RunOnce(Day.AddDays(1).AddMinutes(59)));
        Assert.Equal([Day], layout.Days("default"));
        Assert.Equal(1, retention.RunOnce(Day.AddDays(1).AddHours(1)));
        Assert.Empty(layout.Days("default"));
        Assert.Equal([Day.AddHours(1), Day.AddHours(2)], layout.Hours("default"));
        Assert.False(Directory.Exists(PartitionLayout.RollupDirectory(HourDir(store, Day))));
        Assert.Empty(Directory.GetDirectories(layout.TenantDirectory("default"), PartitionLayout.TempPrefix + "*"));

        // A day partly expired is not rolled up again: retention would only remove it.
        using (var compactor = new Compactor(store.Options with { Retention = TimeSpan.FromDays(1) }))
        {
            Assert.Equal(0, compactor.RunOnce(Day.AddDays(1).AddHours(1)).RollupsWritten);
        }
        Assert.Empty(layout.Days("default"));
    }
}
