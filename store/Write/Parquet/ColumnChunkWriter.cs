using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using GrafanaProfiles.Store.DuckDb;
using static GrafanaProfiles.Store.Write.Parquet.ParquetFormat;

namespace GrafanaProfiles.Store.Write.Parquet;

/// <summary>What the footer says about one column chunk.</summary>
internal sealed record ColumnChunkInfo(
    ParquetColumn Column,
    int[] Encodings,
    long NumValues,
    long TotalUncompressedSize,
    long TotalCompressedSize,
    long DataPageOffset,
    long? DictionaryPageOffset,
    int DataPages,
    long NullCount,
    long? DistinctCount,
    byte[]? Min,
    byte[]? Max);

/// <summary>
/// Writes one column chunk: a dictionary page (PLAIN) and data pages of dictionary indices
/// (RLE_DICTIONARY) while the chunk's distinct values stay few, else data pages of PLAIN values;
/// data page V1, definition levels (RLE, width 1) before the values of an OPTIONAL column; every
/// page zstd-compressed on its own. Computes the chunk's statistics on the way.
/// </summary>
internal sealed class ColumnChunkWriter : IDisposable
{
    /// <summary>A dictionary holds at most this many bytes (PLAIN-encoded); beyond it the chunk is PLAIN.</summary>
    internal const int MaxDictionaryBytes = 1 << 20;

    private readonly ZstdCompressor _zstd;
    private readonly int _pageBytes;
    private readonly ValueDictionary _dictionary = new();
    private readonly ByteBuffer _page;
    private readonly ByteBuffer _compressed;
    private readonly ThriftCompactWriter _header = new();
    private int[] _indices = [];
    private int[] _levels = [];

    public ColumnChunkWriter(ZstdCompressor zstd, int pageBytes)
    {
        if (!BitConverter.IsLittleEndian)
        {
            // PLAIN values are copied from memory as they are; Parquet's are little-endian.
            throw new PlatformNotSupportedException("The Parquet writer needs a little-endian machine.");
        }
        _zstd = zstd;
        _pageBytes = pageBytes;
        _page = new ByteBuffer(pageBytes + 1024);
        _compressed = new ByteBuffer(ZstdCompressor.Bound(pageBytes + 1024));
    }

    /// <summary>
    /// Writes the chunk of <paramref name="rows"/> rows at the output's position. <paramref name="values"/>
    /// holds the non-null values in row order (string ids into <paramref name="strings"/> for a string
    /// column); <paramref name="defined"/> holds one byte per row (1 = not null) for a nullable column
    /// and is empty otherwise.
    /// </summary>
    public ColumnChunkInfo Write(ParquetOutput output, ParquetColumn column, int rows, ReadOnlySpan<long> values,
        ReadOnlySpan<byte> defined, IReadOnlyList<byte[]> strings)
    {
        var indices = Rent(ref _indices, values.Length);
        var totals = new PageTotals();
        long? dictionaryOffset = null;
        // A dictionary pays while values repeat: at most one entry per two rows, and a bounded page.
        var maxEntries = Math.Max(1, Math.Min(rows / 2, MaxDictionaryBytes / sizeof(long)));
        var useDictionary = values.Length > 0 && _dictionary.TryEncode(values, indices, maxEntries) &&
                            (!column.IsString || DictionaryStringBytes(strings) <= MaxDictionaryBytes);
        int rowsPerPage;
        var bitWidth = 0;
        if (useDictionary)
        {
            dictionaryOffset = output.Position;
            WriteDictionaryPage(output, column, strings, ref totals);
            bitWidth = RleHybridEncoder.BitWidth(_dictionary.Count - 1);
            rowsPerPage = (int)Math.Min(int.MaxValue, (long)_pageBytes * 8 / bitWidth);
        }
        else
        {
            rowsPerPage = _pageBytes / (column.IsString ? 4 + strings.Select(s => s.Length).DefaultIfEmpty().Max() : sizeof(long));
        }
        rowsPerPage = Math.Max(1, rowsPerPage);

        var dataOffset = output.Position;
        var valueStart = 0;
        var pages = 0;
        for (var rowStart = 0; rowStart < rows; rowStart += rowsPerPage)
        {
            var pageRows = Math.Min(rowsPerPage, rows - rowStart);
            _page.Clear();
            var pageValues = pageRows;
            if (column.Nullable)
            {
                pageValues = WriteDefinitionLevels(defined.Slice(rowStart, pageRows));
            }
            if (useDictionary)
            {
                _page.Append((byte)bitWidth);
                RleHybridEncoder.Encode(indices.Slice(valueStart, pageValues), bitWidth, _page);
            }
            else
            {
                WritePlain(column, values.Slice(valueStart, pageValues), strings);
            }
            valueStart += pageValues;
            pages++;
            WritePage(output, PageData, pageRows, useDictionary ? EncodingRleDictionary : EncodingPlain, ref totals);
        }

        var (min, max) = useDictionary ? MinMax(column, _dictionary.Entries, strings) : MinMax(column, values, strings);
        int[] encodings = (useDictionary, column.Nullable) switch
        {
            (true, true) => [EncodingPlain, EncodingRle, EncodingRleDictionary],
            (true, false) => [EncodingPlain, EncodingRleDictionary],
            (false, true) => [EncodingPlain, EncodingRle],
            (false, false) => [EncodingPlain],
        };
        return new ColumnChunkInfo(column, encodings, rows, totals.Uncompressed, totals.Compressed, dataOffset, dictionaryOffset, pages,
            rows - values.Length, useDictionary ? _dictionary.Count : null, min, max);
    }

    private long DictionaryStringBytes(IReadOnlyList<byte[]> strings)
    {
        var bytes = 0L;
        foreach (var id in _dictionary.Entries)
        {
            bytes += 4 + strings[(int)id].Length;
        }
        return bytes;
    }

    private void WriteDictionaryPage(ParquetOutput output, ParquetColumn column, IReadOnlyList<byte[]> strings, ref PageTotals totals)
    {
        _page.Clear();
        WritePlain(column, _dictionary.Entries, strings);
        WritePage(output, PageDictionary, _dictionary.Count, EncodingPlain, ref totals);
    }

    private void WritePlain(ParquetColumn column, ReadOnlySpan<long> values, IReadOnlyList<byte[]> strings)
    {
        if (!column.IsString)
        {
            _page.Append(MemoryMarshal.AsBytes(values));
            return;
        }
        foreach (var id in values)
        {
            var text = strings[(int)id];
            BinaryPrimitives.WriteInt32LittleEndian(_page.Append(4), text.Length);
            _page.Append(text);
        }
    }

    /// <summary>The page's definition levels (4-byte length, then the hybrid at width 1); returns the number of non-null values.</summary>
    private int WriteDefinitionLevels(ReadOnlySpan<byte> defined)
    {
        var levels = Rent(ref _levels, defined.Length);
        var count = 0;
        for (var i = 0; i < defined.Length; i++)
        {
            levels[i] = defined[i];
            count += defined[i];
        }
        var lengthAt = _page.Length;
        _page.Append(4);
        RleHybridEncoder.Encode(levels, 1, _page);
        BinaryPrimitives.WriteInt32LittleEndian(_page.Written[lengthAt..], _page.Length - lengthAt - 4);
        return count;
    }

    /// <summary>Compresses the page buffer and writes its header and the compressed bytes.</summary>
    private void WritePage(ParquetOutput output, int pageType, int valueCount, int encoding, ref PageTotals totals)
    {
        var content = _page.Written;
        _compressed.Clear();
        var compressedLength = _zstd.Compress(content, _compressed.Append(ZstdCompressor.Bound(content.Length)));
        var h = _header;
        h.Clear();
        h.BeginStruct();
        h.FieldI32(1, pageType);
        h.FieldI32(2, content.Length);
        h.FieldI32(3, compressedLength);
        if (pageType == PageDictionary)
        {
            h.FieldStruct(7);
            h.FieldI32(1, valueCount);
            h.FieldI32(2, EncodingPlain);
            h.EndStruct();
        }
        else
        {
            h.FieldStruct(5);
            h.FieldI32(1, valueCount);
            h.FieldI32(2, encoding);
            h.FieldI32(3, EncodingRle);
            h.FieldI32(4, EncodingRle);
            h.EndStruct();
        }
        h.EndStruct();
        output.Write(h.Written);
        output.Write(_compressed.Written[..compressedLength]);
        totals.Uncompressed += h.Length + content.Length;
        totals.Compressed += h.Length + compressedLength;
    }

    private static (byte[]? Min, byte[]? Max) MinMax(ParquetColumn column, ReadOnlySpan<long> values, IReadOnlyList<byte[]> strings)
    {
        if (values.IsEmpty)
        {
            return (null, null);
        }
        if (column.IsString)
        {
            var min = strings[(int)values[0]];
            var max = min;
            foreach (var id in values)
            {
                var s = strings[(int)id];
                if (s.AsSpan().SequenceCompareTo(min) < 0)
                {
                    min = s;
                }
                if (s.AsSpan().SequenceCompareTo(max) > 0)
                {
                    max = s;
                }
            }
            return (min, max);
        }
        if (column.IsSigned)
        {
            var (min, max) = (long.MaxValue, long.MinValue);
            foreach (var v in values)
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
            return (BitConverter.GetBytes(min), BitConverter.GetBytes(max));
        }
        var (umin, umax) = (ulong.MaxValue, ulong.MinValue);
        foreach (var v in values)
        {
            umin = Math.Min(umin, (ulong)v);
            umax = Math.Max(umax, (ulong)v);
        }
        return (BitConverter.GetBytes(umin), BitConverter.GetBytes(umax));
    }

    public void Dispose()
    {
        _page.Dispose();
        _compressed.Dispose();
        _header.Dispose();
        Return(ref _indices);
        Return(ref _levels);
    }

    /// <summary>The first <paramref name="length"/> items of a pooled scratch array, rented larger when too small.</summary>
    private static Span<int> Rent(ref int[] array, int length)
    {
        if (array.Length < length)
        {
            Return(ref array);
            array = ArrayPool<int>.Shared.Rent(length);
        }
        return array.AsSpan(0, length);
    }

    private static void Return(ref int[] array)
    {
        if (array.Length > 0)
        {
            ArrayPool<int>.Shared.Return(array);
        }
        array = [];
    }

    private struct PageTotals
    {
        public long Uncompressed;
        public long Compressed;
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
