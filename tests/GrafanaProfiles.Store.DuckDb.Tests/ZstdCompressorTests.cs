using GrafanaProfiles.Store.DuckDb;

namespace GrafanaProfiles.Store.DuckDb.Tests;

/// <summary>zstd as bundled in libduckdb; that DuckDB decompresses what it writes is shown by the samples file tests.</summary>
public sealed class ZstdCompressorTests
{
    [Fact]
    public void Compress_RepetitiveBytes_WritesOneSmallZstdFrame()
    {
        var source = new byte[64 * 1024];
        for (var i = 0; i < source.Length; i++)
        {
            source[i] = (byte)(i % 7);
        }
        using var zstd = new ZstdCompressor(level: 1);
        var destination = new byte[ZstdCompressor.Bound(source.Length)];

        var length = zstd.Compress(source, destination);

        Assert.InRange(length, 9, 1024);
        Assert.Equal(new byte[] { 0x28, 0xB5, 0x2F, 0xFD }, destination[..4]); // the frame's magic number, little-endian
        Assert.True(ZstdCompressor.Bound(source.Length) >= source.Length);
    }

    [Fact]
    public void Compress_DestinationTooSmall_ThrowsWithZstdsOwnError()
    {
        var source = new byte[4096];
        new Random(3).NextBytes(source);
        using var zstd = new ZstdCompressor(level: 1);

        var error = Assert.Throws<InvalidOperationException>(() => zstd.Compress(source, new byte[16]));

        Assert.Contains("Destination buffer is too small", error.Message, StringComparison.Ordinal);
    }
}
