using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using GrafanaProfiles.Store.DuckDb;
using static GrafanaProfiles.Store.Write.Parquet.ParquetFormat;

namespace GrafanaProfiles.Store.Write.Parquet;

/// <summary>What the footer says about one column chunk.</summary>
/// <param name="NumValues">Level entries: one per row of a flat column, one per element or empty list of a list column.</param>
/// <param name="NullCount">Entries without a value: null rows, or empty lists (as DuckDB and parquet-mr count them).</param>
/// <param name="Min">The smallest value in the column's order (strings cut to <see cref="ColumnChunkWriter.MaxStatisticsBytes"/>), null without statistics.</param>
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
    byte[]? Max,
    bool MinExact = true,
    bool MaxExact = true);

/// <summary>
/// Writes one column chunk: a dictionary page (PLAIN) and data pages of dictionary indices
/// (RLE_DICTIONARY) while the chunk's distinct values stay few, else data pages of PLAIN values;
/// data page V1, definition levels (RLE, width 1) before the values of an OPTIONAL column,
/// repetition then definition levels before those of a list column; pages end at row boundaries,
/// every page zstd-compressed on its own. Computes the chunk's statistics on the way.
/// </summary>
internal sealed class ColumnChunkWriter : IDisposable
{
    /// <summary>A dictionary holds at most this many bytes (PLAIN-encoded); beyond it the chunk is PLAIN.</summary>
    internal const int MaxDictionaryBytes = 1 << 20;

    /// <summary>
    /// String statistics longer than this are cut, as DuckDB cuts them (a function name can be
    /// 64 KiB, and each chunk's statistics hold it twice in the footer): the minimum to a prefix
    /// that ends on a UTF-8 character, the maximum to a prefix whose last ASCII byte below 0x7F is
    /// raised by one (still valid UTF-8, still above every value); without such a byte there are
    /// no min/max statistics.
    /// </summary>
    internal const int MaxStatisticsBytes = 256;

    private readonly ZstdCompressor _zstd;
    private readonly int _pageBytes;
    private readonly ValueDictionary _dictionary = new();
    private readonly ByteBuffer _page;
    private readonly ByteBuffer _compressed;
    private readonly ThriftCompactWriter _header = new();
    private int[] _indices = [];
    private int[] _definition = [];
    private byte[] _bits = [];

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
    /// Writes the chunk of a flat column's <paramref name="rows"/> rows at the output's position.
    /// <paramref name="values"/> holds the non-null values in row order (string ids into
    /// <paramref name="strings"/> for a string column); <paramref name="defined"/> holds one byte per
    /// row (1 = not null) for a nullable column and is empty otherwise.
    /// </summary>
    public ColumnChunkInfo Write(ParquetOutput output, ParquetColumn column, int rows, ReadOnlySpan<long> values,
        ReadOnlySpan<byte> defined, IReadOnlyList<byte[]> strings) =>
        WriteChunk(output, column, new ChunkRows(rows, defined, []), values, strings);

    /// <summary>
    /// Writes the chunk of a list column at the output's position: <paramref name="lengths"/> holds
    /// each row's number of elements, <paramref name="values"/> the elements of all rows in order.
    /// </summary>
    public ColumnChunkInfo WriteList(ParquetOutput output, ParquetColumn column, ReadOnlySpan<int> lengths, ReadOnlySpan<long> values) =>
        WriteChunk(output, column, new ChunkRows(lengths.Length, [], lengths), values, []);

    private ColumnChunkInfo WriteChunk(ParquetOutput output, ParquetColumn column, ChunkRows rows, ReadOnlySpan<long> values,
        IReadOnlyList<byte[]> strings)
    {
        // Level entries: a flat column has one per row; a list one per element, and one per empty list.
        var entries = column.List ? values.Length + rows.Lengths.Count(0) : rows.Count;
        var indices = Rent(ref _indices, values.Length);
        var totals = new PageTotals();
        long? dictionaryOffset = null;
        // A dictionary pays while values repeat: at most one entry per two entries, and a bounded page.
        var maxEntries = Math.Max(1, Math.Min(entries / 2, MaxDictionaryBytes / sizeof(long)));
        var useDictionary = !column.Distinct && values.Length > 0 && _dictionary.TryEncode(values, indices, maxEntries) &&
                            (!column.IsString || DictionaryStringBytes(strings) <= MaxDictionaryBytes);
        var bitWidth = 0;
        if (useDictionary)
        {
            dictionaryOffset = output.Position;
            WriteDictionaryPage(output, column, strings, ref totals);
            bitWidth = RleHybridEncoder.BitWidth(_dictionary.Count - 1);
        }

        var dataOffset = output.Position;
        var (rowStart, valueStart, pages) = (0, 0, 0);
        while (rowStart < rows.Count)
        {
            var (rowEnd, valueEnd) = PageEnd(column, rows, rowStart, valueStart, values, strings, bitWidth);
            _page.Clear();
            var pageEntries = rowEnd - rowStart;
            if (column.List)
            {
                pageEntries = WriteListLevels(rows.Lengths[rowStart..rowEnd]);
            }
            else if (column.Nullable)
            {
                WriteLevels(DefinitionLevels(rows.Defined[rowStart..rowEnd]));
            }
            if (useDictionary)
            {
                _page.Append((byte)bitWidth);
                RleHybridEncoder.Encode(indices[valueStart..valueEnd], bitWidth, _page);
            }
            else
            {
                WritePlain(column, values[valueStart..valueEnd], strings);
            }
            WritePage(output, PageData, pageEntries, useDictionary ? EncodingRleDictionary : EncodingPlain, ref totals);
            (rowStart, valueStart) = (rowEnd, valueEnd);
            pages++;
        }

        var bounds = useDictionary ? Bounds(column, _dictionary.Entries, strings) : Bounds(column, values, strings);
        var levels = column.Nullable || column.List;
        int[] encodings = (useDictionary, levels) switch
        {
            (true, true) => [EncodingPlain, EncodingRle, EncodingRleDictionary],
            (true, false) => [EncodingPlain, EncodingRleDictionary],
            (false, true) => [EncodingPlain, EncodingRle],
            (false, false) => [EncodingPlain],
        };
        return new ColumnChunkInfo(column, encodings, entries, totals.Uncompressed, totals.Compressed, dataOffset, dictionaryOffset, pages,
            entries - values.Length, useDictionary ? _dictionary.Count : null, bounds?.Min, bounds?.Max, bounds?.MinExact ?? true,
            bounds?.MaxExact ?? true);
    }

    /// <summary>
    /// Where the page that starts at <paramref name="rowStart"/> ends: after the last whole row whose
    /// encoded values still fit in the page size (at least one row), so no row is split across pages.
    /// </summary>
    private (int RowEnd, int ValueEnd) PageEnd(ParquetColumn column, in ChunkRows rows, int rowStart, int valueStart,
        ReadOnlySpan<long> values, IReadOnlyList<byte[]> strings, int dictionaryBitWidth)
    {
        var budget = (long)_pageBytes * 8;
        var valueBits = dictionaryBitWidth > 0 ? dictionaryBitWidth : column.IsString ? 0 : 64;
        if (!column.List && valueBits > 0)
        {
            // One value per row (or none, for a null): the rows are counted, not walked.
            var rowEnd = (int)Math.Min(rows.Count, rowStart + Math.Max(1, budget / valueBits));
            var count = column.Nullable ? rows.Defined[rowStart..rowEnd].Count((byte)1) : rowEnd - rowStart;
            return (rowEnd, valueStart + count);
        }
        var (row, value, bits) = (rowStart, valueStart, 0L);
        while (row < rows.Count)
        {
            var count = column.List ? rows.Lengths[row] : column.Nullable ? rows.Defined[row] : 1;
            var rowBits = (long)count * valueBits;
            if (valueBits == 0)
            {
                for (var i = value; i < value + count; i++)
                {
                    rowBits += (sizeof(int) + strings[(int)values[i]].Length) * 8L;
                }
            }
            // Rows without values (empty lists, nulls) cost only their levels: they never start a page.
            if (row > rowStart && rowBits > 0 && bits + rowBits > budget)
            {
                break;
            }
            bits += rowBits;
            value += count;
            row++;
        }
        return (row, value);
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

    /// <summary>An OPTIONAL column's definition levels: 1 for a value, 0 for a null.</summary>
    private Span<int> DefinitionLevels(ReadOnlySpan<byte> defined)
    {
        var levels = Rent(ref _definition, defined.Length);
        for (var i = 0; i < defined.Length; i++)
        {
            levels[i] = defined[i];
        }
        return levels;
    }

    /// <summary>
    /// A list column's levels for the page's rows, repetition levels first: an element is
    /// (repetition 0 for a row's first, 1 for the others; definition 1), an empty list is one
    /// entry (0, 0) without a value. Returns the number of entries. The levels are built as bitmaps
    /// from the row lengths and bit-packed whole (the definition levels of a page without empty
    /// lists as one run): a stack's 20 or so repetition levels are 2–3 bytes either way, and
    /// filling two arrays of levels per page took 9% of the stacks file's CPU (perf, 27,000 stacks
    /// of 10–30 frames); the bitmaps do not show in the profile.
    /// </summary>
    private int WriteListLevels(ReadOnlySpan<int> lengths)
    {
        var (entries, empty) = (0, 0);
        foreach (var length in lengths)
        {
            entries += Math.Max(1, length);
            empty += length == 0 ? 1 : 0;
        }
        var bits = RentBytes((entries + 7) / 8);
        bits.Fill(0xFF);
        var at = 0;
        foreach (var length in lengths)
        {
            bits[at >> 3] &= (byte)~(1 << (at & 7));
            at += Math.Max(1, length);
        }
        WriteBitLevels(bits, entries);
        if (empty == 0)
        {
            var lengthAt = _page.Length;
            _page.Append(4);
            RleHybridEncoder.Repeat(1, entries, 1, _page);
            BinaryPrimitives.WriteInt32LittleEndian(_page.Written[lengthAt..], _page.Length - lengthAt - 4);
            return entries;
        }
        bits.Fill(0xFF);
        at = 0;
        foreach (var length in lengths)
        {
            if (length == 0)
            {
                bits[at >> 3] &= (byte)~(1 << (at & 7));
            }
            at += Math.Max(1, length);
        }
        WriteBitLevels(bits, entries);
        return entries;
    }

    private void WriteBitLevels(ReadOnlySpan<byte> bits, int count)
    {
        var lengthAt = _page.Length;
        _page.Append(4);
        RleHybridEncoder.BitPackBits(bits, count, _page);
        BinaryPrimitives.WriteInt32LittleEndian(_page.Written[lengthAt..], _page.Length - lengthAt - 4);
    }

    /// <summary>A level stream of a V1 page: its byte length (u32), then the hybrid at width 1 (the levels are 0 and 1).</summary>
    private void WriteLevels(ReadOnlySpan<int> levels)
    {
        var lengthAt = _page.Length;
        _page.Append(4);
        RleHybridEncoder.Encode(levels, 1, _page);
        BinaryPrimitives.WriteInt32LittleEndian(_page.Written[lengthAt..], _page.Length - lengthAt - 4);
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

    /// <summary>The statistics' min and max in the column's order; null for no values, or a string maximum that cannot be cut.</summary>
    private static ChunkBounds? Bounds(ParquetColumn column, ReadOnlySpan<long> values, IReadOnlyList<byte[]> strings)
    {
        if (values.IsEmpty)
        {
            return null;
        }
        if (column.IsString)
        {
            return StringBounds(values, strings);
        }
        if (column.IsSigned)
        {
            var (min, max) = (long.MaxValue, long.MinValue);
            foreach (var v in values)
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
            return new ChunkBounds(BitConverter.GetBytes(min), BitConverter.GetBytes(max), true, true);
        }
        var (umin, umax) = (ulong.MaxValue, ulong.MinValue);
        foreach (var v in values)
        {
            umin = Math.Min(umin, (ulong)v);
            umax = Math.Max(umax, (ulong)v);
        }
        return new ChunkBounds(BitConverter.GetBytes(umin), BitConverter.GetBytes(umax), true, true);
    }

    private static ChunkBounds? StringBounds(ReadOnlySpan<long> values, IReadOnlyList<byte[]> strings)
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
        var maxExact = max.Length <= MaxStatisticsBytes;
        if (!maxExact)
        {
            var last = max.AsSpan(0, MaxStatisticsBytes).LastIndexOfAnyInRange((byte)0, (byte)0x7E);
            if (last < 0)
            {
                return null;
            }
            var cut = max.AsSpan(0, last + 1).ToArray();
            cut[last]++;
            max = cut;
        }
        var minExact = min.Length <= MaxStatisticsBytes;
        if (!minExact)
        {
            var end = MaxStatisticsBytes;
            while (end > 0 && (min[end] & 0xC0) == 0x80)
            {
                end--; // a UTF-8 continuation byte: the cut would split a character
            }
            min = min[..end];
        }
        return new ChunkBounds(min, max, minExact, maxExact);
    }

    public void Dispose()
    {
        _page.Dispose();
        _compressed.Dispose();
        _header.Dispose();
        Return(ref _indices);
        Return(ref _definition);
        if (_bits.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_bits);
            _bits = [];
        }
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

    private Span<byte> RentBytes(int length)
    {
        if (_bits.Length < length)
        {
            if (_bits.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_bits);
            }
            _bits = ArrayPool<byte>.Shared.Rent(length);
        }
        return _bits.AsSpan(0, length);
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

    private readonly record struct ChunkBounds(byte[] Min, byte[] Max, bool MinExact, bool MaxExact);

    /// <summary>A chunk's rows: how many, and per row whether it has a value (nullable column) or how many (list column).</summary>
    private readonly ref struct ChunkRows(int count, ReadOnlySpan<byte> defined, ReadOnlySpan<int> lengths)
    {
        public int Count { get; } = count;
        public ReadOnlySpan<byte> Defined { get; } = defined;
        public ReadOnlySpan<int> Lengths { get; } = lengths;
    }
}
