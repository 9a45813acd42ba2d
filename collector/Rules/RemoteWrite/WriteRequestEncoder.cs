using Google.Protobuf;

namespace GrafanaProfiles.Collector.Rules.RemoteWrite;

/// <summary>One series of a remote-write request: its labels (<c>__name__</c> included) and samples in time order.</summary>
public sealed record RemoteSeries(IReadOnlyList<(string Name, string Value)> Labels, IReadOnlyList<(long TimestampMs, double Value)> Samples);

/// <summary>
/// Encodes Prometheus remote write 1.0's <c>prometheus.WriteRequest</c> (README.md in this folder):
/// <c>WriteRequest{1: repeated TimeSeries}</c>, <c>TimeSeries{1: repeated Label, 2: repeated Sample}</c>,
/// <c>Label{1: name, 2: value}</c>, <c>Sample{1: double value, 2: int64 timestamp}</c> (milliseconds).
/// Labels are written sorted by name, as the protocol requires. Four small messages do not call for
/// a generated class.
/// </summary>
public static class WriteRequestEncoder
{
    public static byte[] Encode(IReadOnlyList<RemoteSeries> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var sorted = series.Select(s => (Labels: s.Labels.OrderBy(l => l.Name, StringComparer.Ordinal).ToList(), s.Samples)).ToList();
        var size = 0;
        foreach (var (labels, samples) in sorted)
        {
            var length = SeriesLength(labels, samples);
            size += 1 + CodedOutputStream.ComputeLengthSize(length) + length;
        }
        var bytes = new byte[size];
        var output = new CodedOutputStream(bytes);
        foreach (var (labels, samples) in sorted)
        {
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteLength(SeriesLength(labels, samples));
            foreach (var (name, value) in labels)
            {
                output.WriteTag(1, WireFormat.WireType.LengthDelimited);
                output.WriteLength(LabelLength(name, value));
                output.WriteTag(1, WireFormat.WireType.LengthDelimited);
                output.WriteString(name);
                output.WriteTag(2, WireFormat.WireType.LengthDelimited);
                output.WriteString(value);
            }
            foreach (var (timestamp, value) in samples)
            {
                output.WriteTag(2, WireFormat.WireType.LengthDelimited);
                output.WriteLength(SampleLength(timestamp));
                output.WriteTag(1, WireFormat.WireType.Fixed64);
                output.WriteDouble(value);
                output.WriteTag(2, WireFormat.WireType.Varint);
                output.WriteInt64(timestamp);
            }
        }
        output.Flush();
        output.CheckNoSpaceLeft();
        return bytes;
    }

    private static int LabelLength(string name, string value) =>
        1 + CodedOutputStream.ComputeStringSize(name) + 1 + CodedOutputStream.ComputeStringSize(value);

    private static int SampleLength(long timestamp) => 1 + 8 + 1 + CodedOutputStream.ComputeInt64Size(timestamp);

    private static int SeriesLength(List<(string Name, string Value)> labels, IReadOnlyList<(long TimestampMs, double Value)> samples)
    {
        var length = 0;
        foreach (var (name, value) in labels)
        {
            var l = LabelLength(name, value);
            length += 1 + CodedOutputStream.ComputeLengthSize(l) + l;
        }
        foreach (var (timestamp, _) in samples)
        {
            var l = SampleLength(timestamp);
            length += 1 + CodedOutputStream.ComputeLengthSize(l) + l;
        }
        return length;
    }
}
