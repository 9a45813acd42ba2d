using GrafanaProfiles.Store.Write.Parquet;

namespace GrafanaProfiles.Store.Write.Tests.Parquet;

public sealed class RleHybridEncoderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(12)]
    [InlineData(17)]
    [InlineData(24)]
    public void Encode_LiteralsAndRepeatsOfEveryLength_DecodesToTheSameValues(int bitWidth)
    {
        var random = new Random(bitWidth);
        var max = (int)Math.Min(int.MaxValue, (1L << bitWidth) - 1);
        // Every pending-literal count 0..17 before every repeat length 1..20, so a repeat meets a
        // group of 8 at each fill level.
        for (var literals = 0; literals < 18; literals++)
        {
            for (var repeat = 1; repeat <= 20; repeat++)
            {
                var values = new List<int>();
                for (var i = 0; i < literals; i++)
                {
                    values.Add(i % 2 == 0 ? max : random.Next(max));
                }
                values.AddRange(Enumerable.Repeat(random.Next(max), repeat));
                values.AddRange(Enumerable.Range(0, random.Next(5)).Select(_ => random.Next(max)));
                AssertRoundTrip([.. values], bitWidth);
            }
        }
        AssertRoundTrip([.. Enumerable.Range(0, 5000).Select(_ => random.Next(4) == 0 ? random.Next(max) : max)], bitWidth);
    }

    [Fact]
    public void Encode_LongRepeat_IsOneRleRun()
    {
        using var output = new ByteBuffer(64);
        RleHybridEncoder.Encode(Enumerable.Repeat(5, 1000).ToArray(), 3, output);

        // varint(1000 << 1) = D0 0F, then the value in one byte.
        Assert.Equal(new byte[] { 0xD0, 0x0F, 0x05 }, output.Written.ToArray());
    }

    [Fact]
    public void Encode_EightDistinctValues_AreOneBitPackedGroupLeastSignificantBitFirst()
    {
        using var output = new ByteBuffer(64);
        RleHybridEncoder.Encode([0, 1, 2, 3, 4, 5, 6, 7], 3, output);

        // The example of Parquet's Encodings.md: header (1 group << 1 | 1), then 10001000 11000110 11111010.
        Assert.Equal(new byte[] { 0x03, 0b10001000, 0b11000110, 0b11111010 }, output.Written.ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(504)]
    [InlineData(505)]
    [InlineData(5003)]
    public void BitPackBits_RandomBitmap_DecodesToItsBitsWithTheLastGroupPaddedWithZeros(int count)
    {
        var random = new Random(count);
        var bits = new byte[(count + 7) / 8];
        random.NextBytes(bits);
        bits[^1] |= 0x80; // a set bit beyond the count, which must not be written
        using var output = new ByteBuffer(16);

        RleHybridEncoder.BitPackBits(bits, count, output);

        Assert.Equal(Enumerable.Range(0, count).Select(i => (bits[i / 8] >> (i % 8)) & 1), Decode(output.Written, 1, count));
        // Runs of at most 63 groups, so every header is one byte.
        Assert.Equal(bits.Length + ((bits.Length + 62) / 63), output.Length);
    }

    [Fact]
    public void Repeat_ManyOnesAtWidthOne_IsOneRleRun()
    {
        using var output = new ByteBuffer(16);
        RleHybridEncoder.Repeat(1, 300, 1, output);

        // varint(300 << 1) = D8 04, then the value in one byte.
        Assert.Equal(new byte[] { 0xD8, 0x04, 0x01 }, output.Written.ToArray());
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(255, 8)]
    [InlineData(256, 9)]
    public void BitWidth_OfLargestValue_IsItsBitLengthAtLeastOne(int maxValue, int width) =>
        Assert.Equal(width, RleHybridEncoder.BitWidth(maxValue));

    private static void AssertRoundTrip(int[] values, int bitWidth)
    {
        using var output = new ByteBuffer(16);
        RleHybridEncoder.Encode(values, bitWidth, output);
        Assert.Equal(values, Decode(output.Written, bitWidth, values.Length));
    }

    /// <summary>A reader written from Encodings.md; it also checks that no byte is left over.</summary>
    private static int[] Decode(ReadOnlySpan<byte> data, int bitWidth, int count)
    {
        var values = new List<int>();
        var at = 0;
        while (at < data.Length)
        {
            uint header = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = data[at++];
                header |= (uint)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    break;
                }
            }
            if ((header & 1) == 0)
            {
                var value = 0;
                for (var b = 0; b < (bitWidth + 7) / 8; b++)
                {
                    value |= data[at++] << (8 * b);
                }
                values.AddRange(Enumerable.Repeat(value, (int)(header >> 1)));
                continue;
            }
            var n = (int)(header >> 1) * 8;
            ulong pending = 0;
            var bits = 0;
            for (var i = 0; i < n; i++)
            {
                while (bits < bitWidth)
                {
                    pending |= (ulong)data[at++] << bits;
                    bits += 8;
                }
                values.Add((int)(pending & ((1UL << bitWidth) - 1)));
                pending >>= bitWidth;
                bits -= bitWidth;
            }
        }
        Assert.InRange(values.Count, count, count + 7);
        Assert.All(values.Skip(count), v => Assert.Equal(0, v));
        return [.. values.Take(count)];
    }
}
