using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Store.Pprof;

/// <summary>
/// Logs a pprof ingest (<see cref="WalRecordKind.Pprof"/>) as its original bytes plus the decode
/// options in force, resolved so that replay decodes exactly the same batch: the clock reading
/// used for profiles without a time, and the limits (depth and symbol truncation change the
/// content). Layout, in <see cref="WalFieldWriter"/> fields: version u8, service, labels, profile
/// name (bool + string), from and until (bool + i64), now (ticks, i64), the limits, then the pprof
/// bytes to the end.
/// </summary>
public static class PprofWalCodec
{
    private const byte Version = 1;

    /// <summary>The decoders of the store's record kinds: its own batches and pprof.</summary>
    public static WalRecordDecoders Decoders { get; } =
        WalRecordDecoders.Default.With(WalRecordKind.Pprof, payload => Decode(payload.Span));

    /// <summary>Decodes the profile, then appends it (durably) to the writer. Rejected input throws before anything is logged.</summary>
    public static async Task<ProfileBatch> AppendAsync(ProfileWriter writer, string tenant, ReadOnlyMemory<byte> pprof,
        PprofDecodeOptions options, CancellationToken cancellationToken = default)
    {
        var resolved = options with { Clock = new FixedClock(options.Clock.GetUtcNow()) };
        var batch = PprofDecoder.Decode(pprof.Span, resolved);
        // The header and the original bytes go to the log side by side, copied once by the writer.
        await writer.AppendAllAsync(tenant, [new WalAppend(batch, WalRecordKind.Pprof, pprof) { Header = EncodeHeader(resolved) }], cancellationToken).ConfigureAwait(false);
        return batch;
    }

    /// <summary>The whole payload: <see cref="EncodeHeader"/> followed by the pprof bytes.</summary>
    public static byte[] Encode(PprofDecodeOptions options, ReadOnlySpan<byte> pprof)
    {
        var w = new WalFieldWriter(256 + pprof.Length);
        WriteHeader(w, options);
        w.Rest(pprof);
        return w.ToArray();
    }

    /// <summary>Everything of the payload before the pprof bytes.</summary>
    public static byte[] EncodeHeader(PprofDecodeOptions options)
    {
        var w = new WalFieldWriter(256);
        WriteHeader(w, options);
        return w.ToArray();
    }

    /// <summary>Writes the fields of <see cref="EncodeHeader"/> to <paramref name="w"/>, for a record kind that embeds this one.</summary>
    public static void WriteHeader(WalFieldWriter w, PprofDecodeOptions options)
    {
        w.Byte(Version);
        w.String(options.ServiceName);
        w.Labels(options.Labels);
        w.Bool(options.ProfileName is not null);
        w.String(options.ProfileName ?? "");
        w.Bool(options.FromUnixNanos.HasValue);
        w.Int64(options.FromUnixNanos ?? 0);
        w.Bool(options.UntilUnixNanos.HasValue);
        w.Int64(options.UntilUnixNanos ?? 0);
        w.Int64(options.Clock.GetUtcNow().UtcTicks);
        w.Limits(options.Limits);
    }

    public static ProfileBatch Decode(ReadOnlySpan<byte> payload)
    {
        var r = new WalFieldReader(payload);
        if (r.Byte() != Version)
        {
            throw new InvalidDataException("A pprof log record has an unknown version.");
        }
        var service = r.String();
        var labels = r.Labels();
        var hasName = r.Bool();
        var name = r.String();
        var hasFrom = r.Bool();
        var from = r.Int64();
        var hasUntil = r.Bool();
        var until = r.Int64();
        var now = new DateTimeOffset(r.Int64(), TimeSpan.Zero);
        var options = new PprofDecodeOptions
        {
            ServiceName = service,
            Labels = labels,
            ProfileName = hasName ? name : null,
            FromUnixNanos = hasFrom ? from : null,
            UntilUnixNanos = hasUntil ? until : null,
            Clock = new FixedClock(now),
            Limits = r.Limits(),
        };
        return PprofDecoder.Decode(r.Rest(), options);
    }
}

/// <summary>A clock stopped at one instant: replay sees the "now" the original ingest saw.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
