namespace GrafanaProfiles.Store.Write.Parquet;

/// <summary>
/// Parquet's RLE / bit-packing hybrid (Encodings.md), used for dictionary indices and definition
/// levels. A run of at least 8 equal values becomes an RLE run (varint <c>count &lt;&lt; 1</c>, then the
/// value in ⌈width / 8⌉ little-endian bytes); everything else is bit-packed in groups of 8
/// (varint <c>groups &lt;&lt; 1 | 1</c>, then the values packed from the least significant bit). A
/// bit-packed run can only end on a group boundary, so a repeat that follows an unfinished group
/// first lends it the values it lacks; only the very last group is padded with zeros, which readers
/// drop because they know the number of values.
/// </summary>
internal static class RleHybridEncoder
{
    /// <summary>The shortest repeat written as an RLE run.</summary>
    private const int MinRepeat = 8;

    /// <summary>Groups of 8 per bit-packed header: 63 keeps each header one byte.</summary>
    private const int MaxGroupsPerRun = 63;

    /// <summary>The bit width of values up to <paramref name="maxValue"/> (at least 1).</summary>
    public static int BitWidth(int maxValue) => Math.Max(1, 32 - int.LeadingZeroCount(maxValue));

    public static void Encode(ReadOnlySpan<int> values, int bitWidth, ByteBuffer output)
    {
        var literalStart = 0;
        var i = 0;
        while (i < values.Length)
        {
            var value = values[i];
            var end = i + 1;
            while (end < values.Length && values[end] == value)
            {
                end++;
            }
            if (end - i >= MinRepeat)
            {
                // Complete the pending literals' last group of 8 with values of this repeat.
                var repeatStart = i;
                var unfinished = (i - literalStart) % 8;
                if (unfinished != 0)
                {
                    repeatStart += 8 - unfinished;
                }
                if (repeatStart > literalStart)
                {
                    BitPack(values[literalStart..repeatStart], bitWidth, output);
                }
                Repeat(value, end - repeatStart, bitWidth, output);
                literalStart = end;
            }
            i = end;
        }
        if (values.Length > literalStart)
        {
            BitPack(values[literalStart..], bitWidth, output);
        }
    }

    /// <summary>
    /// Values of width 1 given as a bitmap (value i is bit i % 8 of byte i / 8), all bit-packed: for
    /// levels whose runs the caller knows to be short, with no pass over them value by value. Bits
    /// of the last byte beyond <paramref name="count"/> are written as zeros.
    /// </summary>
    public static void BitPackBits(ReadOnlySpan<byte> bits, int count, ByteBuffer output)
    {
        var bytes = (count + 7) / 8;
        for (var at = 0; at < bytes; at += MaxGroupsPerRun)
        {
            var groups = Math.Min(MaxGroupsPerRun, bytes - at);
            output.AppendVarint((uint)groups << 1 | 1);
            output.Append(bits.Slice(at, groups));
        }
        if (count % 8 != 0)
        {
            output.Written[^1] &= (byte)((1 << (count % 8)) - 1);
        }
    }

    /// <summary><paramref name="count"/> times <paramref name="value"/> as one RLE run.</summary>
    public static void Repeat(int value, int count, int bitWidth, ByteBuffer output)
    {
        output.AppendVarint((uint)count << 1);
        var bytes = output.Append((bitWidth + 7) / 8);
        for (var b = 0; b < bytes.Length; b++)
        {
            bytes[b] = (byte)(value >> (8 * b));
        }
    }

    private static void BitPack(ReadOnlySpan<int> values, int bitWidth, ByteBuffer output)
    {
        while (values.Length > 0)
        {
            var groups = Math.Min(MaxGroupsPerRun, (values.Length + 7) / 8);
            var count = Math.Min(values.Length, groups * 8);
            output.AppendVarint((uint)groups << 1 | 1);
            var bytes = output.Append(groups * bitWidth);
            ulong pending = 0;
            var bits = 0;
            var at = 0;
            foreach (var v in values[..count])
            {
                pending |= (ulong)(uint)v << bits;
                bits += bitWidth;
                while (bits >= 8)
                {
                    bytes[at++] = (byte)pending;
                    pending >>= 8;
                    bits -= 8;
                }
            }
            // The last group's missing values are zeros: flush what is left and zero the rest.
            if (bits > 0)
            {
                bytes[at++] = (byte)pending;
            }
            bytes[at..].Clear();
            values = values[count..];
        }
    }
}
