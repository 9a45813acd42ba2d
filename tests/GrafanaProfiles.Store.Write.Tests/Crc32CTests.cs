using System.Text;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Store.Write.Tests;

public sealed class Crc32CTests
{
    [Fact]
    public void Compute_GivesTheCastagnoliCheckValue()
    {
        // The standard check value of CRC-32C (iSCSI, RFC 3720): "123456789" → 0xE3069283.
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        Assert.Equal(0u, Crc32C.Compute([]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(9)]
    [InlineData(17)]
    [InlineData(1000)]
    public void Append_InPieces_EqualsComputeOverTheWhole(int split)
    {
        var data = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 200).Select(i => $"record {i};")));

        var pieces = Crc32C.Finish(Crc32C.Append(Crc32C.Append(Crc32C.Start, data.AsSpan(0, split)), data.AsSpan(split)));

        Assert.Equal(Crc32C.Compute(data), pieces);
        Assert.NotEqual(Crc32C.Compute(data), Crc32C.Compute(data.AsSpan(1)));
    }
}
