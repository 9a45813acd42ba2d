using System.IO.Compression;
using Google.Protobuf;
using GrafanaProfiles.Schema.Pprof;
using ValueType = GrafanaProfiles.Schema.Pprof.ValueType;

namespace GrafanaProfiles.Benchmarks.Dataset;

/// <summary>The two kinds of profile a Go service pushes every window.</summary>
internal enum ProfileKind
{
    /// <summary><c>runtime/pprof</c> CPU profile: samples/count and cpu/nanoseconds at 100 Hz.</summary>
    Cpu,
    /// <summary>The allocation part of the heap profile (as godeltaprof sends it): alloc_objects/count and alloc_space/bytes.</summary>
    Allocations,
}

/// <summary>One sample to encode: a stack (function indexes, root first) and its two values.</summary>
internal readonly record struct EncodedSample(int[] Stack, long Value0, long Value1, long ObjectSize);

/// <summary>
/// Writes a profile window the way Go's <c>runtime/pprof</c> does: a string table starting with "",
/// one mapping for the binary, functions and locations numbered from 1 in first-use order (only the
/// ones this profile references), inlined calls as extra lines of one location (callee first),
/// samples with location ids leaf first, then gzip at the fastest level (Go uses BestSpeed).
/// </summary>
internal sealed class PprofEncoder
{
    public const long WindowNanos = 10_000_000_000;
    public const long CpuPeriodNanos = 10_000_000;
    public const long AllocationSamplingBytes = 512 * 1024;

    private readonly ServiceModel _service;
    private readonly Profile _profile = new();
    private readonly Dictionary<string, long> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<int, ulong> _functions = [];
    private readonly Dictionary<(int, int, int, int), ulong> _locations = [];

    public PprofEncoder(ServiceModel service) => _service = service;

    public (byte[] Gzip, int RawBytes) Encode(ProfileKind kind, long timeNanos, IReadOnlyList<EncodedSample> samples, string binary)
    {
        _profile.StringTable.Add("");
        _strings[""] = 0;
        if (kind == ProfileKind.Cpu)
        {
            _profile.SampleType.Add(Type("samples", "count"));
            _profile.SampleType.Add(Type("cpu", "nanoseconds"));
            _profile.PeriodType = Type("cpu", "nanoseconds");
            _profile.Period = CpuPeriodNanos;
        }
        else
        {
            _profile.SampleType.Add(Type("alloc_objects", "count"));
            _profile.SampleType.Add(Type("alloc_space", "bytes"));
            _profile.PeriodType = Type("space", "bytes");
            _profile.Period = AllocationSamplingBytes;
        }
        _profile.Mapping.Add(new Mapping
        {
            Id = 1,
            MemoryStart = 0x400000,
            MemoryLimit = 0x2400000,
            Filename = String(binary),
            BuildId = String("4f3c2a1b9e8d7c6b5a49382716f5e4d3c2b1a098"),
            HasFunctions = true,
            HasFilenames = true,
            HasLineNumbers = true,
            HasInlineFrames = true,
        });
        var bytesKey = kind == ProfileKind.Allocations ? String("bytes") : 0;
        foreach (var s in samples)
        {
            var sample = new Sample();
            AddLocations(sample, s.Stack);
            sample.Value.Add(s.Value0);
            sample.Value.Add(s.Value1);
            if (kind == ProfileKind.Allocations)
            {
                sample.Label.Add(new Label { Key = bytesKey, Num = s.ObjectSize });
            }
            _profile.Sample.Add(sample);
        }
        _profile.TimeNanos = timeNanos;
        _profile.DurationNanos = WindowNanos;
        var raw = _profile.ToByteArray();
        using var output = new MemoryStream(raw.Length / 2);
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(raw);
        }
        Reset();
        return (output.ToArray(), raw.Length);
    }

    private void Reset()
    {
        _profile.SampleType.Clear();
        _profile.Sample.Clear();
        _profile.Mapping.Clear();
        _profile.Location.Clear();
        _profile.Function.Clear();
        _profile.StringTable.Clear();
        _strings.Clear();
        _functions.Clear();
        _locations.Clear();
    }

    private ValueType Type(string type, string unit) => new() { Type = String(type), Unit = String(unit) };

    private long String(string s)
    {
        if (!_strings.TryGetValue(s, out var index))
        {
            index = _profile.StringTable.Count;
            _profile.StringTable.Add(s);
            _strings[s] = index;
        }
        return index;
    }

    /// <summary>Location ids leaf first; an inlined function shares its caller's location.</summary>
    private void AddLocations(Sample sample, int[] stack)
    {
        var i = stack.Length - 1;
        while (i >= 0)
        {
            var function = stack[i];
            var line = _service.LineOf(function, i + 1 < stack.Length ? stack[i + 1] : -1);
            if (i > 0 && _service.Inlined[function])
            {
                var caller = stack[i - 1];
                sample.LocationId.Add(Location(function, line, caller, _service.LineOf(caller, function)));
                i -= 2;
            }
            else
            {
                sample.LocationId.Add(Location(function, line, -1, 0));
                i--;
            }
        }
    }

    private ulong Location(int function, int line, int caller, int callerLine)
    {
        var key = (function, line, caller, callerLine);
        if (!_locations.TryGetValue(key, out var id))
        {
            id = (ulong)_profile.Location.Count + 1;
            var location = new Location { Id = id, MappingId = 1, Address = 0x401000 + (id * 0x3c) };
            location.Line.Add(new Line { FunctionId = Function(function), Line_ = line });
            if (caller >= 0)
            {
                location.Line.Add(new Line { FunctionId = Function(caller), Line_ = callerLine });
            }
            _profile.Location.Add(location);
            _locations[key] = id;
        }
        return id;
    }

    private ulong Function(int index)
    {
        if (!_functions.TryGetValue(index, out var id))
        {
            var def = _service.Functions[index];
            id = (ulong)_profile.Function.Count + 1;
            var name = String(def.Name);
            _profile.Function.Add(new Function { Id = id, Name = name, SystemName = name, Filename = String(def.File), StartLine = def.StartLine });
            _functions[index] = id;
        }
        return id;
    }
}
