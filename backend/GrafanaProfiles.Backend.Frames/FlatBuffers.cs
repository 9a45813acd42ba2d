using System.Buffers.Binary;
using System.Text;

namespace GrafanaProfiles.Backend.Frames;

/// <summary>A flatbuffer value that is reached through an offset: a table, a string or a vector.</summary>
internal abstract class FbNode;

/// <summary>A flatbuffer table: scalars stored inline, other nodes reached through forward offsets.</summary>
internal sealed class FbTable : FbNode
{
    internal readonly record struct Entry(int Slot, int Size, long Scalar, FbNode? Child);

    private readonly List<Entry> _entries = [];

    internal IReadOnlyList<Entry> Entries => _entries;

    public FbTable Scalar(int slot, int size, long value)
    {
        _entries.Add(new Entry(slot, size, value, null));
        return this;
    }

    public FbTable Ref(int slot, FbNode child)
    {
        _entries.Add(new Entry(slot, 4, 0, child));
        return this;
    }
}

internal sealed class FbString(string value) : FbNode
{
    public string Value { get; } = value;
}

internal sealed class FbTableVector(IReadOnlyList<FbTable> items) : FbNode
{
    public IReadOnlyList<FbTable> Items { get; } = items;
}

/// <summary>A vector of 8-byte-aligned structs given as their raw little-endian bytes.</summary>
internal sealed class FbStructVector(byte[] raw, int count) : FbNode
{
    public byte[] Raw { get; } = raw;
    public int Count { get; } = count;
}

/// <summary>
/// Lays a flatbuffer out front to back: root offset, then each table's vtable just before the table,
/// then the table's children after it, so every uoffset points forward as the format requires.
/// Positions are relative to the buffer start, which the caller places on an 8-byte boundary.
/// </summary>
internal sealed class FlatBufferWriter
{
    private byte[] _buffer = new byte[256];
    private int _length;

    public static byte[] Finish(FbTable root)
    {
        var writer = new FlatBufferWriter();
        writer.Grow(4);
        int rootPosition = writer.WriteTable(root);
        writer.PutU32(0, rootPosition);
        writer.Align(8);
        return writer._buffer.AsSpan(0, writer._length).ToArray();
    }

    private int WriteNode(FbNode node) => node switch
    {
        FbTable table => WriteTable(table),
        FbString text => WriteString(text.Value),
        FbTableVector vector => WriteTableVector(vector.Items),
        FbStructVector structs => WriteStructVector(structs),
        _ => throw new InvalidOperationException($"Unknown flatbuffer node {node.GetType().Name}."),
    };

    private int WriteTable(FbTable table)
    {
        var entries = table.Entries.OrderByDescending(e => e.Size).ToList();
        int slotCount = entries.Count == 0 ? 0 : entries.Max(e => e.Slot) + 1;
        int tableAlign = entries.Any(e => e.Size == 8) ? 8 : 4;
        var inlineOffsets = new int[entries.Count];
        int position = 4;
        for (int i = 0; i < entries.Count; i++)
        {
            position = AlignUp(position, entries[i].Size);
            inlineOffsets[i] = position;
            position += entries[i].Size;
        }

        int tableSize = AlignUp(position, 4);
        Align(2);
        int vtable = _length;
        Grow(4 + (2 * slotCount));
        PutU16(vtable, 4 + (2 * slotCount));
        PutU16(vtable + 2, tableSize);
        for (int i = 0; i < entries.Count; i++)
        {
            PutU16(vtable + 4 + (2 * entries[i].Slot), inlineOffsets[i]);
        }

        Align(tableAlign);
        int start = _length;
        Grow(tableSize);
        PutU32(start, start - vtable);
        for (int i = 0; i < entries.Count; i++)
        {
            if (entries[i].Child is null)
            {
                PutScalar(start + inlineOffsets[i], entries[i].Size, entries[i].Scalar);
            }
        }

        for (int i = 0; i < entries.Count; i++)
        {
            if (entries[i].Child is { } child)
            {
                int at = start + inlineOffsets[i];
                int target = WriteNode(child);
                PutU32(at, target - at);
            }
        }

        return start;
    }

    private int WriteString(string value)
    {
        int byteCount = Encoding.UTF8.GetByteCount(value);
        Align(4);
        int start = _length;
        Grow(4 + byteCount + 1);
        PutU32(start, byteCount);
        Encoding.UTF8.GetBytes(value, _buffer.AsSpan(start + 4, byteCount));
        return start;
    }

    private int WriteTableVector(IReadOnlyList<FbTable> items)
    {
        Align(4);
        int start = _length;
        Grow(4 + (4 * items.Count));
        PutU32(start, items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            int at = start + 4 + (4 * i);
            int target = WriteTable(items[i]);
            PutU32(at, target - at);
        }

        return start;
    }

    private int WriteStructVector(FbStructVector vector)
    {
        // The length prefix sits just before the first struct, which must be 8-byte aligned.
        Align(4);
        if ((_length + 4) % 8 != 0)
        {
            Grow(4);
        }

        int start = _length;
        Grow(4 + vector.Raw.Length);
        PutU32(start, vector.Count);
        vector.Raw.CopyTo(_buffer.AsSpan(start + 4));
        return start;
    }

    private static int AlignUp(int value, int alignment) => (value + alignment - 1) / alignment * alignment;

    private void Align(int alignment) => Grow(AlignUp(_length, alignment) - _length);

    private void Grow(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }

        _buffer.AsSpan(_length, count).Clear();
        _length += count;
    }

    private void PutU16(int at, int value) => BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(at), checked((ushort)value));

    private void PutU32(int at, int value) => BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(at), value);

    private void PutScalar(int at, int size, long value)
    {
        var span = _buffer.AsSpan(at, size);
        switch (size)
        {
            case 1: span[0] = unchecked((byte)value); break;
            case 2: BinaryPrimitives.WriteInt16LittleEndian(span, unchecked((short)value)); break;
            case 4: BinaryPrimitives.WriteInt32LittleEndian(span, unchecked((int)value)); break;
            case 8: BinaryPrimitives.WriteInt64LittleEndian(span, value); break;
            default: throw new InvalidOperationException($"Scalar size {size} is not 1, 2, 4 or 8.");
        }
    }
}
