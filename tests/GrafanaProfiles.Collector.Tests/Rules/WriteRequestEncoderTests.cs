using Google.Protobuf;
using GrafanaProfiles.Collector.Rules.RemoteWrite;

namespace GrafanaProfiles.Collector.Tests.Rules;

public sealed class WriteRequestEncoderTests
{
    /// <summary>Reads a WriteRequest back field by field (the remote-write 1.0 message numbers), independently of the encoder.</summary>
    private static List<(List<(string, string)> Labels, List<(double, long)> Samples)> Decode(byte[] bytes)
    {
        var result = new List<(List<(string, string)>, List<(double, long)>)>();
        var input = new CodedInputStream(bytes);
        while (input.ReadTag() is var tag && tag != 0)
        {
            Assert.Equal(WireFormat.MakeTag(1, WireFormat.WireType.LengthDelimited), tag);
            var series = new CodedInputStream(input.ReadBytes().ToByteArray());
            var labels = new List<(string, string)>();
            var samples = new List<(double, long)>();
            while (series.ReadTag() is var t && t != 0)
            {
                var inner = new CodedInputStream(series.ReadBytes().ToByteArray());
                if (WireFormat.GetTagFieldNumber(t) == 1)
                {
                    string name = "", value = "";
                    while (inner.ReadTag() is var lt && lt != 0)
                    {
                        _ = WireFormat.GetTagFieldNumber(lt) == 1 ? name = inner.ReadString() : value = inner.ReadString();
                    }
                    labels.Add((name, value));
                }
                else
                {
                    double value = 0;
                    long timestamp = 0;
                    while (inner.ReadTag() is var st && st != 0)
                    {
                        if (st == WireFormat.MakeTag(1, WireFormat.WireType.Fixed64))
                        {
                            value = inner.ReadDouble();
                        }
                        else
                        {
                            Assert.Equal(WireFormat.MakeTag(2, WireFormat.WireType.Varint), st);
                            timestamp = inner.ReadInt64();
                        }
                    }
                    samples.Add((value, timestamp));
                }
            }
            result.Add((labels, samples));
        }
        return result;
    }

    [Fact]
    public void Encode_SortsLabelsByName_AndKeepsSamplesInOrder()
    {
        var bytes = WriteRequestEncoder.Encode(
        [
            new RemoteSeries([("pod", "a"), ("__name__", "cpu_ns"), ("Zone", "eu"), ("tenant", "t\u00e9")], [(1_795_341_600_000, 12.5), (1_795_341_615_000, 0)]),
            new RemoteSeries([("__name__", "other")], [(-5, double.MaxValue)]),
        ]);

        var decoded = Decode(bytes);
        Assert.Equal(2, decoded.Count);
        Assert.Equal([("Zone", "eu"), ("__name__", "cpu_ns"), ("pod", "a"), ("tenant", "t\u00e9")], decoded[0].Labels);
        Assert.Equal([(12.5, 1_795_341_600_000), (0.0, 1_795_341_615_000)], decoded[0].Samples);
        Assert.Equal([("__name__", "other")], decoded[1].Labels);
        Assert.Equal([(double.MaxValue, -5L)], decoded[1].Samples);
    }

    [Fact]
    public void Encode_Nothing_IsAnEmptyRequest() => Assert.Empty(WriteRequestEncoder.Encode([]));

    [Fact]
    public void Snappy_RoundTrips_TheEncodedRequest()
    {
        var bytes = WriteRequestEncoder.Encode([new RemoteSeries([("__name__", "m"), ("a", new string('x', 5000))], [(1, 2)])]);
        var compressed = Snappier.Snappy.CompressToArray(bytes);
        Assert.True(compressed.Length < bytes.Length / 10);
        Assert.Equal(bytes, Snappier.Snappy.DecompressToArray(compressed));
    }
}
