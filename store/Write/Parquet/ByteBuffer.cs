using System.Buffers;

namespace GrafanaProfiles.Store.Write.Parquet;

/// <summary>A growable byte buffer on an array rented from <see cref="ArrayPool{T}.Shared"/>, reused page after page.</summary>
internal sealed class ByteBuffer : IDisposable
{
    private byte[] _array;

    public ByteBuffer(int capacity) => _array = ArrayPool<byte>.Shared.Rent(capacity);

    public int Length { get; private set; }

    public Span<byte> Written => _array.AsSpan(0, Length);

    public void Clear() => Length = 0;

    /// <summary>Reserves <paramref name="count"/> bytes at the end and returns them.</summary>
    public Span<byte> Append(int count)
    {
        Reserve(count);
        var span = _array.AsSpan(Length, count);
        Length += count;
        return span;
    }

    public void Append(byte value)
    {
        Reserve(1);
        _array[Length++] = value;
    }

    public void Append(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Append(bytes.Length));

    /// <summary>An unsigned LEB128 varint.</summary>
    public void AppendVarint(ulong value)
    {
        Reserve(10);
        while (value >= 0x80)
        {
            _array[Length++] = (byte)(value | 0x80);
            value >>= 7;
        }
        _array[Length++] = (byte)value;
    }

    /// <summary>Room for <paramref name="count"/> more bytes without growing.</summary>
    public void Reserve(int count)
    {
        if (Length + count <= _array.Length)
        {
            return;
        }
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_array.Length * 2, Length + count));
        _array.AsSpan(0, Length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_array);
        _array = larger;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_array);
        _array = [];
        Length = 0;
    }
}
