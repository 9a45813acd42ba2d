using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Collector.Ingest.Pyroscope;

/// <summary>
/// Logs a folded or lines ingest (<see cref="WalRecordKind.Folded"/>) as its original body plus the resolved options, so that replay
/// builds exactly the same batch: the clock reading is already in the window, the profile type
/// and scale are resolved from the name and sampleRate, and the limits that truncate are kept.
/// Layout, in <see cref="WalFieldWriter"/> fields: version u8, lines u8 (0 folded, 1 lines),
/// service, labels, profile type id, scale i64, time i64, duration i64, the limits, then the body
/// to the end.
/// </summary>
internal static class FoldedWalCodec
{
    private const byte Version = 1;

    /// <summary>Everything of the payload before the body; the body follows it in the log as sent.</summary>
    public static byte[] EncodeHeader(FoldedOptions options)
    {
        var w = new WalFieldWriter(256);
        w.Byte(Version);
        w.Byte(options.Lines ? (byte)1 : (byte)0);
        w.String(options.ServiceName);
        w.Labels(options.Labels);
        w.String(options.ProfileType);
        w.Int64(options.Scale);
        w.Int64(options.TimeNanos);
        w.Int64(options.DurationNanos);
        w.Limits(options.Limits);
        return w.ToArray();
    }

    public static ProfileBatch Decode(ReadOnlySpan<byte> payload)
    {
        var r = new WalFieldReader(payload);
        if (r.Byte() != Version)
        {
            throw new InvalidDataException("A folded log record has an unknown version.");
        }
        var options = new FoldedOptions
        {
            Lines = r.Byte() == 1,
            ServiceName = r.String(),
            Labels = r.Labels(),
            ProfileType = r.String(),
            Scale = r.Int64(),
            TimeNanos = r.Int64(),
            DurationNanos = r.Int64(),
            Limits = r.Limits(),
        };
        return FoldedDecoder.Decode(r.Rest(), options);
    }
}
