using System.Runtime.InteropServices;
using ParquetSharp;

namespace GrafanaProfiles.Store.Write.Tests.ParquetFiles;

/// <summary>
/// One Parquet file as ParquetSharp (Apache Arrow's C++ Parquet library) reads it: each leaf
/// column's path, physical and logical type and repetition; per row group its row count, the
/// sorting columns it declares, and per column the statistics and the values.
/// </summary>
internal sealed class ParquetFile
{
    private ParquetFile(string path, IReadOnlyList<Leaf> leaves, IReadOnlyList<RowGroup> rowGroups)
    {
        Path = path;
        Leaves = leaves;
        RowGroups = rowGroups;
    }

    public string Path { get; }

    public IReadOnlyList<Leaf> Leaves { get; }

    public IReadOnlyList<RowGroup> RowGroups { get; }

    public long Rows => RowGroups.Sum(g => g.Rows);

    /// <summary>A leaf column: dotted path, physical type, logical type as text, REQUIRED/OPTIONAL/REPEATED levels.</summary>
    public sealed record Leaf(string Path, PhysicalType Physical, string Logical, short MaxDefinitionLevel, short MaxRepetitionLevel)
    {
        /// <summary>The schema line a test compares: <c>path physical logical</c>.</summary>
        public string Type => $"{Path} {Physical} {Logical}";
    }

    /// <summary>A column chunk's statistics; min and max as the column's physical values (long, or the bytes of a BYTE_ARRAY).</summary>
    public sealed record Stats(long NullCount, bool HasMinMax, object? Min, object? Max);

    public sealed record RowGroup(long Rows, IReadOnlyList<(int Column, bool Descending, bool NullsFirst)> SortingColumns,
        IReadOnlyList<Stats?> Statistics, IReadOnlyList<IReadOnlyList<object?>> Values);

    public int Column(string path)
    {
        for (int i = 0; i < Leaves.Count; i++)
        {
            if (Leaves[i].Path == path)
            {
                return i;
            }
        }

        throw new KeyNotFoundException($"{Path} has no column {path}; it has {string.Join(", ", Leaves.Select(l => l.Path))}.");
    }

    /// <summary>All values of a column, row group after row group.</summary>
    public IEnumerable<object?> Values(string path)
    {
        int column = Column(path);
        return RowGroups.SelectMany(g => g.Values[column]);
    }

    public static ParquetFile Read(string path)
    {
        using var reader = new ParquetFileReader(path);
        var metadata = reader.FileMetaData;
        var schema = metadata.Schema;
        var leaves = Enumerable.Range(0, schema.NumColumns).Select(i =>
        {
            var column = schema.Column(i);
            return new Leaf(column.Path.ToDotString(), column.PhysicalType, LogicalText(column.LogicalType),
                column.MaxDefinitionLevel, column.MaxRepetitionLevel);
        }).ToList();
        var groups = new List<RowGroup>();
        for (int g = 0; g < metadata.NumRowGroups; g++)
        {
            using var group = reader.RowGroup(g);
            var rows = group.MetaData.NumRows;
            var sorting = group.MetaData.SortingColumns().Select(s => (s.ColumnIndex, s.IsDescending, s.NullsFirst)).ToList();
            var statistics = new List<Stats?>();
            var values = new List<IReadOnlyList<object?>>();
            for (int c = 0; c < leaves.Count; c++)
            {
                using (var chunk = group.MetaData.GetColumnChunkMetaData(c))
                {
                    statistics.Add(StatsOf(chunk.Statistics));
                }

                using var column = group.Column(c);
                using var logical = column.LogicalReader();
                values.Add(logical.Apply(new ReadAll(rows)));
            }

            groups.Add(new RowGroup(rows, sorting, statistics, values));
        }

        return new ParquetFile(path, leaves, groups);
    }

    private static string LogicalText(LogicalType type) => type switch
    {
        IntLogicalType i => $"INTEGER({i.BitWidth}, {(i.IsSigned ? "signed" : "unsigned")})",
        TimestampLogicalType t => $"TIMESTAMP({t.TimeUnit}, adjustedToUtc={t.IsAdjustedToUtc})",
        StringLogicalType => "STRING",
        _ => type.Type.ToString(),
    };

    private static Stats? StatsOf(Statistics? statistics) => statistics switch
    {
        null => null,
        Statistics<long> longs => new Stats(longs.NullCount, longs.HasMinMax, longs.HasMinMax ? longs.Min : null, longs.HasMinMax ? longs.Max : null),
        Statistics<ByteArray> bytes => new Stats(bytes.NullCount, bytes.HasMinMax, bytes.HasMinMax ? Copy(bytes.Min) : null, bytes.HasMinMax ? Copy(bytes.Max) : null),
        _ => new Stats(statistics.NullCount, statistics.HasMinMax, null, null),
    };

    private static byte[] Copy(ByteArray bytes)
    {
        var copy = new byte[bytes.Length];
        if (bytes.Length > 0)
        {
            Marshal.Copy(bytes.Pointer, copy, 0, bytes.Length);
        }

        return copy;
    }

    /// <summary>Reads a column chunk through its default logical type (strings, DateTime, ulong, ulong?[], …), boxed for comparison.</summary>
    private sealed class ReadAll(long rows) : ILogicalColumnReaderVisitor<IReadOnlyList<object?>>
    {
        public IReadOnlyList<object?> OnLogicalColumnReader<TElement>(LogicalColumnReader<TElement> columnReader) =>
            [.. columnReader.ReadAll(checked((int)rows)).Select(v => (object?)v)];
    }
}
