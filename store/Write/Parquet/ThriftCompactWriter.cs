using System.Text;

namespace GrafanaProfiles.Store.Write.Parquet;

/// <summary>
/// The part of Thrift's compact protocol that Parquet's page headers and footer need: structs
/// (field headers with the id as a delta from the previous field when it fits in four bits),
/// zigzag varint i16/i32/i64, i8, bool in the field header, binary and string (varint length),
/// and lists. Writes into a pooled <see cref="ByteBuffer"/> that <see cref="Clear"/> reuses.
/// </summary>
internal sealed class ThriftCompactWriter : IDisposable
{
    // Compact protocol type ids (the low four bits of a field header, or of a list header).
    internal const byte True = 1;
    internal const byte False = 2;
    internal const byte Byte = 3;
    internal const byte I16 = 4;
    internal const byte I32 = 5;
    internal const byte I64 = 6;
    internal const byte Binary = 8;
    internal const byte List = 9;
    internal const byte Struct = 12;

    private readonly Stack<short> _enclosingLastIds = new();
    private readonly ByteBuffer _bytes = new(256);
    private short _lastId;

    public int Length => _bytes.Length;

    public ReadOnlySpan<byte> Written => _bytes.Written;

    public void Clear()
    {
        _bytes.Clear();
        _lastId = 0;
        _enclosingLastIds.Clear();
    }

    public void Dispose() => _bytes.Dispose();

    /// <summary>Starts a struct that is the whole message or a list element (no field header).</summary>
    public void BeginStruct()
    {
        _enclosingLastIds.Push(_lastId);
        _lastId = 0;
    }

    /// <summary>Writes the stop field and returns to the enclosing struct.</summary>
    public void EndStruct()
    {
        WriteByte(0);
        _lastId = _enclosingLastIds.Pop();
    }

    /// <summary>A struct field (or a union, which is a struct with one field set); close it with <see cref="EndStruct"/>.</summary>
    public void FieldStruct(short id)
    {
        FieldHeader(id, Struct);
        BeginStruct();
    }

    public void FieldBool(short id, bool value) => FieldHeader(id, value ? True : False);

    public void FieldI8(short id, sbyte value)
    {
        FieldHeader(id, Byte);
        WriteByte((byte)value);
    }

    public void FieldI16(short id, short value)
    {
        FieldHeader(id, I16);
        _bytes.AppendVarint(ZigZag(value));
    }

    public void FieldI32(short id, int value)
    {
        FieldHeader(id, I32);
        _bytes.AppendVarint(ZigZag(value));
    }

    public void FieldI64(short id, long value)
    {
        FieldHeader(id, I64);
        _bytes.AppendVarint(ZigZag(value));
    }

    public void FieldBinary(short id, ReadOnlySpan<byte> value)
    {
        FieldHeader(id, Binary);
        ElementBinary(value);
    }

    public void FieldString(short id, string value)
    {
        FieldHeader(id, Binary);
        ElementString(value);
    }

    /// <summary>A list field's header; the <paramref name="count"/> elements follow (Element* or BeginStruct/EndStruct).</summary>
    public void FieldList(short id, byte elementType, int count)
    {
        FieldHeader(id, List);
        if (count < 15)
        {
            WriteByte((byte)(count << 4 | elementType));
        }
        else
        {
            WriteByte((byte)(0xF0 | elementType));
            _bytes.AppendVarint((uint)count);
        }
    }

    public void ElementI32(int value) => _bytes.AppendVarint(ZigZag(value));

    public void ElementBinary(ReadOnlySpan<byte> value)
    {
        _bytes.AppendVarint((uint)value.Length);
        _bytes.Append(value);
    }

    public void ElementString(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        _bytes.AppendVarint((uint)length);
        Encoding.UTF8.GetBytes(value, _bytes.Append(length));
    }

    private void FieldHeader(short id, byte type)
    {
        var delta = id - _lastId;
        if (delta is > 0 and <= 15)
        {
            WriteByte((byte)(delta << 4 | type));
        }
        else
        {
            WriteByte(type);
            _bytes.AppendVarint(ZigZag(id));
        }
        _lastId = id;
    }

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    private static uint ZigZag(int value) => (uint)((value << 1) ^ (value >> 31));

    private void WriteByte(byte value) => _bytes.Append(value);
}
