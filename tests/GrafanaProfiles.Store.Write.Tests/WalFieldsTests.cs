using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Store.Write.Tests;

public sealed class WalFieldsTests
{
    [Fact]
    public void EveryField_IsWrittenInItsLayout_AndReadBack()
    {
        var labels = LabelSet.From([new("pod", "é")]);
        var limits = IngestLimits.Default with { MaxStackDepth = 7 };
        var w = new WalFieldWriter(4);
        w.Byte(9);
        w.Bool(true);
        w.Int32(-2);
        w.Int64(long.MinValue);
        w.UInt64(0x0102030405060708);
        w.Varint(300);
        w.String("é");
        w.CompactString("é");
        w.Labels(labels);
        w.CompactLabels(labels);
        w.Limits(limits);
        w.Rest([0xAA, 0xBB]);
        var bytes = w.ToArray();

        byte[] expectedStart =
        [
            9, 1, 0xFE, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0x80, 8, 7, 6, 5, 4, 3, 2, 1, 0xAC, 0x02,
            2, 0, 0, 0, 0xC3, 0xA9, // u32 length + UTF-8
            2, 0xC3, 0xA9, // varint length + UTF-8
            1, 0, 0, 0, 3, 0, 0, 0, (byte)'p', (byte)'o', (byte)'d', 2, 0, 0, 0, 0xC3, 0xA9,
            1, 3, (byte)'p', (byte)'o', (byte)'d', 2, 0xC3, 0xA9,
        ];
        Assert.Equal(expectedStart, bytes[..expectedStart.Length]);
        Assert.Equal(expectedStart.Length + (7 * 8) + 2, bytes.Length);
        Assert.Equal(bytes, w.Written.ToArray());

        var r = new WalFieldReader(bytes);
        Assert.Equal(9, r.Byte());
        Assert.True(r.Bool());
        Assert.Equal(-2, r.Int32());
        Assert.Equal(long.MinValue, r.Int64());
        Assert.Equal(0x0102030405060708UL, r.UInt64());
        Assert.Equal(300UL, r.Varint());
        Assert.Equal("é", r.String());
        Assert.Equal("é", r.CompactString());
        Assert.Equal(labels, r.Labels());
        Assert.Equal(labels, r.CompactLabels());
        Assert.Equal(limits, r.Limits());
        Assert.Equal(new byte[] { 0xAA, 0xBB }, r.Rest().ToArray());
    }

    [Fact]
    public void AVarintOfMoreThanTenBytes_IsDamageReplaySkips()
    {
        byte[] bytes = [.. Enumerable.Repeat((byte)0xFF, 11)];
        var e = Assert.Throws<FormatException>(() => new WalFieldReader(bytes).Varint());
        Assert.Contains("Malformed varint", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACountThatTheBytesCannotHold_IsDamageReplaySkips_NamingBoth()
    {
        var w = new WalFieldWriter(8);
        w.Varint(1000);
        var bytes = w.ToArray();
        var e = Assert.Throws<FormatException>(() => new WalFieldReader(bytes).Count());
        Assert.Contains("declares 1000 entries", e.Message, StringComparison.Ordinal);
        Assert.Contains("its 2 bytes", e.Message, StringComparison.Ordinal);
    }
}
