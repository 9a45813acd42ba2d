using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Store.Write;

/// <summary>
/// The log's own encoding of a <see cref="ProfileBatch"/> (<see cref="WalRecordKind.Batch"/>), for
/// ingest paths that have no compact original form to keep (the pprof path logs the original bytes
/// instead). Layout, in <see cref="WalFieldWriter"/> fields: varint counts, compact strings,
/// little-endian u64 ids; functions, then stacks, then profiles.
/// </summary>
public static class ProfileBatchCodec
{
    public static byte[] Encode(ProfileBatch batch)
    {
        var w = new WalFieldWriter(1024);
        var functions = batch.IndexFunctions();
        w.Varint((ulong)functions.Count);
        foreach (var f in functions.Values)
        {
            w.CompactString(f.Name);
            w.CompactString(f.SystemName);
            w.CompactString(f.Filename);
            w.Varint((ulong)f.StartLine);
        }
        var stacks = batch.IndexStacks();
        w.Varint((ulong)stacks.Count);
        foreach (var frames in stacks.Values)
        {
            w.Varint((ulong)frames.Length);
            foreach (var f in frames)
            {
                w.UInt64(f);
            }
        }
        w.Varint((ulong)batch.Profiles.Count);
        foreach (var p in batch.Profiles)
        {
            w.Varint((ulong)p.TimeNanos);
            w.Varint((ulong)p.DurationNanos);
            w.CompactString(p.ServiceName);
            w.CompactString(p.ProfileType);
            w.CompactLabels(p.Labels);
            w.Varint((ulong)p.Samples.Count);
            foreach (var s in p.Samples)
            {
                w.UInt64(s.StackId);
                w.Varint((ulong)s.Value);
                w.UInt64(s.SpanId);
            }
        }
        return w.ToArray();
    }

    public static ProfileBatch Decode(ReadOnlySpan<byte> data)
    {
        var r = new WalFieldReader(data);
        var batch = new ProfileBatch();
        var functions = r.Count();
        for (var i = 0; i < functions; i++)
        {
            batch.AddFunction(new FunctionInfo(r.CompactString(), r.CompactString(), r.CompactString(), (long)r.Varint()));
        }
        var stacks = r.Count();
        for (var i = 0; i < stacks; i++)
        {
            var frames = new ulong[r.Count()];
            for (var j = 0; j < frames.Length; j++)
            {
                frames[j] = r.UInt64();
            }
            batch.AddStack(frames);
        }
        var profiles = r.Count();
        for (var i = 0; i < profiles; i++)
        {
            var time = (long)r.Varint();
            var duration = (long)r.Varint();
            var service = r.CompactString();
            var type = r.CompactString();
            var profile = new SeriesProfile(time, duration, service, type, r.CompactLabels());
            var samples = r.Count();
            for (var j = 0; j < samples; j++)
            {
                profile.Samples.Add(new SampleRow(r.UInt64(), (long)r.Varint(), r.UInt64()));
            }
            batch.Profiles.Add(profile);
        }
        return batch;
    }
}
