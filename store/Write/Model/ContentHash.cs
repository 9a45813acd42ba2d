using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace GrafanaProfiles.Store.Model;

/// <summary>
/// The 64-bit content hashes that make ids: XXH64 (seed 0) of a canonical byte form, so that every
/// writer gives the same id to the same function, stack or series without a shared dictionary.
/// (System.IO.Hashing is not in our package registry; XXH64 is a short, well-specified algorithm.)
/// </summary>
public static class ContentHash
{
    private const ulong P1 = 11400714785074694791UL;
    private const ulong P2 = 14029467366897019727UL;
    private const ulong P3 = 1609587929392839161UL;
    private const ulong P4 = 9650029242287828579UL;
    private const ulong P5 = 2870177450012600261UL;

    /// <summary>Function id: name, system name, file and start line.</summary>
    public static ulong Function(string name, string systemName, string filename, long startLine)
    {
        var builder = new HashBuilder();
        builder.Add(name);
        builder.Add(systemName);
        builder.Add(filename);
        builder.Add(startLine);
        return builder.Finish();
    }

    /// <summary>
    /// The same id as <see cref="Function(string, string, string, long)"/>, computed from the
    /// strings' UTF-8 bytes without decoding them (a decoder that already holds the bytes can look
    /// a function up before building it).
    /// </summary>
    public static ulong FunctionOfUtf8(ReadOnlySpan<byte> name, ReadOnlySpan<byte> systemName, ReadOnlySpan<byte> filename, long startLine)
    {
        var length = 12 + name.Length + systemName.Length + filename.Length + 8;
        var rented = length <= 512 ? null : System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        var buffer = rented is null ? stackalloc byte[512] : rented.AsSpan();
        var p = Put(buffer, 0, name);
        p = Put(buffer, p, systemName);
        p = Put(buffer, p, filename);
        BinaryPrimitives.WriteInt64LittleEndian(buffer[p..], startLine);
        var hash = XxHash64(buffer[..(p + 8)]);
        if (rented is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
        return hash;

        static int Put(Span<byte> buffer, int p, ReadOnlySpan<byte> part)
        {
            BinaryPrimitives.WriteInt32LittleEndian(buffer[p..], part.Length);
            part.CopyTo(buffer[(p + 4)..]);
            return p + 4 + part.Length;
        }
    }

    /// <summary>Stack id: the frame (function) ids, root first.</summary>
    public static ulong Stack(ReadOnlySpan<ulong> frameIdsRootFirst) =>
        XxHash64(System.Runtime.InteropServices.MemoryMarshal.AsBytes(frameIdsRootFirst));

    /// <summary>Series id: service name and the label pairs, sorted by name.</summary>
    public static ulong Series(string serviceName, LabelSet labels)
    {
        var builder = new HashBuilder();
        builder.Add(serviceName);
        foreach (var (name, value) in labels)
        {
            builder.Add(name);
            builder.Add(value);
        }
        return builder.Finish();
    }

    /// <summary>XXH64 with seed 0, as specified by the xxHash project.</summary>
    public static ulong XxHash64(ReadOnlySpan<byte> data)
    {
        ulong h;
        var p = 0;
        if (data.Length >= 32)
        {
            ulong v1 = unchecked(P1 + P2), v2 = P2, v3 = 0, v4 = unchecked(0 - P1);
            for (; p <= data.Length - 32; p += 32)
            {
                v1 = Round(v1, BinaryPrimitives.ReadUInt64LittleEndian(data[p..]));
                v2 = Round(v2, BinaryPrimitives.ReadUInt64LittleEndian(data[(p + 8)..]));
                v3 = Round(v3, BinaryPrimitives.ReadUInt64LittleEndian(data[(p + 16)..]));
                v4 = Round(v4, BinaryPrimitives.ReadUInt64LittleEndian(data[(p + 24)..]));
            }
            h = BitOperations.RotateLeft(v1, 1) + BitOperations.RotateLeft(v2, 7) + BitOperations.RotateLeft(v3, 12) + BitOperations.RotateLeft(v4, 18);
            h = Merge(h, v1);
            h = Merge(h, v2);
            h = Merge(h, v3);
            h = Merge(h, v4);
        }
        else
        {
            h = P5;
        }
        h += (ulong)data.Length;
        for (; p <= data.Length - 8; p += 8)
        {
            h ^= Round(0, BinaryPrimitives.ReadUInt64LittleEndian(data[p..]));
            h = (BitOperations.RotateLeft(h, 27) * P1) + P4;
        }
        if (p <= data.Length - 4)
        {
            h ^= BinaryPrimitives.ReadUInt32LittleEndian(data[p..]) * P1;
            h = (BitOperations.RotateLeft(h, 23) * P2) + P3;
            p += 4;
        }
        for (; p < data.Length; p++)
        {
            h ^= data[p] * P5;
            h = BitOperations.RotateLeft(h, 11) * P1;
        }
        h ^= h >> 33;
        h *= P2;
        h ^= h >> 29;
        h *= P3;
        h ^= h >> 32;
        return h;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Round(ulong acc, ulong input) => BitOperations.RotateLeft(acc + (input * P2), 31) * P1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Merge(ulong acc, ulong v) => ((acc ^ Round(0, v)) * P1) + P4;

    /// <summary>Builds the canonical byte form: each string as its UTF-8 length (int32) and bytes, each number as int64.</summary>
    private ref struct HashBuilder
    {
        private byte[] _buffer;
        private int _length;

        public HashBuilder() => _buffer = new byte[128];

        public void Add(string value)
        {
            var max = Encoding.UTF8.GetMaxByteCount(value.Length) + 4;
            Ensure(max);
            var written = Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length + 4));
            BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_length), written);
            _length += 4 + written;
        }

        public void Add(long value)
        {
            Ensure(8);
            BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_length), value);
            _length += 8;
        }

        private void Ensure(int extra)
        {
            if (_length + extra > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + extra));
            }
        }

        public readonly ulong Finish() => XxHash64(_buffer.AsSpan(0, _length));
    }
}
