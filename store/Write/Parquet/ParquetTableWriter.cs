using System.Buffers.Binary;
using GrafanaProfiles.Store.DuckDb;

namespace GrafanaProfiles.Store.Write.Parquet;

/// <summary>Writes the column chunks of one row group, in schema order; handed to a <see cref="RowGroupFill"/>.</summary>
internal delegate void RowGroupFill(RowGroupWriter group, int firstRow, int rows);

/// <summary>
/// The frame of every Parquet file the store writes itself: the magic, row groups of
/// <see cref="ParquetTableWriter.RowGroupSize"/> rows whose column chunks the caller's
/// <see cref="RowGroupFill"/> writes, the footer (<see cref="ParquetFooter"/>), its length and the
/// magic again. Owns what the chunks need between files (the zstd context, page buffers, the
/// dictionary): one writer is used by one thread at a time, file after file, and may be shared by
/// the writers of a flush's files (<see cref="SamplesFileWriter"/>, <see cref="SymbolFilesWriter"/>).
/// </summary>
internal sealed class ParquetTableWriter : IDisposable
{
    /// <summary>Data pages end at about this many uncompressed bytes.</summary>
    internal const int DefaultPageBytes = 1 << 20;

    /// <summary>
    /// zstd level of every page, DuckDB's default too. Level 1 made the benchmark dataset's samples
    /// files 5% larger (22.5 against 21.4 MB per pass) for no CPU the ingest benchmark could tell apart
    /// (406 against 403 µs per profile; docs/benchmarks.md).
    /// </summary>
    internal const int DefaultCompressionLevel = 3;

    private readonly ZstdCompressor _zstd;
    private readonly ColumnChunkWriter _chunks;
    private readonly ThriftCompactWriter _footer = new();

    public ParquetTableWriter(int rowGroupSize, int pageBytes = DefaultPageBytes, int compressionLevel = DefaultCompressionLevel)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageBytes, 64);
        RowGroupSize = rowGroupSize;
        _zstd = new ZstdCompressor(compressionLevel);
        _chunks = new ColumnChunkWriter(_zstd, pageBytes);
    }

    public int RowGroupSize { get; }

    /// <summary>
    /// Writes a file of <paramref name="rows"/> rows to <paramref name="path"/> (created or replaced;
    /// not fsynced): for each row group <paramref name="fill"/> gets its first row and row count and
    /// writes one chunk per column. Returns what the footer says about the row groups.
    /// </summary>
    public IReadOnlyList<RowGroupInfo> Write(string path, IReadOnlyList<ParquetColumn> columns, int rows, RowGroupFill fill)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        var output = new ParquetOutput(stream);
        output.Write(ParquetFormat.Magic);
        var groups = new List<RowGroupInfo>((rows + RowGroupSize - 1) / RowGroupSize);
        var group = new RowGroupWriter(output, _chunks, columns);
        for (var start = 0; start < rows; start += RowGroupSize)
        {
            var count = Math.Min(RowGroupSize, rows - start);
            group.Begin(count);
            fill(group, start, count);
            groups.Add(group.End());
        }
        ParquetFooter.Write(_footer, columns, groups);
        output.Write(_footer.Written);
        Span<byte> tail = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(tail, _footer.Length);
        ParquetFormat.Magic.CopyTo(tail[4..]);
        output.Write(tail);
        return groups;
    }

    public void Dispose()
    {
        _chunks.Dispose();
        _zstd.Dispose();
        _footer.Dispose();
    }
}

/// <summary>The row group being written: takes its column chunks in schema order and checks that each column got one.</summary>
internal sealed class RowGroupWriter(ParquetOutput output, ColumnChunkWriter chunks, IReadOnlyList<ParquetColumn> columns)
{
    private readonly List<ColumnChunkInfo> _written = new(columns.Count);
    private int _rows;
    private long _offset;

    /// <summary>The column the next chunk is for.</summary>
    public ParquetColumn Next => _written.Count < columns.Count
        ? columns[_written.Count]
        : throw new InvalidOperationException($"The row group already has its {columns.Count} columns.");

    internal void Begin(int rows)
    {
        _written.Clear();
        _rows = rows;
        _offset = output.Position;
    }

    internal RowGroupInfo End() => _written.Count == columns.Count
        ? new RowGroupInfo([.. _written], _rows, _offset)
        : throw new InvalidOperationException($"The row group has {_written.Count} of {columns.Count} columns.");

    /// <summary>
    /// The next column's chunk: <paramref name="values"/> holds the non-null values in row order
    /// (ids into <paramref name="strings"/> for a string column); <paramref name="defined"/> one
    /// byte per row (1 = not null) for a nullable column, empty otherwise.
    /// </summary>
    public void Column(ReadOnlySpan<long> values, ReadOnlySpan<byte> defined = default, IReadOnlyList<byte[]>? strings = null)
    {
        var column = Next;
        if (column.List)
        {
            throw new InvalidOperationException($"Column {column.Name} is a list: write it with {nameof(ListColumn)}.");
        }
        _written.Add(chunks.Write(output, column, _rows, values, defined, strings ?? []));
    }

    /// <summary>The next column's chunk, a list column: each row's list length, and all rows' elements one after another.</summary>
    public void ListColumn(ReadOnlySpan<int> lengths, ReadOnlySpan<long> values)
    {
        var column = Next;
        if (!column.List || lengths.Length != _rows)
        {
            throw new InvalidOperationException($"Column {column.Name}: expected {(column.List ? $"{_rows} list lengths" : "a flat column")}.");
        }
        _written.Add(chunks.WriteList(output, column, lengths, values));
    }
}

/// <summary>The file being written, with the byte offset the footer needs for every page.</summary>
internal sealed class ParquetOutput(Stream stream)
{
    public long Position { get; private set; }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        stream.Write(bytes);
        Position += bytes.Length;
    }
}
