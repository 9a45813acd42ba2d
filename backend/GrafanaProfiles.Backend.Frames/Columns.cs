using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace GrafanaProfiles.Backend.Frames;

/// <summary>
/// Fills Arrow buffers (managed byte arrays the arrays wrap, so a field needs no disposal) from typed
/// values: values, validity bitmap (LSB first, omitted when no row is null), offsets + bytes for
/// Utf8 and Binary. A null in a field that is not nullable is refused, naming the field and row.
/// </summary>
internal static class Columns
{
    /// <summary>Timestamp(NANOSECOND) without a zone, as the Go SDK writes <c>time.Time</c>.</summary>
    public static readonly TimestampType Nanoseconds = new(TimeUnit.Nanosecond, (string?)null);

    public delegate IArrowArray FixedFactory(ArrowBuffer values, ArrowBuffer validity, int length, int nullCount);

    /// <summary>The values copied once into a buffer of their little-endian bytes.</summary>
    public static ArrowBuffer Values<T>(ReadOnlySpan<T> values)
        where T : unmanaged =>
        new(MemoryMarshal.AsBytes(values).ToArray());

    public static IArrowArray Fixed<T>(string name, IReadOnlyList<T?> values, bool nullable, FixedFactory create)
        where T : unmanaged
    {
        var source = AsSpan(values);
        var bytes = new byte[source.Length * Unsafe.SizeOf<T>()];
        var target = MemoryMarshal.Cast<byte, T>(bytes.AsSpan());
        byte[]? validity = null;
        int nulls = 0;
        for (int i = 0; i < source.Length; i++)
        {
            if (source[i] is { } value)
            {
                target[i] = value;
            }
            else
            {
                validity ??= NullAt(name, nullable, source.Length, i);
                ClearBit(validity, i);
                nulls++;
            }
        }

        return create(new ArrowBuffer(bytes), Bitmap(validity), source.Length, nulls);
    }

    public static BooleanArray Booleans(string name, IReadOnlyList<bool?> values, bool nullable)
    {
        var source = AsSpan(values);
        var bits = new byte[BitmapLength(source.Length)];
        byte[]? validity = null;
        int nulls = 0;
        for (int i = 0; i < source.Length; i++)
        {
            if (source[i] is not { } value)
            {
                validity ??= NullAt(name, nullable, source.Length, i);
                ClearBit(validity, i);
                nulls++;
            }
            else if (value)
            {
                bits[i >> 3] |= (byte)(1 << (i & 7));
            }
        }

        return new BooleanArray(new ArrowBuffer(bits), Bitmap(validity), source.Length, nulls, 0);
    }

    public static StringArray Utf8(string name, IReadOnlyList<string?> values, bool nullable)
    {
        var source = AsSpan(values);
        long total = 0;
        foreach (var text in source)
        {
            total += text is null ? 0 : Encoding.UTF8.GetByteCount(text);
        }

        var data = new byte[checked((int)total)];
        var rows = new VariableRows(name, nullable, source.Length);
        for (int i = 0; i < source.Length; i++)
        {
            if (source[i] is { } text)
            {
                rows.Value(i, Encoding.UTF8.GetBytes(text, data.AsSpan(rows.End)));
            }
            else
            {
                rows.Null(i);
            }
        }

        return new StringArray(source.Length, rows.Offsets, new ArrowBuffer(data), Bitmap(rows.Validity), rows.Nulls, 0);
    }

    public static BinaryArray Bytes(string name, IReadOnlyList<byte[]?> values, bool nullable)
    {
        var source = AsSpan(values);
        long total = 0;
        foreach (var bytes in source)
        {
            total += bytes?.Length ?? 0;
        }

        var data = new byte[checked((int)total)];
        var rows = new VariableRows(name, nullable, source.Length);
        for (int i = 0; i < source.Length; i++)
        {
            if (source[i] is { } bytes)
            {
                bytes.CopyTo(data, rows.End);
                rows.Value(i, bytes.Length);
            }
            else
            {
                rows.Null(i);
            }
        }

        return new BinaryArray(BinaryType.Default, source.Length, rows.Offsets, new ArrowBuffer(data), Bitmap(rows.Validity), rows.Nulls, 0);
    }

    /// <summary>The i32 offsets (length + 1 of them, from 0) and validity of a Utf8 or Binary column, row by row.</summary>
    private sealed class VariableRows(string name, bool nullable, int length)
    {
        private readonly byte[] _offsets = new byte[4 * (length + 1)];

        public ArrowBuffer Offsets => new(_offsets);

        public byte[]? Validity { get; private set; }

        public int Nulls { get; private set; }

        /// <summary>Where the next row's bytes start in the data buffer.</summary>
        public int End { get; private set; }

        public void Value(int row, int byteCount)
        {
            End += byteCount;
            BinaryPrimitives.WriteInt32LittleEndian(_offsets.AsSpan(4 * (row + 1)), End);
        }

        public void Null(int row)
        {
            Validity ??= NullAt(name, nullable, length, row);
            ClearBit(Validity, row);
            Nulls++;
            BinaryPrimitives.WriteInt32LittleEndian(_offsets.AsSpan(4 * (row + 1)), End);
        }
    }

    /// <summary>The values of a list without copying them when it is an array or a <see cref="List{T}"/>.</summary>
    private static ReadOnlySpan<T> AsSpan<T>(IReadOnlyList<T> values) => values switch
    {
        T[] array => array,
        List<T> list => CollectionsMarshal.AsSpan(list),
        _ => values.ToArray(),
    };

    /// <summary>The first null of a field: refused unless nullable, else an all-valid bitmap to clear bits in.</summary>
    private static byte[] NullAt(string name, bool nullable, int length, int row)
    {
        if (!nullable)
        {
            throw new ArgumentException($"Field '{name}' is not nullable but row {row} is null.", nameof(name));
        }

        var bitmap = new byte[BitmapLength(length)];
        bitmap.AsSpan().Fill(0xFF);
        return bitmap;
    }

    private static void ClearBit(byte[] bitmap, int index) => bitmap[index >> 3] &= (byte)~(1 << (index & 7));

    private static ArrowBuffer Bitmap(byte[]? validity) => validity is null ? ArrowBuffer.Empty : new ArrowBuffer(validity);

    private static int BitmapLength(int length) => (length + 7) / 8;
}
