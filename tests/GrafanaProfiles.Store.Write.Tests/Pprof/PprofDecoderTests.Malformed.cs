using System.IO.Compression;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Store.Write.Tests.Pprof;

/// <summary>Malformed input (tests/testdata/pprof/malformed) and the decompressed-size limit.</summary>
public sealed partial class PprofDecoderTests
{
    [Theory]
    [InlineData("empty.pb", "The profile is empty (0 bytes)")]
    [InlineData("truncated.pb.gz", "the gzip stream is truncated or has trailing data")]
    [InlineData("corrupt-deflate.pb.gz", "The profile is not valid gzip")]
    [InlineData("garbage.pb.gz", "The profile is not valid protobuf: at byte")]
    [InlineData("string-index-out-of-range.pb.gz", "function 2 name refers to string 99, but the string table has 6 entries")]
    [InlineData("missing-location.pb.gz", "sample 1 references location 99, which the profile does not define")]
    [InlineData("missing-function.pb.gz", "location 2 line 0 references function 42, which the profile does not define")]
    [InlineData("value-count-mismatch.pb.gz", "sample 0 has 2 values, but the profile has 1 sample types")]
    [InlineData("bad-wire-type.pb", "field 3 has wire type 7, which protobuf does not define")]
    [InlineData("length-past-end.pb", "a field declares 1000 bytes but only 2 remain in its message")]
    public void Decode_MalformedFile_RejectedAsInvalidProfileWithMessage(string file, string message)
    {
        var data = PprofTestData.Read("pprof/malformed/" + file);

        var error = Assert.Throws<ProfileRejectedException>(() => PprofDecoder.Decode(data, Options));

        Assert.Equal(RejectReason.InvalidProfile, error.Reason);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_GzipBomb_RejectedWithoutInflatingItAll()
    {
        // 100 MiB of zeros gzip to about 100 KiB.
        var zeros = new byte[1 << 20];
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            for (var i = 0; i < 100; i++)
            {
                gzip.Write(zeros);
            }
        }
        var bomb = compressed.ToArray();
        PprofDecoder.Decode(PprofTestData.Read("pprof/go-goroutine.pb.gz"), Options); // warm up code paths

        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<ProfileRejectedException>(() => PprofDecoder.Decode(bomb, Options));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(RejectReason.DecompressedTooLarge, error.Reason);
        Assert.Contains("decompresses to more than 4194304 bytes, over the limit max_decompressed_bytes=4194304", error.Message, StringComparison.Ordinal);
        // At most one pooled buffer of the limit (rounded up to a power of two), far below 100 MiB.
        Assert.True(allocated < 12L << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Decode_ProfileOverSizeLimit_RejectedGzippedAndRaw()
    {
        var gzipped = PprofTestData.Read("pprof/go-cpu.pb.gz");
        var raw = PprofTestData.Gunzip(gzipped);
        var options = Options with { Limits = new IngestLimits { MaxDecompressedBytes = raw.Length - 1 } };

        var fromGzip = Assert.Throws<ProfileRejectedException>(() => PprofDecoder.Decode(gzipped, options));
        var fromRaw = Assert.Throws<ProfileRejectedException>(() => PprofDecoder.Decode(raw, options));

        Assert.Equal(RejectReason.DecompressedTooLarge, fromGzip.Reason);
        Assert.Equal(RejectReason.DecompressedTooLarge, fromRaw.Reason);
        Assert.Contains($"max_decompressed_bytes={raw.Length - 1}", fromGzip.Message, StringComparison.Ordinal);
        Assert.Contains($"The profile is {raw.Length} bytes, over the limit max_decompressed_bytes={raw.Length - 1}", fromRaw.Message, StringComparison.Ordinal);
        // Exactly at the limit is accepted.
        Assert.NotEmpty(PprofDecoder.Decode(gzipped, Options with { Limits = new IngestLimits { MaxDecompressedBytes = raw.Length } }).Profiles);
    }

    [Fact]
    public void Decode_GzipWithTrailingGarbage_Rejected()
    {
        var gzipped = PprofTestData.Read("pprof/go-goroutine.pb.gz");

        var error = Assert.Throws<ProfileRejectedException>(() => PprofDecoder.Decode([.. gzipped, 1, 2, 3], Options));

        Assert.Equal(RejectReason.InvalidProfile, error.Reason);
        Assert.Contains("truncated or has trailing data", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_GzipWithCorruptChecksum_Rejected()
    {
        var gzipped = PprofTestData.Read("pprof/go-goroutine.pb.gz");
        gzipped[^6] ^= 0xFF; // inside the CRC-32 of the trailer

        var error = Assert.Throws<ProfileRejectedException>(() => PprofDecoder.Decode(gzipped, Options));

        Assert.Equal(RejectReason.InvalidProfile, error.Reason);
        Assert.StartsWith("The profile is not valid gzip", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_GzippedEmptyInput_Rejected()
    {
        var error = Assert.Throws<ProfileRejectedException>(() => PprofDecoder.Decode(Gzip([]), Options));

        Assert.Equal(RejectReason.InvalidProfile, error.Reason);
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }
}
