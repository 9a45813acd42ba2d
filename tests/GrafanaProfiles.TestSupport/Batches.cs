using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.TestSupport;

/// <summary>Builds profile batches from folded stacks ("a;b;c" root first) for tests.</summary>
public static class Batches
{
    public const string Cpu = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
    public const string AllocSpace = "memory:alloc_space:bytes:space:bytes";

    public static readonly DateTime BaseTime = new(2026, 11, 22, 10, 0, 0, DateTimeKind.Utc);

    public static long Nanos(DateTime utc) => (utc - DateTime.UnixEpoch).Ticks * 100;

    public static ProfileBatch Folded(DateTime time, string service, IReadOnlyDictionary<string, string>? labels, string profileType,
        params (string Stack, long Value)[] samples)
    {
        var batch = new ProfileBatch();
        Add(batch, time, service, labels, profileType, samples);
        return batch;
    }

    public static void Add(ProfileBatch batch, DateTime time, string service, IReadOnlyDictionary<string, string>? labels, string profileType,
        params (string Stack, long Value)[] samples)
    {
        var profile = new SeriesProfile(Nanos(time), 10_000_000_000, service, profileType,
            labels is null ? LabelSet.Empty : LabelSet.From(labels));
        foreach (var (stack, value) in samples)
        {
            var frames = stack.Split(';').Select(name => batch.AddFunction(new FunctionInfo(name, name, name + ".go", 1))).ToArray();
            profile.Samples.Add(new SampleRow(batch.AddStack(frames), value, 0));
        }
        batch.Profiles.Add(profile);
    }

    public static Dictionary<string, string> L(params string[] pairs)
    {
        var d = new Dictionary<string, string>();
        for (var i = 0; i < pairs.Length; i += 2)
        {
            d[pairs[i]] = pairs[i + 1];
        }
        return d;
    }
}
