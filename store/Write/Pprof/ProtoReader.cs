using System.Runtime.CompilerServices;
using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Store.Pprof;

/// <summary>Protobuf wire types (https://protobuf.dev/programming-guides/encoding/#structure).</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    StartGroup = 3,
    EndGroup = 4,
    Fixed32 = 5,
}

/// <summary>
/// A forward-only reader of protobuf wire format over a span: tags, varints, fixed and
/// length-delimited fields, skipping of any field. It allocates nothing; malformed input throws
/// <see cref="ProfileRejectedException"/> (<see cref="RejectReason.InvalidProfile"/>) naming the
/// byte offset, counted from the start of the decompressed profile.
/// </summary>
internal ref struct ProtoReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly int _baseOffset;
    private int _position;

    public ProtoReader(ReadOnlySpan<byte> data, int baseOffset = 0)
    {
        _data = data;
        _baseOffset = baseOffset;
        _position = 0;
    }

    public readonly bool End => _position >= _data.Length;

    /// <summary>Offset of the next byte, from the start of the whole profile.</summary>
    public readonly int Offset => _baseOffset + _position;

    /// <summary>Reads the next tag; false at the end of the data.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadTag(out int field, out WireType wireType)
    {
        if (_position >= _data.Length)
        {
            field = 0;
            wireType = 0;
            return false;
        }
        var start = Offset;
        var tag = ReadVarint();
        field = (int)(tag >> 3);
        wireType = (WireType)(tag & 7);
        if (field <= 0 || tag >> 3 > int.MaxValue)
        {
            throw Malformed(start, $"field number {tag >> 3} is not valid");
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadVarint()
    {
        var data = _data;
        var p = _position;
        // Fast paths: one byte (field tags, small ids and indexes) and two (ids of the location and
        // function tables past 127, which most location references of a Go profile are).
        if ((uint)p < (uint)data.Length)
        {
            uint b0 = data[p];
            if (b0 < 0x80)
            {
                _position = p + 1;
                return b0;
            }
            if ((uint)(p + 1) < (uint)data.Length)
            {
                uint b1 = data[p + 1];
                if (b1 < 0x80)
                {
                    _position = p + 2;
                    return (b0 & 0x7F) | (b1 << 7);
                }
            }
        }
        return ReadVarintSlow();
    }

    private ulong ReadVarintSlow()
    {
        var start = _position;
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length)
            {
                throw Malformed(_baseOffset + start, "a varint runs past the end of its message");
            }
            var b = _data[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                // The tenth byte may only carry the top bit of a 64-bit value.
                if (shift == 63 && b > 1)
                {
                    break;
                }
                return result;
            }
        }
        throw Malformed(_baseOffset + start, "a varint is longer than 10 bytes");
    }

    public long ReadInt64() => unchecked((long)ReadVarint());

    public ulong ReadFixed64()
    {
        if (_data.Length - _position < 8)
        {
            throw Malformed(Offset, "a fixed64 field runs past the end of its message");
        }
        var value = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(_data[_position..]);
        _position += 8;
        return value;
    }

    public uint ReadFixed32()
    {
        if (_data.Length - _position < 4)
        {
            throw Malformed(Offset, "a fixed32 field runs past the end of its message");
        }
        var value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(_data[_position..]);
        _position += 4;
        return value;
    }

    /// <summary>Reads a length-delimited field's bytes and returns their offset in the whole profile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> ReadLengthDelimited(out int offset)
    {
        var start = Offset;
        var length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
        {
            throw Malformed(start, $"a field declares {length} bytes but only {_data.Length - _position} remain in its message");
        }
        offset = Offset;
        var bytes = _data.Slice(_position, (int)length);
        _position += (int)length;
        return bytes;
    }

    public ReadOnlySpan<byte> ReadLengthDelimited() => ReadLengthDelimited(out _);

    /// <summary>A reader over a length-delimited field (an embedded message or packed values).</summary>
    public ProtoReader ReadMessage()
    {
        var bytes = ReadLengthDelimited(out var offset);
        return new ProtoReader(bytes, offset);
    }

    /// <summary>Skips a field of any wire type, including groups.</summary>
    public void Skip(WireType wireType, int field)
    {
        switch (wireType)
        {
            case WireType.Varint:
                ReadVarint();
                break;
            case WireType.Fixed64:
                ReadFixed64();
                break;
            case WireType.LengthDelimited:
                ReadLengthDelimited();
                break;
            case WireType.Fixed32:
                ReadFixed32();
                break;
            case WireType.StartGroup:
                SkipGroup(field);
                break;
            case WireType.EndGroup:
                throw Malformed(Offset, $"field {field} ends a group that was never started");
            default:
                throw Malformed(Offset, $"field {field} has wire type {(int)wireType}, which protobuf does not define");
        }
    }

    private void SkipGroup(int field)
    {
        var start = Offset;
        // Groups nest; a depth bound keeps hostile input from recursing deeply.
        const int MaxGroupDepth = 64;
        Span<int> open = stackalloc int[MaxGroupDepth];
        var depth = 0;
        open[depth++] = field;
        while (depth > 0)
        {
            if (!TryReadTag(out var f, out var wt))
            {
                throw Malformed(start, $"group {field} is not closed before the end of its message");
            }
            if (wt == WireType.EndGroup)
            {
                if (open[--depth] != f)
                {
                    throw Malformed(start, $"group {open[depth]} is closed by an end tag of field {f}");
                }
            }
            else if (wt == WireType.StartGroup)
            {
                if (depth == MaxGroupDepth)
                {
                    throw Malformed(start, $"groups nest deeper than {MaxGroupDepth}");
                }
                open[depth++] = f;
            }
            else
            {
                Skip(wt, f);
            }
        }
    }

    public static ProfileRejectedException Malformed(int offset, string what) =>
        new(RejectReason.InvalidProfile, $"The profile is not valid protobuf: at byte {offset}, {what}.");
}
