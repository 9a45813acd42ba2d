using System.Text;
using GrafanaProfiles.Schema.Tables;

namespace GrafanaProfiles.Store.Write.Tests.ParquetFiles;

/// <summary>
/// Every file kind the store writes, read by ParquetSharp (an implementation independent of our
/// writer and of DuckDB): schema, values against what was written, per-row-group statistics, and the
/// sort order the store claims (<see cref="SamplesTable.SortOrder"/> and the id order of the others).
/// </summary>
public abstract class StoreFilesTests<TStore>(TStore store)
    where TStore : WrittenStore
{
    private const string Uint64 = "INTEGER(64, unsigned)";
    private const string Int64 = "INTEGER(64, signed)";

    /// <summary>Statistics of strings longer than this are cut (README of store/Write/Parquet; DuckDB cuts them alike).</summary>
    private const int MaxExactStringStatistic = 256;

    private IReadOnlyList<ParquetFile> FilesOf(string table)
    {
        var files = store.Files[table];
        Assert.NotEmpty(files);
        return files;
    }

    [Theory]
    [InlineData("samples")]
    [InlineData("series")]
    [InlineData("stacks")]
    [InlineData("functions")]
    public void Files_Schema_HasTheTablesColumnsWithTheirPhysicalAndLogicalTypes(string table)
    {
        string[] expected = table switch
        {
            SamplesTable.Name =>
            [
                "time INT64 TIMESTAMP(Micros, adjustedToUtc=False)", $"duration INT64 {Int64}", "service_name ByteArray STRING",
                "profile_type ByteArray STRING", $"series_id INT64 {Uint64}", $"stack_id INT64 {Uint64}", $"value INT64 {Int64}",
                $"span_id INT64 {Uint64}",
            ],
            SeriesTable.Name => [$"series_id INT64 {Uint64}", "service_name ByteArray STRING", "labels.key_value.key ByteArray STRING", "labels.key_value.value ByteArray STRING"],
            StacksTable.Name => [$"stack_id INT64 {Uint64}", $"frame_ids.list.element INT64 {Uint64}"],
            _ => [$"function_id INT64 {Uint64}", "name ByteArray STRING", "system_name ByteArray STRING", "filename ByteArray STRING", $"line INT64 {Int64}"],
        };
        foreach (var file in FilesOf(table))
        {
            Assert.Equal(expected, file.Leaves.Select(l => l.Type.Replace("Int64 ", "INT64 ", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void OurFiles_Repetition_RequiredColumnsAndAnOptionalSpanId()
    {
        if (!store.OurWriter)
        {
            // DuckDB's COPY makes every column OPTIONAL; the types above are what readers rely on.
            Assert.All(FilesOf(SamplesTable.Name).SelectMany(f => f.Leaves), l => Assert.Equal(1, l.MaxDefinitionLevel));
            return;
        }

        foreach (var file in FilesOf(SamplesTable.Name))
        {
            Assert.Equal([0, 0, 0, 0, 0, 0, 0, 1], file.Leaves.Select(l => (int)l.MaxDefinitionLevel));
        }

        foreach (var file in FilesOf(StacksTable.Name))
        {
            Assert.Equal([(0, 0), (1, 1)], file.Leaves.Select(l => ((int)l.MaxDefinitionLevel, (int)l.MaxRepetitionLevel)));
        }

        foreach (var file in FilesOf(FunctionsTable.Name))
        {
            Assert.All(file.Leaves, l => Assert.Equal(0, l.MaxDefinitionLevel));
        }
    }

    [Fact]
    public void Samples_Values_AreTheRowsWritten()
    {
        var read = FilesOf(SamplesTable.Name).SelectMany(file =>
        {
            var columns = file.Leaves.Select(l => file.Values(l.Path).ToList()).ToList();
            return Enumerable.Range(0, (int)file.Rows).Select(r => new ProfileData.Sample(
                Micros((DateTime)columns[0][r]!), (long)columns[1][r]!, (string)columns[2][r]!, (string)columns[3][r]!,
                (ulong)columns[4][r]!, (ulong)columns[5][r]!, (long)columns[6][r]!, (ulong?)columns[7][r]));
        });

        Assert.Equal(Sorted(store.Data.Samples), Sorted(read));
    }

    [Fact]
    public void Series_Values_AreTheLabelsOfEverySeriesWritten()
    {
        var read = new Dictionary<ulong, string>();
        foreach (var file in FilesOf(SeriesTable.Name))
        {
            var ids = file.Values(SeriesTable.SeriesId).ToList();
            var services = file.Values(SeriesTable.ServiceName).ToList();
            var keys = file.Values("labels.key_value.key").ToList();
            var values = file.Values("labels.key_value.value").ToList();
            for (int r = 0; r < ids.Count; r++)
            {
                var labels = ((string[])keys[r]!).Zip((string[])values[r]!, (k, v) => $"{k}={v}").Order(StringComparer.Ordinal);
                var text = $"{services[r]} {string.Join(',', labels)}";
                Assert.Equal(text, read.GetValueOrDefault((ulong)ids[r]!, text));
                read[(ulong)ids[r]!] = text;
            }
        }

        var expected = store.Data.Series.ToDictionary(p => p.Key,
            p => $"{p.Value.Service} {string.Join(',', p.Value.Labels.Select(l => $"{l.Key}={l.Value}").Order(StringComparer.Ordinal))}");
        Assert.Equal(expected.OrderBy(p => p.Key), read.OrderBy(p => p.Key));
    }

    [Fact]
    public void Stacks_Values_AreTheFramesOfEveryStackWritten()
    {
        var read = new Dictionary<ulong, ulong[]>();
        foreach (var file in FilesOf(StacksTable.Name))
        {
            var ids = file.Values(StacksTable.StackId).ToList();
            var frames = file.Values($"{StacksTable.FrameIds}.list.element").ToList();
            for (int r = 0; r < ids.Count; r++)
            {
                var stack = frames[r] switch
                {
                    ulong[] required => required,
                    ulong?[] optional => [.. optional.Select(f => f!.Value)],
                    var other => throw new InvalidOperationException($"frame_ids read as {other?.GetType().Name}"),
                };
                Assert.Equal(stack, read.GetValueOrDefault((ulong)ids[r]!, stack));
                read[(ulong)ids[r]!] = stack;
            }
        }

        Assert.Equal(store.Data.Stacks.OrderBy(p => p.Key), read.OrderBy(p => p.Key));
    }

    [Fact]
    public void Functions_Values_AreEveryFunctionWritten()
    {
        var read = new Dictionary<ulong, string>();
        foreach (var file in FilesOf(FunctionsTable.Name))
        {
            var columns = file.Leaves.Select(l => file.Values(l.Path).ToList()).ToList();
            for (int r = 0; r < file.Rows; r++)
            {
                var text = $"{columns[1][r]}|{columns[2][r]}|{columns[3][r]}|{columns[4][r]}";
                Assert.Equal(text, read.GetValueOrDefault((ulong)columns[0][r]!, text));
                read[(ulong)columns[0][r]!] = text;
            }
        }

        var expected = store.Data.Functions.ToDictionary(p => p.Key, p => $"{p.Value.Name}|{p.Value.SystemName}|{p.Value.Filename}|{p.Value.StartLine}");
        Assert.Equal(expected.OrderBy(p => p.Key), read.OrderBy(p => p.Key));
    }

    [Theory]
    [InlineData("samples")]
    [InlineData("series")]
    [InlineData("stacks")]
    [InlineData("functions")]
    public void Files_Statistics_AreTheMinMaxAndNullCountOfEachRowGroup(string table)
    {
        // Several row groups per file, so that statistics are seen per group: where our writer cuts
        // them at the store's row group size, and in the samples file, the one large enough for
        // DuckDB's COPY (which cuts at multiples of 2,048 rows).
        if (table == SamplesTable.Name || (store.OurWriter && table != SeriesTable.Name))
        {
            Assert.True(FilesOf(table).Max(f => f.RowGroups.Count) > 1, $"{table}: one row group per file; the data should give several");
        }

        var checkedChunks = 0;
        foreach (var file in FilesOf(table))
        {
            foreach (var (group, g) in file.RowGroups.Select((group, g) => (group, g)))
            {
                for (int c = 0; c < file.Leaves.Count; c++)
                {
                    var leaf = file.Leaves[c];
                    var where = $"{Path.GetFileName(file.Path)} row group {g} {leaf.Path}";
                    var stats = group.Statistics[c] ?? throw new Xunit.Sdk.XunitException($"{where}: no statistics");
                    var values = leaf.MaxRepetitionLevel == 0
                        ? group.Values[c]
                        : [.. group.Values[c].SelectMany(v => ((System.Collections.IEnumerable)v!).Cast<object?>())];
                    if (leaf.MaxRepetitionLevel == 0)
                    {
                        Assert.True(values.Count(v => v is null) == stats.NullCount, $"{where}: null count {stats.NullCount}, counted {values.Count(v => v is null)}");
                    }

                    var present = values.Where(v => v is not null).Select(v => Physical(v!)).ToList();
                    if (present.Count == 0)
                    {
                        continue;
                    }

                    Assert.True(stats.HasMinMax, $"{where}: no min/max");
                    var compare = Comparer(leaf);
                    var (min, max) = (present.Min(compare)!, present.Max(compare)!);
                    if (min is byte[] minBytes && minBytes.Length > MaxExactStringStatistic)
                    {
                        // A cut minimum is a prefix of the true one.
                        Assert.True(minBytes.AsSpan().StartsWith((byte[])stats.Min!), $"{where}: min {Text(stats.Min)} is not a prefix of {Text(min)}");
                    }
                    else
                    {
                        Assert.True(compare.Compare(min, stats.Min) == 0, $"{where}: min {Text(stats.Min)}, smallest value {Text(min)}");
                    }

                    if (max is byte[] maxBytes && maxBytes.Length > MaxExactStringStatistic)
                    {
                        // A cut maximum is short and still above every value.
                        Assert.True(((byte[])stats.Max!).Length <= MaxExactStringStatistic && compare.Compare(stats.Max, max) > 0, $"{where}: max {Text(stats.Max)} for {Text(max)}");
                    }
                    else
                    {
                        Assert.True(compare.Compare(max, stats.Max) == 0, $"{where}: max {Text(stats.Max)}, largest value {Text(max)}");
                    }

                    checkedChunks++;
                }
            }
        }

        Assert.True(checkedChunks > 0);
    }

    [Theory]
    [InlineData("samples")]
    [InlineData("series")]
    [InlineData("stacks")]
    [InlineData("functions")]
    public void Files_Rows_AreInTheSortOrderTheStoreClaims(string table)
    {
        string[] order = table switch
        {
            SamplesTable.Name => [SamplesTable.ServiceName, SamplesTable.ProfileType, SamplesTable.SeriesId, SamplesTable.Time, SamplesTable.StackId],
            SeriesTable.Name => [SeriesTable.SeriesId],
            StacksTable.Name => [StacksTable.StackId],
            _ => [FunctionsTable.FunctionId],
        };
        Assert.Equal(string.Join(", ", order), table switch
        {
            SamplesTable.Name => SamplesTable.SortOrder,
            SeriesTable.Name => SeriesTable.SortOrder,
            StacksTable.Name => StacksTable.SortOrder,
            _ => FunctionsTable.SortOrder,
        });
        // The id-keyed tables hold each id once per file: strictly ascending.
        var unique = table != SamplesTable.Name;
        foreach (var file in FilesOf(table))
        {
            var columns = order.Select(file.Column).ToList();
            var keys = columns.Select(c => file.Values(file.Leaves[c].Path).Select(v => Physical(v!)).ToList()).ToList();
            for (int r = 1; r < file.Rows; r++)
            {
                var c = 0;
                var sign = 0;
                while (sign == 0 && c < columns.Count)
                {
                    sign = Comparer(file.Leaves[columns[c]]).Compare(keys[c][r - 1], keys[c][r]);
                    c++;
                }

                Assert.True(unique ? sign < 0 : sign <= 0, $"{Path.GetFileName(file.Path)}: row {r} is out of order ({string.Join(", ", keys.Select(k => Text(k[r - 1])))} then {string.Join(", ", keys.Select(k => Text(k[r])))})");
            }

            // A file may declare its order (sorting_columns); if it does, it must be this one.
            foreach (var group in file.RowGroups.Where(g => g.SortingColumns.Count > 0))
            {
                Assert.Equal(columns.Take(group.SortingColumns.Count), group.SortingColumns.Select(s => s.Column));
                Assert.All(group.SortingColumns, s => Assert.False(s.Descending));
            }
        }
    }

    private static IEnumerable<ProfileData.Sample> Sorted(IEnumerable<ProfileData.Sample> samples) =>
        samples.OrderBy(s => s.SeriesId).ThenBy(s => s.TimeMicros).ThenBy(s => s.StackId).ThenBy(s => s.SpanId).ThenBy(s => s.Value);

    private static long Micros(DateTime time) => (time.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    /// <summary>A logical value as its physical one: long (timestamps in microseconds, unsigned ids by their bits) or UTF-8 bytes.</summary>
    private static object Physical(object value) => value switch
    {
        DateTime time => Micros(time),
        ulong id => unchecked((long)id),
        long number => number,
        string text => Encoding.UTF8.GetBytes(text),
        _ => throw new InvalidOperationException($"Unexpected value {value.GetType().Name}"),
    };

    /// <summary>The order of a column's physical values: unsigned for UINT64, signed for INT64 and timestamps, bytes unsigned for strings.</summary>
    private static IComparer<object?> Comparer(ParquetFile.Leaf leaf) => Comparer<object?>.Create((a, b) => (a, b) switch
    {
        (byte[] x, byte[] y) => x.AsSpan().SequenceCompareTo(y),
        (long x, long y) when leaf.Logical.Contains("unsigned", StringComparison.Ordinal) => unchecked((ulong)x).CompareTo(unchecked((ulong)y)),
        (long x, long y) => x.CompareTo(y),
        _ => throw new InvalidOperationException($"{leaf.Path}: cannot compare {a?.GetType().Name} with {b?.GetType().Name}"),
    });

    private static string Text(object? value) => value switch
    {
        byte[] bytes => Encoding.UTF8.GetString(bytes.AsSpan(0, Math.Min(bytes.Length, 40))) + (bytes.Length > 40 ? $"… ({bytes.Length} bytes)" : ""),
        _ => value?.ToString() ?? "null",
    };
}

public sealed class FlushedFilesTests(FlushedStore store) : StoreFilesTests<FlushedStore>(store), IClassFixture<FlushedStore>;

public sealed class CompactedFilesTests(CompactedStore store) : StoreFilesTests<CompactedStore>(store), IClassFixture<CompactedStore>;
