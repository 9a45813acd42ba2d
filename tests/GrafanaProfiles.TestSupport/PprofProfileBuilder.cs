using Google.Protobuf;
using PprofProto = GrafanaProfiles.Schema.Pprof;

namespace GrafanaProfiles.TestSupport;

/// <summary>Builds small crafted pprof profiles with the Google.Protobuf classes.</summary>
public sealed class PprofProfileBuilder
{
    private readonly Dictionary<string, long> _strings = new(StringComparer.Ordinal);

    public PprofProfileBuilder(params (string Type, string Unit)[] sampleTypes)
    {
        Profile.StringTable.Add("");
        _strings[""] = 0;
        foreach (var (type, unit) in sampleTypes)
        {
            Profile.SampleType.Add(new PprofProto.ValueType { Type = String(type), Unit = String(unit) });
        }
    }

    public PprofProto.Profile Profile { get; } = new() { TimeNanos = 1_700_000_000_000_000_000, DurationNanos = 10_000_000_000 };

    public PprofProfileBuilder Period(string type, string unit, long period)
    {
        Profile.PeriodType = new PprofProto.ValueType { Type = String(type), Unit = String(unit) };
        Profile.Period = period;
        return this;
    }

    public long String(string value)
    {
        if (!_strings.TryGetValue(value, out var index))
        {
            index = Profile.StringTable.Count;
            Profile.StringTable.Add(value);
            _strings[value] = index;
        }
        return index;
    }

    public ulong Function(string name, string file = "main.go", long startLine = 1)
    {
        var id = (ulong)Profile.Function.Count + 1;
        Profile.Function.Add(new PprofProto.Function { Id = id, Name = String(name), SystemName = String(name), Filename = String(file), StartLine = startLine });
        return id;
    }

    /// <summary>A location whose lines call the given functions, innermost (inlined callee) first, as pprof orders them.</summary>
    public ulong Location(params ulong[] functionIdsCalleeFirst)
    {
        var id = (ulong)Profile.Location.Count + 1;
        var location = new PprofProto.Location { Id = id, Address = 0x1000 + id };
        foreach (var f in functionIdsCalleeFirst)
        {
            location.Line.Add(new PprofProto.Line { FunctionId = f, Line_ = 10 });
        }
        Profile.Location.Add(location);
        return id;
    }

    /// <summary>A location for a function of its own: the common one-line case.</summary>
    public ulong Frame(string name) => Location(Function(name));

    public PprofProto.Sample Sample(ulong[] locationIdsLeafFirst, params long[] values)
    {
        var sample = new PprofProto.Sample();
        sample.LocationId.Add(locationIdsLeafFirst);
        sample.Value.Add(values);
        Profile.Sample.Add(sample);
        return sample;
    }

    public PprofProfileBuilder Label(PprofProto.Sample sample, string key, string value)
    {
        sample.Label.Add(new PprofProto.Label { Key = String(key), Str = String(value) });
        return this;
    }

    public PprofProfileBuilder NumericLabel(PprofProto.Sample sample, string key, long value, string unit)
    {
        sample.Label.Add(new PprofProto.Label { Key = String(key), Num = value, NumUnit = String(unit) });
        return this;
    }

    public byte[] ToBytes() => Profile.ToByteArray();
}
