using System.Buffers.Binary;
using System.Text;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Store.Pprof;

/// <summary>
/// Logs a pprof ingest as its original bytes plus the decode options in force, resolved so that
/// replay decodes exactly the same batch: the clock reading used for profiles without a time, and
/// the limits (depth and symbol truncation change the content). Layout, little-endian: version u8,
/// service, label count + pairs, profile name (flag + string), from and until (flag + i64), now
/// i64, the seven limits (i64 each), then the pprof bytes to the end. Strings: u32 length + UTF-8.
/// </summary>
public static class PprofWalCodec
{
    public const byte Kind = 1;
    private const byte Version = 1;

    /// <summary>The decoders the writer needs to replay pprof records.</summary>
    public static IReadOnlyDictionary<byte, WalRecordDecoder> Decoders { get; } =
        new Dictionary<byte, WalRecordDecoder> { [Kind] = payload => Decode(payload.Span) };

    /// <summary>Decodes the profile, then appends it (durably) to the writer. Rejected input throws before anything is logged.</summary>
    public static async Task<ProfileBatch> AppendAsync(ProfileWriter writer, string tenant, ReadOnlyMemory<byte> pprof,
        PprofDecodeOptions options, CancellationToken cancellationToken = default)
    {
        var resolved = options with { Clock = new FixedClock(options.Clock.GetUtcNow()) };
        var batch = PprofDecoder.Decode(pprof.Span, resolved);
        // The header and the original bytes go to the log side by side, copied once by the writer.
        await writer.AppendAllAsync(tenant, [new WalAppend(batch, Kind, pprof) { Header = EncodeHeader(resolved) }], cancellationToken).ConfigureAwait(false);
        return batch;
    }

    /// <summary>The whole payload: <see cref="EncodeHeader"/> followed by the pprof bytes.</summary>
    public static byte[] Encode(PprofDecodeOptions options, ReadOnlySpan<byte> pprof)
    {
        var header = EncodeHeader(options);
        var payload = new byte[header.Length + pprof.Length];
        header.CopyTo(payload, 0);
        pprof.CopyTo(payload.AsSpan(header.Length));
        return payload;
    }

    /// <summary>Everything of the payload before the pprof bytes.</summary>
    public static byte[] EncodeHeader(PprofDecodeOptions options)
    {
        using var stream = new MemoryStream(256);
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Version);
            WriteString(w, options.ServiceName);
            w.Write(options.Labels.Count);
            foreach (var (k, v) in options.Labels)
            {
                WriteString(w, k);
                WriteString(w, v);
            }
            w.Write(options.ProfileName is not null);
            WriteString(w, options.ProfileName ?? "");
            w.Write(options.FromUnixNanos.HasValue);
            w.Write(options.FromUnixNanos ?? 0);
            w.Write(options.UntilUnixNanos.HasValue);
            w.Write(options.UntilUnixNanos ?? 0);
            w.Write(options.Clock.GetUtcNow().UtcTicks);
            var l = options.Limits;
            w.Write(l.MaxDecompressedBytes);
            w.Write((long)l.MaxSamplesPerProfile);
            w.Write((long)l.MaxStackDepth);
            w.Write((long)l.MaxLabelsPerSeries);
            w.Write((long)l.MaxLabelNameLength);
            w.Write((long)l.MaxLabelValueLength);
            w.Write((long)l.MaxSymbolLength);
        }
        return stream.ToArray();
    }

    public static ProfileBatch Decode(ReadOnlySpan<byte> payload)
    {
        var r = new Reader(payload);
        if (r.Byte() != Version)
        {
            throw new InvalidDataException("A pprof log record has an unknown version.");
        }
        var service = r.String();
        var labelCount = r.LabelCount();
        var labels = new List<KeyValuePair<string, string>>(labelCount);
        for (var i = 0; i < labelCount; i++)
        {
            labels.Add(new(r.String(), r.String()));
        }
        var hasName = r.Bool();
        var name = r.String();
        var hasFrom = r.Bool();
        var from = r.Int64();
        var hasUntil = r.Bool();
        var until = r.Int64();
        var now = new DateTimeOffset(r.Int64(), TimeSpan.Zero);
        var limits = new IngestLimits
        {
            MaxDecompressedBytes = r.Int64(),
            MaxSamplesPerProfile = (int)r.Int64(),
            MaxStackDepth = (int)r.Int64(),
            MaxLabelsPerSeries = (int)r.Int64(),
            MaxLabelNameLength = (int)r.Int64(),
            MaxLabelValueLength = (int)r.Int64(),
            MaxSymbolLength = (int)r.Int64(),
        };
        var options = new PprofDecodeOptions
        {
            ServiceName = service,
            Labels = LabelSet.From(labels),
            ProfileName = hasName ? name : null,
            FromUnixNanos = hasFrom ? from : null,
            UntilUnixNanos = hasUntil ? until : null,
            Clock = new FixedClock(now),
            Limits = limits,
        };
        return PprofDecoder.Decode(r.Rest(), options);
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write(bytes.Length);
        w.Write(bytes);
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _pos;

        public byte Byte() => _data[_pos++];
        public bool Bool() => Byte() != 0;

        public int Int32()
        {
            var v = BinaryPrimitives.ReadInt32LittleEndian(_data[_pos..]);
            _pos += 4;
            return v;
        }

        public long Int64()
        {
            var v = BinaryPrimitives.ReadInt64LittleEndian(_data[_pos..]);
            _pos += 8;
            return v;
        }

        /// <summary>A label count, checked against the bytes left (each label takes two 4-byte lengths at least).</summary>
        public int LabelCount()
        {
            var n = Int32();
            var left = _data.Length - _pos;
            return n >= 0 && n <= left / 8
                ? n
                : throw new FormatException($"A pprof log record declares {n} labels, more than its remaining {left} bytes can hold.");
        }

        public string String()
        {
            var n = Int32();
            var s = Encoding.UTF8.GetString(_data.Slice(_pos, n));
            _pos += n;
            return s;
        }

        public readonly ReadOnlySpan<byte> Rest() => _data[_pos..];
    }
}

/// <summary>A clock stopped at one instant: replay sees the "now" the original ingest saw.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
