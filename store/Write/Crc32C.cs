using System.Buffers.Binary;
using System.Numerics;

namespace GrafanaProfiles.Store.Write;

/// <summary>CRC-32C (Castagnoli), hardware-accelerated through <see cref="BitOperations.Crc32C(uint, ulong)"/>.</summary>
internal static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Start, data));

    /// <summary>The state before any data; <see cref="Append"/> data in pieces, then <see cref="Finish"/>.</summary>
    public const uint Start = ~0u;

    public static uint Finish(uint state) => ~state;

    /// <summary>Continues a CRC over <paramref name="data"/>: pieces appended in order give the CRC of their concatenation.</summary>
    public static uint Append(uint state, ReadOnlySpan<byte> data)
    {
        var crc = state;
        var i = 0;
        for (; i <= data.Length - 8; i += 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
        }
        for (; i < data.Length; i++)
        {
            crc = BitOperations.Crc32C(crc, data[i]);
        }
        return crc;
    }
}
