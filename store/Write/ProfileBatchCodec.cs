using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Store.Write;

/// <summary>
/// The log's own encoding of a <see cref="ProfileBatch"/>, for ingest paths that have no compact
/// original form to keep (the pprof path logs the original bytes instead). Layout: varint counts,
/// length-prefixed UTF-8 strings, little-endian ids; functions, then stacks, then profiles.
/// </summary>
public static class ProfileBatchCodec
{
    public static byte[] Encode(ProfileBatch batch)
    {
        var w = new ArrayBufferWriter<byte>(1024);
        WriteVarint(w, (ulong)batch.Functions.Count);
        foreach (var f in batch.Functions.Values)
        {
            WriteString(w, f.Name);
            WriteString(w, f.SystemName);
            WriteString(w, f.Filename);
            WriteVarint(w, (ulong)f.StartLine);
        }
        WriteVarint(w, (ulong)batch.Stacks.Count);
        foreach (var frames in batch.Stacks.Values)
        {
            WriteVarint(w, (ulong)frames.Length);
            foreach (var f in frames)
            {
                WriteU64(w, f);
            }
        }
        WriteVarint(w, (ulong)batch.Profiles.Count);
        foreach (var p in batch.Profiles)
        {
            WriteVarint(w, (ulong)p.TimeNanos);
            WriteVarint(w, (ulong)p.DurationNanos);
            WriteString(w, p.ServiceName);
            WriteString(w, p.ProfileType);
            WriteVarint(w, (ulong)p.Labels.Count);
            foreach (var (k, v) in p.Labels)
            {
                WriteString(w, k);
                WriteString(w, v);
            }
            WriteVarint(w, (ulong)p.Samples.Count);
            foreach (var s in p.Samples)
            {
                WriteU64(w, s.StackId);
                WriteVarint(w, (ulong)s.Value);
                WriteU64(w, s.SpanId);
            }
        }
        return w.WrittenSpan.ToArray();
    }

    public static ProfileBatch Decode(ReadOnlySpan<byte> data)
    {
        var r = new Reader(data);
        var batch = new ProfileBatch();
        var functions = r.Count();
        for (var i = 0; i < functions; i++)
        {
            batch.AddFunction(new FunctionInfo(r.String(), r.String(), r.String(), (long)r.Varint()));
        }
        var stacks = r.Count();
        for (var i = 0; i < stacks; i++)
        {
            var frames = new ulong[r.Count()];
            for (var j = 0; j < frames.Length; j++)
            {
                frames[j] = r.U64();
            }
            batch.AddStack(frames);
        }
        var profiles = r.Count();
        for (var i = 0; i < profiles; i++)
        {
            var time = (long)r.Varint();
            var duration = (long)r.Varint();
            var service = r.String();
            var type = r.String();
            var labelCount = r.Count();
            var labels = new List<KeyValuePair<string, string>>(labelCount);
            for (var j = 0; j < labelCount; j++)
            {
                labels.Add(new(r.String(), r.String()));
            }
            var profile = new SeriesProfile(time, duration, service, type, LabelSet.From(labels));
            var samples = r.Count();
            for (var j = 0; j < samples; j++)
            {
                profile.Samples.Add(new SampleRow(r.U64(), (long)r.Varint(), r.U64()));
            }
            batch.Profiles.Add(profile);
        }
        return batch;
    }

    private static void WriteVarint(ArrayBufferWriter<byte> w, ulong value)
    {
        var span = w.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        w.Advance(i);
    }

    private static void WriteU64(ArrayBufferWriter<byte> w, ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(w.GetSpan(8), value);
        w.Advance(8);
    }

    private static void WriteString(ArrayBufferWriter<byte> w, string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        WriteVarint(w, (ulong)count);
        Encoding.UTF8.GetBytes(value, w.GetSpan(count));
        w.Advance(count);
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _pos;

        public ulong Varint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = _data[_pos++];
                result |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return result;
                }
            }
            throw new FormatException("Malformed varint in a log record.");
        }

        public int Count()
        {
            var n = Varint();
            return n <= (ulong)(_data.Length - _pos) * 8 + 8
                ? (int)n
                : throw new FormatException($"A log record declares {n} entries, more than its {_data.Length} bytes can hold.");
        }

        public ulong U64()
        {
            var v = BinaryPrimitives.ReadUInt64LittleEndian(_data[_pos..]);
            _pos += 8;
            return v;
        }

        public string String()
        {
            var n = Count();
            var s = Encoding.UTF8.GetString(_data.Slice(_pos, n));
            _pos += n;
            return s;
        }
    }
}
