using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Query.Selectors;
using GrafanaProfiles.Store.Read.Tests.Support;
using GrafanaProfiles.Store.Write;
using GrafanaProfiles.TestSupport;
using static GrafanaProfiles.TestSupport.Batches;

namespace GrafanaProfiles.Store.Read.Tests.WriteThenRead;

public sealed class ProfileWriterTests
{
    [Fact]
    public async Task Append_ThenFlush_WritesHivePartitionedZstdParquetThatPlainDuckDbReads()
    {
        await using var store = await StoreFixture.StartAsync();
        await store.Writer.AppendAsync("default", Folded(BaseTime.AddMinutes(5), "api", L("env", "prod"), Cpu, ("main;work;hash", 30), ("main;work", 10)));
        await store.Writer.AppendAsync("default", Folded(BaseTime.AddHours(1).AddMinutes(1), "api", L("env", "prod"), Cpu, ("main;idle", 7)));
        await store.Writer.FlushAsync();

        var hour1 = Path.Combine(store.DataDirectory, "tenant=default", "hour=2026-11-22T10");
        var hour2 = Path.Combine(store.DataDirectory, "tenant=default", "hour=2026-11-22T11");
        Assert.Equal(["functions-test-000000000001.parquet", "samples-test-000000000001.parquet", "series-test-000000000001.parquet", "stacks-test-000000000001.parquet"],
            Directory.GetFiles(hour1).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.True(Directory.Exists(hour2));

        // Any Parquet tool can read the layout with hive partitioning; here plain DuckDB SQL, the
        // labels joined from the series files as the README shows.
        using var db = DuckDbDatabase.Open();
        using var c = db.Connect();
        using var result = c.Query($"""
            SELECT s.tenant, s.hour, s.service_name, r.labels['env'], sum(s.value)::BIGINT
            FROM read_parquet('{store.DataDirectory}/*/*/samples-*.parquet', hive_partitioning = true) s
            JOIN (SELECT DISTINCT series_id, labels FROM read_parquet('{store.DataDirectory}/*/*/series-*.parquet')) r USING (series_id)
            GROUP BY ALL ORDER BY hour
            """);
        using var chunk = result.FetchChunk()!;
        Assert.Equal(2, chunk.RowCount);
        Assert.Equal("default", chunk.Column(0).GetString(0));
        Assert.Equal("2026-11-22T10", chunk.Column(1).GetString(0));
        Assert.Equal("api", chunk.Column(2).GetString(0));
        Assert.Equal("prod", chunk.Column(3).GetString(0));
        Assert.Equal([40L, 7L], chunk.Column(4).Values<long>().ToArray());
        using var meta = c.Query($"SELECT DISTINCT compression FROM parquet_metadata('{hour1}/samples-test-000000000001.parquet')");
        using var m = meta.FetchChunk()!;
        Assert.Equal("ZSTD", m.Column(0).GetString(0));
        // The samples, stacks and functions files come from the store's own Parquet writer, the series file from DuckDB.
        using var createdBy = c.Query($"SELECT created_by FROM parquet_file_metadata('{hour1}/*.parquet') ORDER BY file_name");
        using var cb = createdBy.FetchChunk()!;
        Assert.Equal("grafana-profiles", cb.Column(0).GetString(0));
        Assert.Equal("grafana-profiles", cb.Column(0).GetString(1));
        Assert.StartsWith("DuckDB", cb.Column(0).GetString(2), StringComparison.Ordinal);
        Assert.Equal("grafana-profiles", cb.Column(0).GetString(3));
        // Stacks resolve to function names with plain SQL, leaf last.
        using var stacks = c.Query($"""
            SELECT string_agg(f.name, ';' ORDER BY u.depth)
            FROM (SELECT stack_id, unnest(frame_ids) AS function_id, generate_subscripts(frame_ids, 1) AS depth FROM read_parquet('{hour1}/stacks-*.parquet')) u
            JOIN read_parquet('{hour1}/functions-*.parquet') f USING (function_id)
            GROUP BY u.stack_id ORDER BY 1
            """);
        using var st = stacks.FetchChunk()!;
        Assert.Equal(["main;work", "main;work;hash"], Enumerable.Range(0, st.RowCount).Select(i => st.Column(0).GetString(i)));
    }

    [Fact]
    public async Task Flush_NothingBuffered_WritesNoFiles()
    {
        await using var store = await StoreFixture.StartAsync();

        await store.Writer.FlushAsync();

        Assert.Empty(Directory.GetFiles(store.DataDirectory, "*.parquet", SearchOption.AllDirectories));
        Assert.Equal(0, store.Writer.Stats.FilesWritten);
    }

    [Fact]
    public async Task Flush_SortsSamplesByServiceTypeSeriesAndTime()
    {
        await using var store = await StoreFixture.StartAsync();
        await store.Writer.AppendAsync("default", Folded(BaseTime.AddMinutes(9), "zeta", null, Cpu, ("a", 1)));
        await store.Writer.AppendAsync("default", Folded(BaseTime.AddMinutes(5), "alpha", null, Cpu, ("a", 1)));
        await store.Writer.AppendAsync("default", Folded(BaseTime.AddMinutes(1), "alpha", null, Cpu, ("a", 1)));
        await store.Writer.FlushAsync();
        using var db = DuckDbDatabase.Open();
        using var c = db.Connect();
        using var result = c.Query($"SELECT service_name, epoch(time)::BIGINT FROM read_parquet('{store.DataDirectory}/*/*/samples-*.parquet')");
        using var chunk = result.FetchChunk()!;
        Assert.Equal(["alpha", "alpha", "zeta"], Enumerable.Range(0, 3).Select(i => chunk.Column(0).GetString(i)));
        var times = chunk.Column(1).Values<long>().ToArray();
        Assert.True(times[0] < times[1]);
    }

    [Fact]
    public async Task Flush_ManySeriesTypesAndWindowsInAnyOrder_WritesSortedRowsWithTheirOwnSeriesColumns()
    {
        await using var store = await StoreFixture.StartAsync();
        // Label values that SQL text must not be able to break: quotes, a NUL, non-ASCII.
        string[] pods = ["p'1", "p\0\"2", "pöd-3", "p4"];
        var rng = new Random(7);
        var expected = new Dictionary<(string Service, string Pod, string Type), long>();
        var appends = new List<GrafanaProfiles.Store.Model.ProfileBatch>();
        foreach (var minute in Enumerable.Range(0, 6))
        {
            foreach (var service in new[] { "zeta", "alpha", "mid" })
            {
                foreach (var pod in pods)
                {
                    foreach (var type in new[] { Cpu, AllocSpace })
                    {
                        var samples = Enumerable.Range(0, 120).Select(i => ($"main;f{i % 37};g{i}", (long)rng.Next(1, 1000))).ToArray();
                        appends.Add(Folded(BaseTime.AddMinutes(minute), service, L("pod", pod), type, samples));
                        expected[(service, pod, type)] = expected.GetValueOrDefault((service, pod, type)) + samples.Sum(x => x.Item2);
                    }
                }
            }
        }
        // Out of order, and one window sent twice (its rows meet in one group of the sort).
        foreach (var batch in appends.OrderBy(_ => rng.Next()).Append(appends[0]))
        {
            await store.Writer.AppendAsync("default", batch);
        }
        var first = appends[0].Profiles[0];
        expected[(first.ServiceName, first.Labels.Get("pod")!, first.ProfileType)] += first.Total;
        await store.Writer.FlushAsync();

        using var db = DuckDbDatabase.Open();
        using var c = db.Connect();
        var file = $"read_parquet('{store.DataDirectory}/*/*/samples-*.parquet')";
        using var order = c.Query($"""
            WITH f AS (SELECT row_number() OVER () AS n, * FROM {file}),
                 s AS (SELECT n, row_number() OVER (ORDER BY service_name, profile_type, series_id, time, stack_id, n) AS sorted FROM f)
            SELECT count(*) FILTER (WHERE n <> sorted)::BIGINT, count(*)::BIGINT FROM s
            """);
        using var o = order.FetchChunk()!;
        Assert.Equal(0L, o.Column(0).Values<long>()[0]);
        Assert.True(o.Column(1).Values<long>()[0] > 2 * 2048, "enough rows for several appender chunks");
        var series = $"(SELECT DISTINCT series_id, labels FROM read_parquet('{store.DataDirectory}/*/*/series-*.parquet'))";
        using var sums = c.Query($"SELECT service_name, labels['pod'], profile_type, sum(value)::BIGINT, count(DISTINCT series_id)::BIGINT FROM {file} JOIN {series} USING (series_id) GROUP BY ALL");
        var actual = new Dictionary<(string, string, string), long>();
        foreach (var chunk in sums.Chunks())
        {
            for (var i = 0; i < chunk.RowCount; i++)
            {
                Assert.Equal(1L, chunk.Column(4).Values<long>()[i]);
                actual[(chunk.Column(0).GetString(i)!, chunk.Column(1).GetString(i)!, chunk.Column(2).GetString(i)!)] = chunk.Column(3).Values<long>()[i];
            }
        }
        Assert.Equal(expected.OrderBy(e => e.Key), actual.OrderBy(e => e.Key));
    }

    [Fact]
    public async Task Series_AreWrittenOncePerPartition_WithTheirLabels_AndSamplesHaveNoLabelColumn()
    {
        await using var store = await StoreFixture.StartAsync();
        await store.Writer.AppendAsync("default", Folded(BaseTime, "api", L("pod", "a", "note", "it's \0 ünï"), Cpu, ("main;a", 1)));
        await store.Writer.AppendAsync("default", Folded(BaseTime, "api", L("pod", "a", "note", "it's \0 ünï"), "memory:alloc_space:bytes:space:bytes", ("main;a", 5)));
        await store.Writer.FlushAsync();
        await store.Writer.AppendAsync("default", Folded(BaseTime.AddMinutes(1), "api", L("pod", "a", "note", "it's \0 ünï"), Cpu, ("main;a", 1)));
        await store.Writer.AppendAsync("default", Folded(BaseTime.AddMinutes(1), "api", L("pod", "b"), Cpu, ("main;a", 1)));
        await store.Writer.FlushAsync();
        // One more flush with only known series writes no series file.
        await store.Writer.AppendAsync("default", Folded(BaseTime.AddMinutes(2), "api", L("pod", "b"), Cpu, ("main;a", 1)));
        await store.Writer.FlushAsync();

        var hour = Path.Combine(store.DataDirectory, "tenant=default", "hour=2026-11-22T10");
        Assert.Equal(["series-test-000000000001.parquet", "series-test-000000000002.parquet"],
            Directory.GetFiles(hour, "series-*").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using var db = DuckDbDatabase.Open();
        using var c = db.Connect();
        using var rows = c.Query($"""
            SELECT series_id, service_name, labels['pod'], coalesce(labels['note'], '-'), cardinality(labels)::BIGINT
            FROM read_parquet('{hour}/series-*.parquet') ORDER BY 3
            """);
        using var chunk = rows.FetchChunk()!;
        Assert.Equal(2, chunk.RowCount);
        Assert.Equal(new[] { "api", "api" }, new[] { chunk.Column(1).GetString(0)!, chunk.Column(1).GetString(1)! });
        Assert.Equal(new[] { "a", "b" }, new[] { chunk.Column(2).GetString(0)!, chunk.Column(2).GetString(1)! });
        Assert.Equal("it's \0 ünï", chunk.Column(3).GetString(0));
        Assert.Equal([2L, 1L], chunk.Column(4).Values<long>().ToArray());
        // Every samples row's series is there, by id.
        using var orphans = c.Query($"""
            SELECT count(*)::BIGINT FROM read_parquet('{hour}/samples-*.parquet')
            WHERE series_id NOT IN (SELECT series_id FROM read_parquet('{hour}/series-*.parquet'))
            """);
        Assert.Equal(0L, orphans.FetchChunk()!.Column(0).Values<long>()[0]);
        using var columns = c.Query($"SELECT count(*)::BIGINT FROM (DESCRIBE SELECT * FROM read_parquet('{hour}/samples-*.parquet')) WHERE column_name = 'labels'");
        Assert.Equal(0L, columns.FetchChunk()!.Column(0).Values<long>()[0]);

        // The reader finds labels only through the series files.
        var from = BaseTime;
        var to = BaseTime.AddHours(1);
        Assert.Equal(["a", "b"], store.Reader.LabelValues("default", "pod", from, to));
        Assert.Equal(["note", "pod", "service_name"], store.Reader.LabelNames("default", from, to));
        Assert.Equal(2, store.Reader.Top(StoreFixture.Select("{pod=\"b\"}")).Total);
        Assert.Equal(2, store.Reader.Top(StoreFixture.Select("{note=~\"it's.*\", pod!=\"b\"}")).Total);
        Assert.Equal(5, store.Reader.Top(StoreFixture.Select("{pod=\"a\"}", "memory:alloc_space:bytes:space:bytes")).Total);
    }

    [Fact]
    public async Task LabelNamesAndValues_CountOnlySeriesWithSamplesInTheRange_NotTheWholeHour()
    {
        await using var store = await StoreFixture.StartAsync();
        await store.Writer.AppendAsync("default", Folded(BaseTime.AddMinutes(5), "api", L("pod", "early", "zone", "z1"), Cpu, ("main;a", 1)));
        await store.Writer.AppendAsync("default", Folded(BaseTime.AddMinutes(40), "api", L("pod", "late"), Cpu, ("main;a", 1)));
        await store.Writer.FlushAsync();

        var from = BaseTime.AddMinutes(30);
        var to = BaseTime.AddMinutes(50);
        Assert.Equal(["late"], store.Reader.LabelValues("default", "pod", from, to));
        Assert.Equal(["pod", "service_name"], store.Reader.LabelNames("default", from, to));
        Assert.Equal(["early"], store.Reader.LabelValues("default", "pod", BaseTime, to, LabelSelector.Parse("{zone=\"z1\"}")));
        Assert.Empty(store.Reader.LabelValues("default", "zone", from, to));
    }

    [Fact]
    public async Task Stacks_AlreadyWrittenToAPartition_AreNotRepeatedInLaterFiles()
    {
        await using var store = await StoreFixture.StartAsync();
        await store.Writer.AppendAsync("default", Folded(BaseTime, "api", null, Cpu, ("main;a", 1), ("main;b", 1)));
        await store.Writer.FlushAsync();
        await store.Writer.AppendAsync("default", Folded(BaseTime.AddMinutes(1), "api", null, Cpu, ("main;a", 1), ("main;c", 1)));
        await store.Writer.FlushAsync();
        using var db = DuckDbDatabase.Open();
        using var c = db.Connect();
        using var result = c.Query($"SELECT count(*) FROM read_parquet('{store.DataDirectory}/*/*/stacks-*.parquet')");
        using var chunk = result.FetchChunk()!;
        Assert.Equal(3L, chunk.Column(0).Values<long>()[0]);
        var top = store.Reader.Top(StoreFixture.Select());
        Assert.Equal(4, top.Total);
    }

    [Fact]
    public async Task Acknowledged_ButNotFlushed_IsReplayedAfterTheWriterIsAbandoned()
    {
        using var dir = new TempDirectory();
        var options = new StoreOptions { DataDirectory = dir.Path, WriterId = "w1", FlushInterval = TimeSpan.FromHours(1) };
        var first = await ProfileWriter.OpenAsync(options);
        for (var i = 0; i < 20; i++)
        {
            await first.AppendAsync("default", Folded(BaseTime.AddSeconds(i * 10), "api", L("pod", $"p{i % 3}"), Cpu, ("main;work", 100 + i)));
        }
        // No flush, no dispose: as if the process died right after acknowledging.
        Assert.Equal(20, first.BufferedRows);
        Assert.Empty(Directory.GetDirectories(dir.Path, "tenant=*"));

        await using var second = await ProfileWriter.OpenAsync(options);
        Assert.Equal(20, second.Replay.RecordsReplayed);
        Assert.Equal(0, second.Replay.TornRecordsDropped);
        using var reader = new Store.Query.ProfileReader(dir.Path);
        var top = reader.Top(StoreFixture.Select());
        Assert.Equal(Enumerable.Range(0, 20).Sum(i => 100L + i), top.Total);
        Assert.Equal(0, second.BufferedRows);
        // The replayed rows come back with their series: labels select and group as before.
        Assert.Equal(["p0", "p1", "p2"], reader.LabelValues("default", "pod", BaseTime, BaseTime.AddHours(1)));
        Assert.Equal(Enumerable.Range(0, 20).Where(i => i % 3 == 1).Sum(i => 100L + i), reader.Top(StoreFixture.Select("{pod=\"p1\"}")).Total);
        var byPod = reader.Series(StoreFixture.Select(), TimeSpan.FromHours(1), ["pod"]);
        Assert.Equal(["p0", "p1", "p2"], byPod.Select(s => s.Labels.Get("pod")));
        Assert.Equal(top.Total, byPod.Sum(s => s.Values.Sum()));
    }

    [Fact]
    public async Task PprofAppend_LoggedAsHeaderBesideTheOriginalBytes_IsReplayedAsTheSameProfiles()
    {
        // PprofWalCodec logs its header and the pprof bytes side by side (WalAppend.Header); the
        // log record must still read back as one payload that decodes to the same batch.
        using var dir = new TempDirectory();
        var options = new StoreOptions { DataDirectory = dir.Path, WriterId = "w1", FlushInterval = TimeSpan.FromHours(1) };
        var pprof = PprofTestData.Read("pprof/go-cpu.pb.gz");
        var first = await ProfileWriter.OpenAsync(options, Store.Pprof.PprofWalCodec.Decoders);
        var batch = await Store.Pprof.PprofWalCodec.AppendAsync(first, "default", pprof, new Store.Pprof.PprofDecodeOptions { ServiceName = "api", Labels = Store.Model.LabelSet.From(L("pod", "a")) });
        // No flush, no dispose: as if the process died right after acknowledging.

        await using var second = await ProfileWriter.OpenAsync(options, Store.Pprof.PprofWalCodec.Decoders);
        Assert.Equal(1, second.Replay.RecordsReplayed);
        using var reader = new Store.Query.ProfileReader(dir.Path);
        var time = DateTime.UnixEpoch.AddTicks(batch.Profiles[0].TimeNanos / 100);
        Assert.NotEmpty(batch.Profiles);
        foreach (var type in batch.Profiles.GroupBy(p => p.ProfileType))
        {
            var top = reader.Top(StoreFixture.Select("{service_name=\"api\", pod=\"a\"}", type.Key, time.AddHours(-1), time.AddHours(1)));
            Assert.Equal(type.Sum(p => p.Total), top.Total);
        }
    }

    [Fact]
    public async Task Replay_AfterAFlush_DoesNotDuplicateWhatParquetAlreadyHolds()
    {
        await using var store = await StoreFixture.StartAsync();
        await store.Writer.AppendAsync("default", Folded(BaseTime, "api", null, Cpu, ("main;a", 5)));
        await store.Writer.FlushAsync();
        await store.Writer.AppendAsync("default", Folded(BaseTime.AddMinutes(1), "api", null, Cpu, ("main;b", 7)));
        await store.ReopenWriterAsync();
        await store.ReopenWriterAsync();
        Assert.Equal(12, store.Reader.Top(StoreFixture.Select()).Total);
    }

    /// <summary>A writer that acknowledged two records (values 5 and 6) and was then abandoned without a flush.</summary>
    private static async Task<StoreOptions> AbandonedWriterWithTwoRecordsAsync(TempDirectory dir)
    {
        var options = new StoreOptions { DataDirectory = dir.Path, WriterId = "w1", FlushInterval = TimeSpan.FromHours(1) };
        var first = await ProfileWriter.OpenAsync(options);
        await first.AppendAsync("default", Folded(BaseTime, "api", null, Cpu, ("main;a", 5)));
        await first.AppendAsync("default", Folded(BaseTime, "api", null, Cpu, ("main;b", 6)));
        return options;
    }

    [Fact]
    public async Task TornTail_IsDroppedWithTheRecordsBeforeItIntact()
    {
        using var dir = new TempDirectory();
        var options = await AbandonedWriterWithTwoRecordsAsync(dir);
        // A third record cut short, as a crash in the middle of a write leaves it.
        var segment = Directory.GetFiles(options.WalDirectory, "*.wal").Single();
        var bytes = await File.ReadAllBytesAsync(segment);
        var firstRecordLength = BitConverter.ToInt32(bytes, 0) + 8;
        await using (var append = new FileStream(segment, FileMode.Append))
        {
            append.Write(bytes.AsSpan(0, firstRecordLength - 3));
        }

        await using var second = await ProfileWriter.OpenAsync(options);
        Assert.Equal(2, second.Replay.RecordsReplayed);
        Assert.Equal(1, second.Replay.TornRecordsDropped);
        using var reader = new Store.Query.ProfileReader(dir.Path);
        Assert.Equal(11, reader.Top(StoreFixture.Select()).Total);
        // The writer goes on appending after the torn record.
        await second.AppendAsync("default", Folded(BaseTime, "api", null, Cpu, ("main;c", 1)));
        await second.FlushAsync();
        Assert.Equal(12, reader.Top(StoreFixture.Select()).Total);
    }

    [Fact]
    public async Task CorruptChecksum_InTheLastRecord_IsDetected()
    {
        using var dir = new TempDirectory();
        var options = await AbandonedWriterWithTwoRecordsAsync(dir);
        var segment = Directory.GetFiles(options.WalDirectory, "*.wal").Single();
        var bytes = await File.ReadAllBytesAsync(segment);
        bytes[^2] ^= 0xFF;
        await File.WriteAllBytesAsync(segment, bytes);

        await using var second = await ProfileWriter.OpenAsync(options);
        Assert.Equal(1, second.Replay.RecordsReplayed);
        Assert.Equal(1, second.Replay.TornRecordsDropped);
    }

    [Fact]
    public async Task InterruptedFlush_WithItsManifestWritten_IsRolledForwardAtStart()
    {
        using var dir = new TempDirectory();
        var options = new StoreOptions { DataDirectory = dir.Path, WriterId = "w1", FlushInterval = TimeSpan.FromHours(1) };
        await using (var writer = await ProfileWriter.OpenAsync(options))
        {
            await writer.AppendAsync("default", Folded(BaseTime, "api", null, Cpu, ("main;a", 5)));
            await writer.FlushAsync();
        }
        // Turn the finished flush back into one that crashed after its manifest: files under temporary names, old checkpoint.
        var hour = Path.Combine(dir.Path, "tenant=default", "hour=2026-11-22T10");
        var renames = new List<FileRename>();
        foreach (var file in Directory.GetFiles(hour))
        {
            var temp = Path.Combine(hour, ".tmp-" + Path.GetFileName(file));
            File.Move(file, temp);
            renames.Add(new FileRename(temp, file));
        }
        var checkpoint = WriterCheckpoint.Read(options.WalDirectory);
        new FlushManifest(checkpoint, renames).Write(options.WalDirectory);
        new WriterCheckpoint(0, 1).Write(options.WalDirectory);
        using var reader = new Store.Query.ProfileReader(dir.Path);
        Assert.Equal(0, reader.Top(StoreFixture.Select()).Total);

        await using var reopened = await ProfileWriter.OpenAsync(options);
        Assert.Equal(5, reader.Top(StoreFixture.Select()).Total);
        Assert.Equal(checkpoint, WriterCheckpoint.Read(options.WalDirectory));
        Assert.False(File.Exists(Path.Combine(options.WalDirectory, FlushManifest.FileName)));
    }

    [Fact]
    public async Task Flush_RemovesLogSegmentsItMadeRedundant()
    {
        await using var store = await StoreFixture.StartAsync(o => o with { Wal = new WalOptions { SegmentBytes = 200 } });
        for (var i = 0; i < 10; i++)
        {
            await store.Writer.AppendAsync("default", Folded(BaseTime, "api", null, Cpu, ($"main;f{i}", 1)));
        }
        var before = Directory.GetFiles(store.Options.WalDirectory, "*.wal").Length;
        Assert.True(before >= 5, $"expected several segments, found {before}");
        await store.Writer.FlushAsync();
        Assert.Single(Directory.GetFiles(store.Options.WalDirectory, "*.wal"));
        await store.ReopenWriterAsync();
        Assert.Equal(10, store.Reader.Top(StoreFixture.Select()).Total);
    }

    [Fact]
    public async Task Buffer_OverItsLimit_RefusesWithTheLimitNamed()
    {
        await using var store = await StoreFixture.StartAsync(o => o with { FlushMaxSamples = 2, MaxBufferedSamples = 3 });
        await store.Writer.AppendAsync("default", Folded(BaseTime, "api", null, Cpu, ("a", 1), ("b", 1), ("c", 1)));
        // The flush loop may or may not have run; block it by keeping the buffer full only if still full.
        if (store.Writer.BufferedRows >= 3)
        {
            var ex = await Assert.ThrowsAsync<StoreOverloadedException>(() => store.Writer.AppendAsync("default", Folded(BaseTime, "api", null, Cpu, ("d", 1))));
            Assert.Contains("max_buffered_samples", ex.Message, StringComparison.Ordinal);
        }
        await store.Writer.FlushAsync();
        await store.Writer.AppendAsync("default", Folded(BaseTime, "api", null, Cpu, ("d", 1)));
        await store.Writer.FlushAsync();
        Assert.Equal(4, store.Reader.Top(StoreFixture.Select()).Total);
    }

    [Fact]
    public async Task Buffer_TooFullForTheNextAppendButBelowTheFlushThreshold_TheRefusalStartsAFlush()
    {
        // flush_max_samples equal to max_buffered_samples, as validation allows: 3 rows wait (below
        // the threshold of 4), the next append of 2 does not fit. The flush interval is an hour, so
        // only the refusal can start the flush that lets the retry in.
        await using var store = await StoreFixture.StartAsync(o => o with { FlushMaxSamples = 4, MaxBufferedSamples = 4, FlushInterval = TimeSpan.FromHours(1) });
        await store.Writer.AppendAsync("default", Folded(BaseTime, "api", null, Cpu, ("a", 1), ("b", 1), ("c", 1)));
        await Assert.ThrowsAsync<StoreOverloadedException>(() => store.Writer.AppendAsync("default", Folded(BaseTime, "api", null, Cpu, ("d", 1), ("e", 1))));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (store.Writer.BufferedRows > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.Equal(0, store.Writer.BufferedRows);
        await store.Writer.AppendAsync("default", Folded(BaseTime, "api", null, Cpu, ("d", 1), ("e", 1)));
        await store.Writer.FlushAsync();
        Assert.Equal(5, store.Reader.Top(StoreFixture.Select()).Total);
    }

    [Fact]
    public async Task FlushLoop_FlushesOnAge_WithoutAnExplicitFlush()
    {
        await using var store = await StoreFixture.StartAsync(o => o with { FlushInterval = TimeSpan.FromMilliseconds(200) });
        await store.Writer.AppendAsync("default", Folded(BaseTime, "api", null, Cpu, ("a", 3)));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (store.Reader.Top(StoreFixture.Select()).Total == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Equal(3, store.Reader.Top(StoreFixture.Select()).Total);
    }

    [Fact]
    public async Task Tenants_AreKeptInTheirOwnPartitions()
    {
        await using var store = await StoreFixture.StartAsync();
        await store.Writer.AppendAsync("team-a", Folded(BaseTime, "api", null, Cpu, ("a", 3)));
        await store.Writer.AppendAsync("team-b", Folded(BaseTime, "api", null, Cpu, ("a", 4)));
        await store.Writer.FlushAsync();
        Assert.Equal(3, store.Reader.Top(StoreFixture.Select(tenant: "team-a")).Total);
        Assert.Equal(4, store.Reader.Top(StoreFixture.Select(tenant: "team-b")).Total);
        await Assert.ThrowsAsync<ArgumentException>(() => store.Writer.AppendAsync("../etc", Folded(BaseTime, "api", null, Cpu, ("a", 3))));
    }
}
