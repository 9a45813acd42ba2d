using System.Buffers.Binary;
using System.Text;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Collector.Ingest;

/// <summary>
/// Writes the fields of a write-ahead-log payload, little-endian, in the layout of the store's
/// PprofWalCodec: strings as u32 length + UTF-8, label sets as a count + pairs, limits as i64s.
/// </summary>
internal sealed class WalFieldWriter : IDisposable
{
    private readonly MemoryStream _stream;
    private readonly BinaryWriter _writer;

    public WalFieldWriter(int capacity)
    {
        _stream = new MemoryStream(capacity);
        _writer = new BinaryWriter(_stream, Encoding.UTF8, leaveOpen: true);
    }

    public void Byte(byte value) => _writer.Write(value);

    public void Int64(long value) => _writer.Write(value);

    public void String(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        _writer.Write(bytes.Length);
        _writer.Write(bytes);
    }

    public void Labels(LabelSet labels)
    {
        _writer.Write(labels.Count);
        foreach (var (k, v) in labels)
        {
            String(k);
            String(v);
        }
    }

    /// <summary>The limits that change what a decode produces (and so must be replayed as they were).</summary>
    public void Limits(IngestLimits l)
    {
        _writer.Write(l.MaxDecompressedBytes);
        _writer.Write((long)l.MaxSamplesPerProfile);
        _writer.Write((long)l.MaxStackDepth);
        _writer.Write((long)l.MaxLabelsPerSeries);
        _writer.Write((long)l.MaxLabelNameLength);
        _writer.Write((long)l.MaxLabelValueLength);
        _writer.Write((long)l.MaxSymbolLength);
    }

    public void Rest(ReadOnlySpan<byte> bytes) => _writer.Write(bytes);

    public byte[] ToArray()
    {
        _writer.Flush();
        return _stream.ToArray();
    }

    public void Dispose()
    {
        _writer.Dispose();
        _stream.Dispose();
    }
}

/// <summary>Reads what <see cref="WalFieldWriter"/> wrote.</summary>
internal ref struct WalFieldReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public byte Byte() => _data[_position++];

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

    public string String()
    {
        var n = Int32();
        var s = Encoding.UTF8.GetString(_data.Slice(_position, n));
        _position += n;
        return s;
    }

    public LabelSet Labels()
    {
        var count = Int32();
        // Each label takes two 4-byte lengths at least: a count beyond that is damage, not a size to allocate.
        var left = _data.Length - _position;
        if (count < 0 || count > left / 8)
        {
            throw new FormatException($"A log record declares {count} labels, more than its remaining {left} bytes can hold.");
        }
        var pairs = new KeyValuePair<string, string>[count];
        for (var i = 0; i < count; i++)
        {
            pairs[i] = new(String(), String());
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

    public readonly ReadOnlySpan<byte> Rest() => _data[_position..];
}
