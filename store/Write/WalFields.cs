using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Store.Write;

/// <summary>
/// Writes the fields of a write-ahead log payload, for every record kind (<see cref="WalRecordKind"/>);
/// <see cref="WalFieldReader"/> reads them. Little-endian. Two string forms exist because the log
/// already holds both: <see cref="String"/> (u32 length + UTF-8, the option headers of the pprof
/// and folded kinds) and <see cref="CompactString"/> (varint length + UTF-8, the batch kind).
/// Label sets likewise: <see cref="Labels"/> (i32 count + string pairs) and
/// <see cref="CompactLabels"/> (varint count + compact pairs). A kind's layout never changes
/// without a new record version (tests/testdata/wal/every-kind holds one record of each).
/// </summary>
public sealed class WalFieldWriter(int capacity)
{
    private readonly ArrayBufferWriter<byte> _buffer = new(capacity);

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    public void Byte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    /// <summary>One byte, 1 or 0.</summary>
    public void Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

    public void Int32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void Int64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void UInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    /// <summary>Unsigned LEB128: 7 bits a byte, low first, the high bit set on all but the last.</summary>
    public void Varint(ulong value)
    {
        var span = _buffer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        _buffer.Advance(i);
    }

    /// <summary>u32 byte length, then UTF-8.</summary>
    public void String(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        Int32(count);
        Utf8(value, count);
    }

    /// <summary>Varint byte length, then UTF-8.</summary>
    public void CompactString(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        Varint((ulong)count);
        Utf8(value, count);
    }

    /// <summary>i32 count, then each pair as two <see cref="String"/>s.</summary>
    public void Labels(LabelSet labels)
    {
        Int32(labels.Count);
        foreach (var (k, v) in labels)
        {
            String(k);
            String(v);
        }
    }

    /// <summary>Varint count, then each pair as two <see cref="CompactString"/>s.</summary>
    public void CompactLabels(LabelSet labels)
    {
        Varint((ulong)labels.Count);
        foreach (var (k, v) in labels)
        {
            CompactString(k);
            CompactString(v);
        }
    }

    /// <summary>The limits that change what a decode produces (and so must be replayed as they were): seven i64s.</summary>
    public void Limits(IngestLimits limits)
    {
        Int64(limits.MaxDecompressedBytes);
        Int64(limits.MaxSamplesPerProfile);
        Int64(limits.MaxStackDepth);
        Int64(limits.MaxLabelsPerSeries);
        Int64(limits.MaxLabelNameLength);
        Int64(limits.MaxLabelValueLength);
        Int64(limits.MaxSymbolLength);
    }

    /// <summary>Bytes as they are, read back by <see cref="WalFieldReader.Rest"/>.</summary>
    public void Rest(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    private void Utf8(string value, int count)
    {
        Encoding.UTF8.GetBytes(value, _buffer.GetSpan(count));
        _buffer.Advance(count);
    }
}

/// <summary>Reads what <see cref="WalFieldWriter"/> wrote, field by field, in the same order.</summary>
public ref struct WalFieldReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public byte Byte() => _data[_position++];

    public bool Bool() => Byte() != 0;

    public int Int32()
    {
        var v = BinaryPrimitives.ReadInt32LittleEndian(_data[_position..]);
        _position += 4;
        return v;
    }

    public long Int64()
    {
        var v = BinaryPrimitives.ReadInt64LittleEndian(_data[_position..]);
        _position += 8;
        return v;
    }

    public ulong UInt64()
    {
        var v = BinaryPrimitives.ReadUInt64LittleEndian(_data[_position..]);
        _position += 8;
        return v;
    }

    public ulong Varint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = _data[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
        throw new FormatException("Malformed varint in a log record.");
    }

    /// <summary>A varint count of entries, refused when the bytes left could not hold that many.</summary>
    public int Count()
    {
        var n = Varint();
        return n <= (ulong)(_data.Length - _position) * 8 + 8
            ? (int)n
            : throw new FormatException($"A log record declares {n} entries, more than its {_data.Length} bytes can hold.");
    }

    public string String() => Utf8(Int32());

    public string CompactString() => Utf8(Count());

    public LabelSet Labels()
    {
        var count = Int32();
        // Each label takes two 4-byte lengths at least: a count beyond that is damage, not a size to allocate.
        var left = _data.Length - _position;
        if (count < 0 || count > left / 8)
        {
            throw new FormatException($"A log record declares {count} labels, more than its remaining {left} bytes can hold.");
        }
        var pairs = new List<KeyValuePair<string, string>>(count);
        for (var i = 0; i < count; i++)
        {
            pairs.Add(new(String(), String()));
        }
        return LabelSet.From(pairs);
    }

    public LabelSet CompactLabels()
    {
        var count = Count();
        var pairs = new List<KeyValuePair<string, string>>(count);
        for (var i = 0; i < count; i++)
        {
            pairs.Add(new(CompactString(), CompactString()));
        }
        return LabelSet.From(pairs);
    }

    public IngestLimits Limits() => new()
    {
        MaxDecompressedBytes = Int64(),
        MaxSamplesPerProfile = (int)Int64(),
        MaxStackDepth = (int)Int64(),
        MaxLabelsPerSeries = (int)Int64(),
        MaxLabelNameLength = (int)Int64(),
        MaxLabelValueLength = (int)Int64(),
        MaxSymbolLength = (int)Int64(),
    };

    /// <summary>Everything after the fields read so far.</summary>
    public readonly ReadOnlySpan<byte> Rest() => _data[_position..];

    private string Utf8(int count)
    {
        var s = Encoding.UTF8.GetString(_data.Slice(_position, count));
        _position += count;
        return s;
    }
}
