using System.Text;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Write;
using GrafanaProfiles.Store.Write.Parquet;

namespace GrafanaProfiles.Store.Write.Tests;

/// <summary>
/// Our stacks and functions Parquet files read by real DuckDB, and compared with the files DuckDB's
/// own COPY writes from the same rows (<see cref="DuckDbSymbolsCopy"/>, how a flush wrote them before).
/// </summary>
public sealed class SymbolFilesWriterTests : IDisposable
{
    // DuckDB cuts row groups of a COPY at multiples of its 2,048-row chunks; ours at the exact size.
    private const int RowGroupSize = 4 * 2048;

    /// <summary>Ids at the ends of the unsigned range and around 2^63, where a signed order would misplace them.</summary>
    private static readonly ulong[] EdgeIds = [0, 1, 2, long.MaxValue, (ulong)long.MaxValue + 1, ulong.MaxValue - 1, ulong.MaxValue];

    /// <summary>Names a function may have: quotes, NUL, empty, non-ASCII, and longer than the statistics keep.</summary>
    private static readonly string[] AwkwardNames =
    [
        "", "quote'\"fn", "nul\0fn\0", "main.(*Server).ServeHTTP", "日本語.関数", "ümlaut.Fünktion", "emoji.🔥", " ", "\t\n",
        new string('x', 70_000), "a" + new string('é', 30_000), "m" + new string('日', 300) + "~" + new string('z', 300),
        new string('y', 256), new string('y', 257), "zz" + new string('~', 400),
    ];

    /// <summary>Stacks whose frames never repeat have ids from here on, so they fill the last row groups.</summary>
    private const ulong DistinctIdsFrom = 0xFF00_0000_0000_0000UL;

    private readonly TempDirectory _dir = new();
    private readonly DuckDbDatabase _db = DuckDbDatabase.Open(settings: new Dictionary<string, string> { ["threads"] = "1" });
    private readonly DuckDbConnection _c;

    public SymbolFilesWriterTests() => _c = _db.Connect();

    public void Dispose()
    {
        _c.Dispose();
        _db.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void WriteStacks_RandomStacks_DuckDbReadsThemBackSortedRowByRow()
    {
        var stacks = RandomStacks(seed: 1, pooled: 20_000, distinct: 2 * RowGroupSize + 100);
        var path = Path.Combine(_dir.Path, "stacks.parquet");
        using var writer = new SymbolFilesWriter(RowGroupSize, pageBytes: 4096);

        var groups = writer.WriteStacks(stacks, stacks.Keys, path);

        var expected = ExpectedStacks(stacks);
        var actual = ReadStacks($"read_parquet('{path}')");
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].Id == actual[i].Id && expected[i].Frames.SequenceEqual(actual[i].Frames),
                $"row {i}: expected {expected[i].Id} [{string.Join(", ", expected[i].Frames)}], read {actual[i].Id} [{string.Join(", ", actual[i].Frames)}]");
        }
        // What the data was chosen to exercise: several row groups, several pages per chunk, the
        // dictionary and the PLAIN fallback for frame ids, empty lists, the edge ids.
        Assert.True(groups.Count > 3, $"{groups.Count} row groups");
        var frames = groups.Select(g => g.Columns[1]).ToList();
        Assert.All(frames, c => Assert.True(c.DataPages > 1, $"{c.DataPages} pages"));
        Assert.Contains(frames, c => c.DictionaryPageOffset is not null);
        Assert.Contains(frames, c => c.DictionaryPageOffset is null);
        Assert.All(groups, g => Assert.Null(g.Columns[0].DictionaryPageOffset));
        Assert.Contains(actual, s => s.Frames.Length == 0);
        Assert.Contains(actual, s => s.Frames.Length == 1);
        Assert.Contains(actual, s => s.Frames.Length == 200);
        Assert.Equal(EdgeIds, actual.Select(s => s.Id).Where(EdgeIds.Contains));
        Assert.Equal(0L, Scalar<long>($"SELECT count(*) FROM read_parquet('{path}') WHERE frame_ids IS NULL OR stack_id IS NULL"));
        Assert.Equal(expected.Count(s => s.Frames.Length == 0), Scalar<long>($"SELECT count(*) FROM read_parquet('{path}') WHERE len(frame_ids) = 0"));
    }

    [Fact]
    public void WriteStacks_OneFrameLongerThanAPage_StillOneRowPerPageAndReadBack()
    {
        // Rows of 2,000 frames at 512-byte pages: a page never ends inside a row, so each page holds
        // one whole row (and the empty lists after it).
        var random = new Random(2);
        var stacks = Enumerable.Range(0, 50).ToDictionary(i => (ulong)random.NextInt64(),
            i => Enumerable.Range(0, i % 5 == 0 ? 0 : 2000).Select(_ => (ulong)random.NextInt64()).ToArray());
        var path = Path.Combine(_dir.Path, "stacks.parquet");
        using var writer = new SymbolFilesWriter(RowGroupSize, pageBytes: 512);

        var groups = writer.WriteStacks(stacks, stacks.Keys, path);

        Assert.Equal(ExpectedStacks(stacks).Select(s => (s.Id, string.Join(",", s.Frames))), ReadStacks($"read_parquet('{path}')").Select(s => (s.Id, string.Join(",", s.Frames))));
        Assert.Equal(stacks.Values.Count(f => f.Length > 0), groups.Single().Columns[1].DataPages);
    }

    [Fact]
    public void WriteStacks_SameRows_ReadBackEqualToDuckDbsCopy()
    {
        var stacks = RandomStacks(seed: 3, pooled: 5000, distinct: 500);
        var (ours, duck) = WriteBothStacks(stacks);

        var expected = ReadStacks($"read_parquet('{duck}')");
        var actual = ReadStacks($"read_parquet('{ours}')");
        Assert.Equal(expected.Select(s => (s.Id, string.Join(",", s.Frames))), actual.Select(s => (s.Id, string.Join(",", s.Frames))));
        // The SQL of the function queries (ProfileReader.Functions) over frame_ids.
        var probe = stacks.Values.First(f => f.Length > 3)[2];
        foreach (var where in new[] { $"list_has_any(frame_ids, [{probe}]::UBIGINT[])", $"list_contains([{probe}]::UBIGINT[], frame_ids[-1])" })
        {
            var sql = $"SELECT count(*), sum(stack_id % 1000) FROM read_parquet('{{0}}') WHERE {where}";
            Assert.Equal(Scalar<long>(string.Format(System.Globalization.CultureInfo.InvariantCulture, sql, duck)),
                Scalar<long>(string.Format(System.Globalization.CultureInfo.InvariantCulture, sql, ours)));
        }
        Assert.True(Scalar<long>($"SELECT count(*) FROM read_parquet('{ours}') WHERE list_has_any(frame_ids, [{probe}]::UBIGINT[])") > 0);
    }

    [Fact]
    public void WriteStacks_ColumnNamesAndTypes_EqualThoseOfDuckDbsCopy()
    {
        var stacks = RandomStacks(seed: 4, pooled: 100, distinct: 0);
        var (ours, duck) = WriteBothStacks(stacks);

        Assert.Equal(["stack_id UBIGINT", "frame_ids UBIGINT[]"], Describe(duck));
        Assert.Equal(Describe(duck), Describe(ours));
        Assert.Equal(
            ["stack_id INT64 UINT_64 - UBIGINT", "frame_ids - LIST 1 -", "list - - 1 -", "element INT64 UINT_64 - UBIGINT"],
            Schema(duck).Skip(1));
        Assert.Equal(Schema(duck).Skip(1), Schema(ours).Skip(1));
    }

    [Fact]
    public void WriteStacks_Statistics_EqualDuckDbsPerRowGroupAndColumn()
    {
        var stacks = RandomStacks(seed: 5, pooled: 30_000, distinct: RowGroupSize);
        var (ours, duck) = WriteBothStacks(stacks);

        var expected = Statistics(duck);
        var actual = Statistics(ours);
        Assert.True(expected.Count >= 4 * 2, $"{expected.Count} column chunks");
        Assert.Equal(expected, actual);
        // Empty lists are counted as nulls of the element column, as DuckDB counts them.
        Assert.Contains(actual, s => s.Contains("frame_ids, list, element", StringComparison.Ordinal) && !s.Contains("| 0 |", StringComparison.Ordinal));
    }

    [Fact]
    public void WriteStacks_EmptyAndSingleFrameStacksOnly_ReadBack()
    {
        var stacks = new Dictionary<ulong, ulong[]> { [5] = [], [ulong.MaxValue] = [], [7] = [ulong.MaxValue], [3] = [0] };
        var (ours, duck) = WriteBothStacks(stacks);

        Assert.Equal(ReadStacks($"read_parquet('{duck}')").Select(s => (s.Id, string.Join(",", s.Frames))),
            ReadStacks($"read_parquet('{ours}')").Select(s => (s.Id, string.Join(",", s.Frames))));
        Assert.Equal([(3UL, "0"), (5UL, ""), (7UL, ulong.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture)), (ulong.MaxValue, "")],
            ReadStacks($"read_parquet('{ours}')").Select(s => (s.Id, string.Join(",", s.Frames))));
        Assert.Equal(Statistics(duck), Statistics(ours));
    }

    [Fact]
    public void WriteFunctions_AwkwardStrings_DuckDbReadsThemBackSortedRowByRow()
    {
        var functions = RandomFunctions(seed: 6, count: 3 * RowGroupSize + 17);
        var path = Path.Combine(_dir.Path, "functions.parquet");
        using var writer = new SymbolFilesWriter(RowGroupSize, pageBytes: 4096);

        var groups = writer.WriteFunctions(functions, functions.Keys, path);

        var expected = ExpectedFunctions(functions);
        var actual = ReadFunctions($"read_parquet('{path}')");
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i] == actual[i], $"row {i}: expected {expected[i]}, read {actual[i]}");
        }
        Assert.Equal([RowGroupSize, RowGroupSize, RowGroupSize, 17], groups.Select(g => g.Rows));
        var full = groups.Take(3).ToList();
        Assert.All(full, g => Assert.True(g.Columns[1].DataPages > 1, $"{g.Columns[1].DataPages} pages of names"));
        // Names are mostly distinct (PLAIN), file names few (a dictionary).
        Assert.All(groups, g => Assert.Null(g.Columns[1].DictionaryPageOffset));
        Assert.All(full, g => Assert.NotNull(g.Columns[3].DictionaryPageOffset));
        foreach (var name in AwkwardNames)
        {
            Assert.Contains(actual, f => f.Name == name);
        }
        Assert.Equal(EdgeIds, actual.Select(f => f.Id).Where(EdgeIds.Contains));
    }

    [Fact]
    public void WriteFunctions_FewDistinctNames_DictionaryEncodedAndReadBack()
    {
        var random = new Random(7);
        var functions = Enumerable.Range(0, 5000).Select(i => new FunctionInfo(AwkwardNames[i % AwkwardNames.Length], AwkwardNames[(i + 3) % AwkwardNames.Length], "f.go", i))
            .DistinctBy(f => f.Id).ToDictionary(f => (ulong)random.NextInt64(), f => f);
        var path = Path.Combine(_dir.Path, "functions.parquet");
        using var writer = new SymbolFilesWriter(RowGroupSize, pageBytes: 4096);

        var groups = writer.WriteFunctions(functions, functions.Keys, path);

        Assert.Equal(ExpectedFunctions(functions), ReadFunctions($"read_parquet('{path}')"));
        Assert.All(groups, g => Assert.NotNull(g.Columns[1].DictionaryPageOffset));
    }

    [Fact]
    public void WriteFunctions_ColumnNamesAndTypes_EqualThoseOfDuckDbsCopy()
    {
        var functions = RandomFunctions(seed: 8, count: 50);
        var (ours, duck) = WriteBothFunctions(functions);

        Assert.Equal(["function_id UBIGINT", "name VARCHAR", "system_name VARCHAR", "filename VARCHAR", "line BIGINT"], Describe(duck));
        Assert.Equal(Describe(duck), Describe(ours));
        Assert.Equal(Schema(duck).Skip(1), Schema(ours).Skip(1));
    }

    [Fact]
    public void WriteFunctions_Statistics_EqualDuckDbsPerRowGroupAndColumn()
    {
        var functions = RandomFunctions(seed: 9, count: (3 * RowGroupSize) - 1);
        // A name above every other whose first 256 bytes have no byte a cut maximum could raise:
        // DuckDB writes no min/max for its row group, and neither do we.
        functions[ulong.MaxValue - 3] = new FunctionInfo(string.Concat(Enumerable.Repeat("\U0010FFFF", 100)), "", "", 0);
        var (ours, duck) = WriteBothFunctions(functions);

        var expected = Statistics(duck);
        Assert.Equal(3 * 5, expected.Count);
        Assert.Equal(expected, Statistics(ours));
    }

    [Fact]
    public void WriteFunctions_LongAndEmptyStrings_StatisticsCutAsDuckDbCutsThem()
    {
        string[][] cases =
        [
            // A maximum cut after its last ASCII byte below 0x7F, that byte raised: "zz~…~\x7F".
            ["abc", "zz" + new string('~', 400), "m" + new string('日', 300)],
            // A minimum cut to 256 bytes.
            [new string('y', 257), "yz"],
            // A minimum cut back to the start of a character (255 bytes), a maximum cut after its only ASCII byte: "b".
            ["a" + new string('é', 30_000), "a" + new string('é', 29_999) + "f" + new string('x', 300)],
            // No byte to raise in the maximum: no min/max at all.
            [string.Concat(Enumerable.Repeat("\U0010FFFF", 100)), "a"],
            // An empty minimum: min_value is empty, the deprecated min absent.
            ["", "x", "\0"],
        ];
        string[] expectedNames =
        [
            $"| 616263 | {Convert.ToHexString(Encoding.UTF8.GetBytes("zz" + new string('~', 253) + "\x7F"))} | true | false",
            $"| {Convert.ToHexString(Encoding.UTF8.GetBytes(new string('y', 256)))} | 797A | false | true",
            $"| {Convert.ToHexString(Encoding.UTF8.GetBytes("a" + new string('é', 127)))} | 62 | false | false",
            "| - | - | - | -",
            "| - | 78 |  | 78 | true | true",
        ];
        for (var c = 0; c < cases.Length; c++)
        {
            var functions = cases[c].Select((name, i) => (Id: (ulong)i + 1, Function: new FunctionInfo(name, name, "f.go", i)))
                .ToDictionary(x => x.Id, x => x.Function);
            var (ours, duck) = WriteBothFunctions(functions);

            var actual = Statistics(ours);
            Assert.Equal(Statistics(duck), actual);
            var name = actual.Single(s => s.Contains("| name |", StringComparison.Ordinal));
            Assert.True(name.EndsWith(expectedNames[c], StringComparison.Ordinal), $"case {c}: {name}");
        }
    }

    [Fact]
    public void ReadParquet_OurSymbolFilesAndDuckDbsTogether_ReadAllRowsWithOneSchema()
    {
        var first = RandomStacks(seed: 10, pooled: 3000, distinct: 100);
        var second = RandomStacks(seed: 11, pooled: 3000, distinct: 100);
        // An id means one content: the edge ids that both files hold get the same frames.
        foreach (var (id, frames) in first.Where(p => second.ContainsKey(p.Key)))
        {
            second[id] = frames;
        }
        var ours = Path.Combine(_dir.Path, "stacks-ours.parquet");
        var duck = Path.Combine(_dir.Path, "stacks-duck.parquet");
        var firstFunctions = RandomFunctions(seed: 12, count: 3000);
        var secondFunctions = RandomFunctions(seed: 13, count: 3000);
        foreach (var (id, function) in firstFunctions.Where(p => secondFunctions.ContainsKey(p.Key)))
        {
            secondFunctions[id] = function;
        }
        var oursFunctions = Path.Combine(_dir.Path, "functions-ours.parquet");
        var duckFunctions = Path.Combine(_dir.Path, "functions-duck.parquet");
        using (var writer = new SymbolFilesWriter(RowGroupSize))
        {
            writer.WriteStacks(first, first.Keys, ours);
            writer.WriteFunctions(firstFunctions, firstFunctions.Keys, oursFunctions);
        }
        DuckDbSymbolsCopy.WriteStacks(_c, second, second.Keys, RowGroupSize, duck);
        DuckDbSymbolsCopy.WriteFunctions(_c, secondFunctions, secondFunctions.Keys, RowGroupSize, duckFunctions);

        foreach (var files in new[] { $"['{ours}', '{duck}']", $"['{duck}', '{ours}']" })
        {
            // As compaction merges a partition's files: distinct ids, sorted, through COPY.
            var merged = Path.Combine(_dir.Path, "merged.parquet");
            _c.Execute($"COPY (SELECT DISTINCT ON (stack_id) * FROM read_parquet({files}) ORDER BY stack_id) TO '{merged}' (FORMAT parquet)");
            var all = ExpectedStacks(second.Concat(first).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.First().Value));
            Assert.Equal(all.Select(s => (s.Id, string.Join(",", s.Frames))), ReadStacks($"read_parquet('{merged}')").Select(s => (s.Id, string.Join(",", s.Frames))));
            Assert.Equal(["stack_id UBIGINT", "frame_ids UBIGINT[]"], Describe(merged));

            var functionFiles = files.Replace(ours, oursFunctions, StringComparison.Ordinal).Replace(duck, duckFunctions, StringComparison.Ordinal);
            var allFunctions = ExpectedFunctions(secondFunctions.Concat(firstFunctions).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.First().Value));
            Assert.Equal(allFunctions, ReadFunctions($"(SELECT DISTINCT ON (function_id) * FROM read_parquet({functionFiles}) ORDER BY function_id)"));
        }
    }

    /// <summary>
    /// <paramref name="pooled"/> stacks of frames drawn from a few thousand function ids (so the
    /// frame column has a dictionary), of every depth from 0 to 40 and some of 200, with the edge
    /// ids among them; then <paramref name="distinct"/> stacks with ids above every pooled one and
    /// frames that never repeat (so the last row groups fall back to PLAIN).
    /// </summary>
    private static Dictionary<ulong, ulong[]> RandomStacks(int seed, int pooled, int distinct)
    {
        var random = new Random(seed);
        var functions = Enumerable.Range(0, 3000).Select(i => (ulong)random.NextInt64() | (i % 2 == 0 ? 1UL << 63 : 0)).ToArray();
        functions[0] = 0;
        functions[1] = ulong.MaxValue;
        var stacks = new Dictionary<ulong, ulong[]>();
        foreach (var id in EdgeIds.Where(id => id < ulong.MaxValue - 2))
        {
            stacks[id] = [.. Enumerable.Range(0, (int)(id % 4)).Select(_ => functions[random.Next(functions.Length)])];
        }
        for (var i = 0; stacks.Count < pooled + 5; i++)
        {
            var depth = (i % 50) switch { 0 => 0, 1 => 1, 2 => 200, _ => random.Next(2, 41) };
            var id = (ulong)random.NextInt64() | (i % 2 == 0 ? 1UL << 63 : 0);
            if (id < DistinctIdsFrom)
            {
                stacks[id] = [.. Enumerable.Range(0, depth).Select(_ => functions[random.Next(functions.Length)])];
            }
        }
        for (var i = 0; i < distinct; i++)
        {
            stacks[DistinctIdsFrom | (ulong)random.NextInt64(1L << 55)] = [.. Enumerable.Range(0, random.Next(1, 30)).Select(_ => (ulong)random.NextInt64())];
        }
        foreach (var id in EdgeIds.Where(id => id >= ulong.MaxValue - 2))
        {
            stacks[id] = [(ulong)random.NextInt64(), ulong.MaxValue];
        }
        return stacks;
    }

    /// <summary>Functions with mostly distinct names (a few awkward ones repeated), file names from a few dozen, the edge ids.</summary>
    private static Dictionary<ulong, FunctionInfo> RandomFunctions(int seed, int count)
    {
        var random = new Random(seed);
        var files = Enumerable.Range(0, 40).Select(i => $"/src/pkg{i}/file{i}.go").Append("").Append("ünï/cödé.go").ToArray();
        long[] lines = [0, -1, 1, long.MaxValue, long.MinValue, 42];
        var functions = new Dictionary<ulong, FunctionInfo>();
        for (var i = 0; functions.Count < count; i++)
        {
            var name = i % 20 == 0 ? AwkwardNames[(i / 20) % AwkwardNames.Length] : $"github.com/org/pkg{random.Next(100)}.Func{random.Next()}";
            var system = random.Next(3) switch { 0 => "", 1 => name, _ => name + ".abi0" };
            var line = i % 7 == 0 ? lines[random.Next(lines.Length)] : random.Next(1, 5000);
            var id = i < EdgeIds.Length ? EdgeIds[i] : (ulong)random.NextInt64() | (i % 2 == 0 ? 1UL << 63 : 0);
            functions[id] = new FunctionInfo(name, system, files[random.Next(files.Length)], line);
        }
        return functions;
    }

    private static List<(ulong Id, ulong[] Frames)> ExpectedStacks(Dictionary<ulong, ulong[]> stacks) =>
        [.. stacks.OrderBy(p => p.Key).Select(p => (p.Key, p.Value))];

    private static List<FunctionRow> ExpectedFunctions(Dictionary<ulong, FunctionInfo> functions) =>
        [.. functions.OrderBy(p => p.Key).Select(p => new FunctionRow(p.Key, p.Value.Name, p.Value.SystemName, p.Value.Filename, p.Value.StartLine))];

    private (string Ours, string Duck) WriteBothStacks(Dictionary<ulong, ulong[]> stacks)
    {
        var ours = Path.Combine(_dir.Path, "stacks-ours.parquet");
        var duck = Path.Combine(_dir.Path, "stacks-duck.parquet");
        using (var writer = new SymbolFilesWriter(RowGroupSize))
        {
            writer.WriteStacks(stacks, stacks.Keys, ours);
        }
        DuckDbSymbolsCopy.WriteStacks(_c, stacks, stacks.Keys, RowGroupSize, duck);
        return (ours, duck);
    }

    private (string Ours, string Duck) WriteBothFunctions(Dictionary<ulong, FunctionInfo> functions)
    {
        var ours = Path.Combine(_dir.Path, "functions-ours.parquet");
        var duck = Path.Combine(_dir.Path, "functions-duck.parquet");
        using (var writer = new SymbolFilesWriter(RowGroupSize))
        {
            writer.WriteFunctions(functions, functions.Keys, ours);
        }
        DuckDbSymbolsCopy.WriteFunctions(_c, functions, functions.Keys, RowGroupSize, duck);
        return (ours, duck);
    }

    private List<(ulong Id, ulong[] Frames)> ReadStacks(string from)
    {
        using var result = _c.Query($"SELECT stack_id, frame_ids FROM {from}");
        var rows = new List<(ulong, ulong[])>();
        foreach (var chunk in result.Chunks())
        {
            var ids = chunk.Column(0).Values<ulong>();
            var lists = chunk.Column(1);
            var entries = lists.ListEntries();
            var child = lists.ListChild().Values<ulong>();
            for (var i = 0; i < chunk.RowCount; i++)
            {
                Assert.True(lists.IsValid(i), $"frame_ids of stack {ids[i]} read as NULL");
                rows.Add((ids[i], child.Slice((int)entries[i].Offset, (int)entries[i].Length).ToArray()));
            }
        }
        return rows;
    }

    private List<FunctionRow> ReadFunctions(string from)
    {
        using var result = _c.Query($"SELECT function_id, name, system_name, filename, line FROM {from}");
        var rows = new List<FunctionRow>();
        foreach (var chunk in result.Chunks())
        {
            var ids = chunk.Column(0).Values<ulong>();
            var lines = chunk.Column(4).Values<long>();
            for (var i = 0; i < chunk.RowCount; i++)
            {
                rows.Add(new FunctionRow(ids[i], chunk.Column(1).GetString(i)!, chunk.Column(2).GetString(i)!, chunk.Column(3).GetString(i)!, lines[i]));
            }
        }
        return rows;
    }

    private List<string> Describe(string path) =>
        Strings($"SELECT concat_ws(' ', column_name, column_type) FROM (DESCRIBE SELECT * FROM read_parquet('{path}'))");

    /// <summary>
    /// The schema elements as DuckDB reads them: name, physical type, converted type, children and
    /// DuckDB type. Not the repetition: DuckDB's files make every column OPTIONAL, ours REQUIRED.
    /// </summary>
    private List<string> Schema(string path) => Strings($"""
        SELECT concat_ws(' ', name, coalesce(type, '-'), coalesce(converted_type, '-'), coalesce(num_children::VARCHAR, '-'), coalesce(duckdb_type, '-'))
        FROM parquet_schema('{path}')
        """);

    /// <summary>Per row group and column: rows, values, null count, statistics (both generations) and whether min and max are exact.</summary>
    private List<string> Statistics(string path) => Strings($"""
        SELECT concat_ws(' | ', row_group_id, row_group_num_rows, path_in_schema, num_values, stats_null_count,
            coalesce(hex(stats_min), '-'), coalesce(hex(stats_max), '-'), coalesce(hex(stats_min_value), '-'), coalesce(hex(stats_max_value), '-'),
            coalesce(min_is_exact::VARCHAR, '-'), coalesce(max_is_exact::VARCHAR, '-'))
        FROM parquet_metadata('{path}') ORDER BY row_group_id, column_id
        """);

    private List<string> Strings(string sql)
    {
        using var result = _c.Query(sql);
        return [.. result.Chunks().SelectMany(chunk => Enumerable.Range(0, chunk.RowCount).Select(i => chunk.Column(0).GetString(i)!).ToList())];
    }

    private T Scalar<T>(string sql) where T : unmanaged
    {
        using var result = _c.Query(sql);
        using var chunk = result.FetchChunk()!;
        return chunk.Column(0).Values<T>()[0];
    }

    private readonly record struct FunctionRow(ulong Id, string Name, string SystemName, string Filename, long Line)
    {
        public override string ToString() =>
            $"{Id} {Show(Name)} {Show(SystemName)} {Show(Filename)} {Line}";

        private static string Show(string s) => s.Length > 40 ? $"{Encoding.UTF8.GetByteCount(s)} bytes" : $"\"{s}\"";
    }
}
