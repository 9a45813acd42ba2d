using System.Runtime.InteropServices;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Write;
using GrafanaProfiles.Store.Write.Parquet;

namespace GrafanaProfiles.Store.Write.Tests;

/// <summary>
/// Our samples Parquet files read by real DuckDB, and compared with the file DuckDB's own COPY
/// writes from the same rows (<see cref="DuckDbSamplesCopy"/>, how the store wrote them before).
/// </summary>
public sealed class SamplesFileWriterTests : IDisposable
{
    // DuckDB cuts row groups of a COPY at multiples of its 2,048-row chunks; ours at the exact size.
    private const int RowGroupSize = 4 * 2048;

    private static readonly DateTime Hour = new(2026, 5, 4, 7, 0, 0, DateTimeKind.Utc);

    private static readonly string[] Services = ["api", "zeta", "ümlaut-sérvice", "quote'\"svc", "nul\0svc", "日本-svc", "a"];

    private static readonly string[] Types = [Batches.Cpu, Batches.AllocSpace, "memory:inuse_objects:count:space:bytes"];

    private readonly TempDirectory _dir = new();
    private readonly DuckDbDatabase _db = DuckDbDatabase.Open(settings: new Dictionary<string, string> { ["threads"] = "1" });
    private readonly DuckDbConnection _c;

    public SamplesFileWriterTests() => _c = _db.Connect();

    public void Dispose()
    {
        _c.Dispose();
        _db.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void Write_RandomRows_DuckDbReadsThemBackInSortOrderRowByRow()
    {
        using var buffer = RandomBuffer(seed: 1, windows: 400);
        var path = Path.Combine(_dir.Path, "samples.parquet");
        using var writer = new SamplesFileWriter(RowGroupSize, pageBytes: 4096);

        var groups = writer.Write(buffer, path);

        var expected = Expected(buffer);
        var actual = ReadRows($"read_parquet('{path}')");
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i] == actual[i], $"row {i}: expected {expected[i]}, read {actual[i]}");
        }
        // What the data was chosen to exercise: several row groups, several pages per chunk,
        // dictionaries and the PLAIN fallback, null and non-null span ids.
        Assert.True(groups.Count > 3, $"{groups.Count} row groups");
        Assert.Contains(groups, g => g.Columns.Any(c => c.DataPages > 1));
        var values = groups.Select(g => g.Columns[6]).ToList();
        Assert.Contains(values, c => c.DictionaryPageOffset is null);
        Assert.Contains(values, c => c.DictionaryPageOffset is not null);
        Assert.Contains(groups, g => g.Columns[5].DictionaryPageOffset is not null);
        Assert.Contains(actual, r => r.SpanId is null);
        Assert.Contains(actual, r => r.SpanId is > long.MaxValue);
    }

    [Fact]
    public void Write_RowGroupsOfThreeRows_StillReadBackRowByRow()
    {
        // Three rows allow one dictionary entry, so strings and integers alike go PLAIN when two
        // differ; span ids are all null in some groups and all set in others.
        using var buffer = RandomBuffer(seed: 8, windows: 12);
        var path = Path.Combine(_dir.Path, "samples.parquet");
        using var writer = new SamplesFileWriter(rowGroupSize: 3);

        var groups = writer.Write(buffer, path);

        Assert.Equal(Expected(buffer), ReadRows($"read_parquet('{path}')"));
        Assert.Contains(groups, g => g.Columns[2].DictionaryPageOffset is null && g.Columns[2].DistinctCount is null);
        Assert.Contains(groups, g => g.Columns[7].NullCount == g.Rows);
        Assert.Contains(groups, g => g.Columns[7].NullCount == 0);
    }

    [Fact]
    public void Write_SameRows_ReadBackEqualToDuckDbsCopy()
    {
        using var buffer = RandomBuffer(seed: 2, windows: 150);
        var (ours, duck) = WriteBoth(buffer);

        Assert.Equal(ReadRows($"read_parquet('{duck}')"), ReadRows($"read_parquet('{ours}')"));
    }

    [Fact]
    public void Write_ColumnNamesAndTypes_EqualThoseOfDuckDbsCopy()
    {
        using var buffer = RandomBuffer(seed: 3, windows: 20);
        var (ours, duck) = WriteBoth(buffer);

        var expected = Describe(duck);
        Assert.Equal(
            ["time TIMESTAMP", "duration BIGINT", "service_name VARCHAR", "profile_type VARCHAR", "series_id UBIGINT", "stack_id UBIGINT", "value BIGINT", "span_id UBIGINT"],
            expected);
        Assert.Equal(expected, Describe(ours));
    }

    [Fact]
    public void Write_EmptyBuffer_WritesAFileWithTheColumnsAndNoRows()
    {
        using var buffer = new PartitionBuffer(new PartitionKey("default", Hour));
        var (ours, duck) = WriteBoth(buffer);

        Assert.Equal(Describe(duck), Describe(ours));
        Assert.Equal(0L, Scalar<long>($"SELECT count(*) FROM read_parquet('{ours}')"));
    }

    [Fact]
    public void Write_Statistics_EqualDuckDbsPerRowGroupAndColumn()
    {
        using var buffer = RandomBuffer(seed: 4, windows: 600);
        var (ours, duck) = WriteBoth(buffer);

        var expected = Statistics(duck);
        var actual = Statistics(ours);
        Assert.True(expected.Count > 3 * 8, $"{expected.Count} column chunks");
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i], actual[i]);
        }
    }

    [Fact]
    public void Write_FilterMatchingOneRowGroup_ReturnsExactlyItsRows()
    {
        using var buffer = RandomBuffer(seed: 5, windows: 600, servicesApart: true);
        var path = Path.Combine(_dir.Path, "samples.parquet");
        using var writer = new SamplesFileWriter(RowGroupSize);
        var groups = writer.Write(buffer, path);
        var rows = Expected(buffer);
        Assert.True(groups.Count > 3);

        // A stack id, a time and a service that occur in one row group only (the stack id above
        // 2^63, where a signed order would misplace it), and a range within one row group.
        var inOneGroup = rows.Select((r, i) => (Row: r, Group: i / RowGroupSize)).ToList();
        var stack = inOneGroup.GroupBy(x => x.Row.StackId).First(g => g.Key > long.MaxValue && g.Select(x => x.Group).Distinct().Count() == 1).Key;
        var time = inOneGroup.GroupBy(x => x.Row.TimeMicros).First(g => g.Select(x => x.Group).Distinct().Count() == 1).Key;
        var service = inOneGroup.GroupBy(x => x.Row.ServiceName).First(g => g.Select(x => x.Group).Distinct().Count() == 1).Key;

        Assert.Equal(rows.Where(r => r.StackId == stack), ReadRows($"read_parquet('{path}') WHERE stack_id = {stack}"));
        Assert.Equal(rows.Where(r => r.TimeMicros == time), ReadRows($"read_parquet('{path}') WHERE time = make_timestamp({time})"));
        Assert.Equal(rows.Where(r => r.ServiceName == service),
            ReadRows($"read_parquet('{path}') WHERE service_name = decode(from_hex('{Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(service))}'))"));
        var last = rows[^1].StackId;
        Assert.Equal(rows.Where(r => r.StackId >= last), ReadRows($"read_parquet('{path}') WHERE stack_id >= {last}"));
    }

    [Fact]
    public void Write_FilterOutsideARowGroupsStatistics_DuckDbSkipsThatRowGroupUnread()
    {
        using var buffer = RandomBuffer(seed: 9, windows: 600, servicesApart: true);
        var path = Path.Combine(_dir.Path, "samples.parquet");
        using var writer = new SamplesFileWriter(RowGroupSize);
        var groups = writer.Write(buffer, path);
        var rows = Expected(buffer);
        Assert.True(groups.Count > 3);

        // Overwrite the second row group's pages: DuckDB fails on them if it reads them (checked),
        // so a filter that its statistics exclude only answers if DuckDB pruned it unread.
        const int skipped = 1;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.Position = groups[skipped].FileOffset;
            file.Write(Enumerable.Repeat((byte)0xFF, (int)(groups[skipped + 1].FileOffset - groups[skipped].FileOffset)).ToArray());
        }
        Assert.Throws<DuckDbException>(() => ReadRows($"read_parquet('{path}')"));
        var inSkipped = rows.Skip(skipped * RowGroupSize).Take(RowGroupSize).ToList();
        var (minTime, maxTime) = (inSkipped.Min(r => r.TimeMicros), inSkipped.Max(r => r.TimeMicros));
        var (minService, maxService) = (inSkipped[0].ServiceName, inSkipped[^1].ServiceName);
        // DuckDB compares a string with the statistics by prefix: "a" cannot rule out a group from "api" on.
        var service = rows.Select(r => r.ServiceName).First(x => inSkipped.All(r => r.ServiceName != x) &&
            !minService.StartsWith(x, StringComparison.Ordinal) && !maxService.StartsWith(x, StringComparison.Ordinal));
        var time = rows.Select(r => r.TimeMicros).First(t => t < minTime || t > maxTime);

        Assert.Equal(rows.Where(r => r.ServiceName == service),
            ReadRows($"read_parquet('{path}') WHERE service_name = decode(from_hex('{Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(service))}'))"));
        Assert.Equal(rows.Where(r => r.TimeMicros == time), ReadRows($"read_parquet('{path}') WHERE time = make_timestamp({time})"));
        Assert.Equal(rows.Where(r => r.TimeMicros > maxTime), ReadRows($"read_parquet('{path}') WHERE time > make_timestamp({maxTime})"));
    }

    [Fact]
    public void ReadParquet_OurFilesAndDuckDbsTogether_ReadsAllRowsWithOneSchema()
    {
        using var first = RandomBuffer(seed: 6, windows: 60);
        using var second = RandomBuffer(seed: 7, windows: 60);
        var ours = Path.Combine(_dir.Path, "samples-ours.parquet");
        var duck = Path.Combine(_dir.Path, "samples-duck.parquet");
        using (var writer = new SamplesFileWriter(RowGroupSize))
        {
            writer.Write(first, ours);
        }
        DuckDbSamplesCopy.Write(_c, second, RowGroupSize, duck);
        var all = Expected(first).Concat(Expected(second)).ToList();

        foreach (var files in new[] { $"['{ours}', '{duck}']", $"['{duck}', '{ours}']" })
        {
            Assert.Equal(all.Count, Scalar<long>($"SELECT count(*) FROM read_parquet({files})"));
            Assert.Equal(all.Count(r => r.SpanId is not null), Scalar<long>($"SELECT count(span_id) FROM read_parquet({files})"));
            Assert.Equal(all.Where(r => r.ServiceName == "zeta").Aggregate(Int128.Zero, (sum, r) => sum + r.Value),
                Scalar<Int128>($"SELECT sum(value) FROM read_parquet({files}) WHERE service_name = 'zeta'"));
        }
    }

    /// <summary>
    /// Windows of random keys and times, some sharing a key and time; stack ids from a pool with
    /// half of them above 2^63; values from a small set for the services that sort before "zeta" and
    /// almost all distinct for the others (so the row groups at the end fall back to PLAIN); a third
    /// of the span ids set. With <paramref name="servicesApart"/> each service has its own
    /// 8 minutes of the hour and its own 400 stacks, so a time or a stack occurs in the rows of
    /// one service only.
    /// </summary>
    private static PartitionBuffer RandomBuffer(int seed, int windows, bool servicesApart = false)
    {
        var random = new Random(seed);
        var buffer = new PartitionBuffer(new PartitionKey("default", Hour));
        var stacks = Enumerable.Range(0, 3000).Select(i => (ulong)random.NextInt64() | (i % 2 == 0 ? 1UL << 63 : 0)).ToArray();
        var batch = new ProfileBatch();
        for (var w = 0; w < windows; w++)
        {
            var service = Services[random.Next(Services.Length)];
            var labels = LabelSet.From(new Dictionary<string, string> { ["pod"] = $"pod-{random.Next(3)}" });
            var time = servicesApart
                ? Hour.AddMinutes(8 * Array.IndexOf(Services, service)).AddSeconds(random.Next(48) * 10)
                : Hour.AddSeconds(random.Next(36) * 100).AddTicks(random.Next(10) * 10);
            var profile = new SeriesProfile(Batches.Nanos(time), random.Next(3) * 5_000_000_000L + 1, service, Types[random.Next(Types.Length)], labels);
            var count = random.Next(1, 150);
            var seen = new HashSet<ulong>();
            for (var i = 0; i < count; i++)
            {
                var stack = servicesApart
                    ? stacks[(Array.IndexOf(Services, service) * 400) + random.Next(400)]
                    : stacks[random.Next(stacks.Length)];
                if (!seen.Add(stack))
                {
                    continue;
                }
                var value = string.CompareOrdinal(service, "zeta") < 0 ? random.Next(1, 20) * 10_000_000L : random.NextInt64(long.MinValue, long.MaxValue);
                var span = random.Next(3) == 0 ? (ulong)random.NextInt64() << 1 | 1 : 0;
                profile.Samples.Add(new SampleRow(stack, value, span));
            }
            buffer.Add(profile, batch, 0);
        }
        return buffer;
    }

    /// <summary>The rows in the file's order, computed from the buffer the way the samples table defines them.</summary>
    private static List<Line> Expected(PartitionBuffer buffer)
    {
        var (order, runOf) = buffer.SortedOrder();
        try
        {
            var runs = CollectionsMarshal.AsSpan(buffer.Runs);
            var lines = new List<Line>(buffer.RowCount);
            for (var i = 0; i < buffer.RowCount; i++)
            {
                var run = runs[runOf[i]];
                var row = buffer.Rows[order[i]];
                var key = buffer.Keys[run.Key];
                lines.Add(new Line(run.TimeMicros, run.DurationNanos, key.ServiceName, key.ProfileType, key.SeriesId, row.StackId, row.Value,
                    row.SpanId == 0 ? null : row.SpanId));
            }
            return lines;
        }
        finally
        {
            PartitionBuffer.ReturnSortedOrder((order, runOf));
        }
    }

    private (string Ours, string Duck) WriteBoth(PartitionBuffer buffer)
    {
        var ours = Path.Combine(_dir.Path, "samples-ours.parquet");
        var duck = Path.Combine(_dir.Path, "samples-duck.parquet");
        using (var writer = new SamplesFileWriter(RowGroupSize))
        {
            writer.Write(buffer, ours);
        }
        DuckDbSamplesCopy.Write(_c, buffer, RowGroupSize, duck);
        return (ours, duck);
    }

    private List<Line> ReadRows(string from)
    {
        using var result = _c.Query($"SELECT epoch_us(time), duration, service_name, profile_type, series_id, stack_id, value, span_id FROM {from}");
        var lines = new List<Line>();
        foreach (var chunk in result.Chunks())
        {
            var time = chunk.Column(0).Values<long>();
            var duration = chunk.Column(1).Values<long>();
            var series = chunk.Column(4).Values<ulong>();
            var stack = chunk.Column(5).Values<ulong>();
            var value = chunk.Column(6).Values<long>();
            var span = chunk.Column(7).Values<ulong>();
            for (var i = 0; i < chunk.RowCount; i++)
            {
                lines.Add(new Line(time[i], duration[i], chunk.Column(2).GetString(i)!, chunk.Column(3).GetString(i)!, series[i], stack[i], value[i],
                    chunk.Column(7).IsValid(i) ? span[i] : null));
            }
        }
        return lines;
    }

    private List<string> Describe(string path)
    {
        using var result = _c.Query($"DESCRIBE SELECT * FROM read_parquet('{path}')");
        return [.. result.Chunks().SelectMany(chunk => Enumerable.Range(0, chunk.RowCount)
            .Select(i => $"{chunk.Column(0).GetString(i)} {chunk.Column(1).GetString(i)}").ToList())];
    }

    /// <summary>Per row group and column: rows, statistics (both generations) and null count, as DuckDB reports them.</summary>
    private List<string> Statistics(string path)
    {
        using var result = _c.Query($"""
            SELECT concat_ws(' | ', row_group_id, row_group_num_rows, path_in_schema, num_values, stats_null_count,
                coalesce(stats_min, '-'), coalesce(stats_max, '-'), coalesce(stats_min_value, '-'), coalesce(stats_max_value, '-'))
            FROM parquet_metadata('{path}') ORDER BY row_group_id, column_id
            """);
        return [.. result.Chunks().SelectMany(chunk => Enumerable.Range(0, chunk.RowCount).Select(i => chunk.Column(0).GetString(i)!).ToList())];
    }

    private T Scalar<T>(string sql) where T : unmanaged
    {
        using var result = _c.Query(sql);
        using var chunk = result.FetchChunk()!;
        return chunk.Column(0).Values<T>()[0];
    }

    private readonly record struct Line(long TimeMicros, long Duration, string ServiceName, string ProfileType, ulong SeriesId, ulong StackId,
        long Value, ulong? SpanId);
}
