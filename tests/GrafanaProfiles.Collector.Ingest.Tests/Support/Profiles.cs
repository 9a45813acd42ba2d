using Google.Protobuf;
using PprofProto = GrafanaProfiles.Schema.Pprof;

namespace GrafanaProfiles.Collector.Ingest.Tests.Support;

/// <summary>Small pprof profiles written with Google.Protobuf, for agent shapes no committed file has.</summary>
internal static class Profiles
{
    /// <summary>
    /// One sample type, one location per function; each stack is function indexes leaf first.
    /// <paramref name="zeroFunctionIds"/> writes every function id as 0 while lines still name them by their
    /// location's id (an old .NET agent's defect).
    /// </summary>
    public static byte[] Build(string sampleType, string unit, (string Name, string File)[] functions, (int[] LeafFirst, long Value)[] samples,
        bool zeroFunctionIds = false, long timeNanos = 0) =>
        Build([(sampleType, unit)], functions, [.. samples.Select(s => (s.LeafFirst, new[] { s.Value }))], zeroFunctionIds, timeNanos);

    /// <summary>Several sample types: each sample has one value per type.</summary>
    public static byte[] Build((string Type, string Unit)[] sampleTypes, (string Name, string File)[] functions, (int[] LeafFirst, long[] Values)[] samples,
        bool zeroFunctionIds = false, long timeNanos = 0)
    {
        var strings = new List<string> { "" };
        long S(string s)
        {
            var i = strings.IndexOf(s);
            if (i < 0)
            {
                strings.Add(s);
                i = strings.Count - 1;
            }
            return i;
        }
        var profile = new PprofProto.Profile { TimeNanos = timeNanos, DurationNanos = 10_000_000_000 };
        foreach (var (type, unit) in sampleTypes)
        {
            profile.SampleType.Add(new PprofProto.ValueType { Type = S(type), Unit = S(unit) });
        }
        profile.PeriodType = new PprofProto.ValueType { Type = S("cpu"), Unit = S("nanoseconds") };
        profile.Period = 10_000_000;
        for (var i = 0; i < functions.Length; i++)
        {
            var id = (ulong)(i + 1);
            profile.Function.Add(new PprofProto.Function { Id = zeroFunctionIds ? 0 : id, Name = S(functions[i].Name), SystemName = S(functions[i].Name), Filename = S(functions[i].File) });
            profile.Location.Add(new PprofProto.Location { Id = id, Line = { new PprofProto.Line { FunctionId = id, Line_ = 1 } } });
        }
        foreach (var (leafFirst, values) in samples)
        {
            var sample = new PprofProto.Sample { Value = { values } };
            sample.LocationId.AddRange(leafFirst.Select(f => (ulong)(f + 1)));
            profile.Sample.Add(sample);
        }
        profile.StringTable.AddRange(strings);
        return profile.ToByteArray();
    }
}
