using Google.Protobuf;
using GrafanaProfiles.Schema.Otlp.Collector.Profiles.V1Development;
using GrafanaProfiles.Schema.Otlp.Common.V1;
using GrafanaProfiles.Schema.Otlp.Profiles.V1Development;
using GrafanaProfiles.Schema.Otlp.Resource.V1;
using OtlpValueType = GrafanaProfiles.Schema.Otlp.Profiles.V1Development.ValueType;

namespace GrafanaProfiles.Collector.Ingest.Tests.Otlp;

/// <summary>
/// Builds export requests with the generated classes as an OTLP sender does: one dictionary for
/// the whole request, every table starting with its zero value, entries interned by value.
/// </summary>
internal sealed class OtlpRequestBuilder
{
    private readonly Dictionary<string, int> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string, string, long), int> _functions = [];
    private readonly Dictionary<string, int> _stacks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _attributes = new(StringComparer.Ordinal);

    public OtlpRequestBuilder()
    {
        Dictionary.StringTable.Add("");
        _strings.Add("", 0);
        Dictionary.MappingTable.Add(new Mapping());
        Dictionary.LocationTable.Add(new Location());
        Dictionary.FunctionTable.Add(new Function());
        // The spec prefers full-length zero ids for link_table[0].
        Dictionary.LinkTable.Add(new Link { TraceId = ByteString.CopyFrom(new byte[16]), SpanId = ByteString.CopyFrom(new byte[8]) });
        Dictionary.AttributeTable.Add(new KeyValueAndUnit());
        Dictionary.StackTable.Add(new Stack());
    }

    public ExportProfilesServiceRequest Request { get; } = new() { Dictionary = new ProfilesDictionary() };

    public ProfilesDictionary Dictionary => Request.Dictionary;

    public int String(string value)
    {
        if (!_strings.TryGetValue(value, out var index))
        {
            index = Dictionary.StringTable.Count;
            Dictionary.StringTable.Add(value);
            _strings.Add(value, index);
        }
        return index;
    }

    public int Function(string name, string systemName = "", string filename = "", long startLine = 0)
    {
        var key = (name, systemName, filename, startLine);
        if (!_functions.TryGetValue(key, out var index))
        {
            index = Dictionary.FunctionTable.Count;
            Dictionary.FunctionTable.Add(new Function
            {
                NameStrindex = String(name),
                SystemNameStrindex = String(systemName),
                FilenameStrindex = String(filename),
                StartLine = startLine,
            });
            _functions.Add(key, index);
        }
        return index;
    }

    public int Mapping(string filename, ulong start = 0, ulong limit = 0)
    {
        Dictionary.MappingTable.Add(new Mapping { FilenameStrindex = String(filename), MemoryStart = start, MemoryLimit = limit });
        return Dictionary.MappingTable.Count - 1;
    }

    /// <summary>A location; <paramref name="lines"/> inlined callee first, caller last.</summary>
    public int Location(int mapping, ulong address, params (int Function, long Line)[] lines)
    {
        var location = new Location { MappingIndex = mapping, Address = address };
        foreach (var (function, line) in lines)
        {
            location.Lines.Add(new Line { FunctionIndex = function, Line_ = line });
        }
        Dictionary.LocationTable.Add(location);
        return Dictionary.LocationTable.Count - 1;
    }

    /// <summary>A stack of locations, leaf first.</summary>
    public int Stack(params int[] locationsLeafFirst)
    {
        var key = string.Join(',', locationsLeafFirst);
        if (!_stacks.TryGetValue(key, out var index))
        {
            index = Dictionary.StackTable.Count;
            var stack = new Stack();
            stack.LocationIndices.Add(locationsLeafFirst);
            Dictionary.StackTable.Add(stack);
            _stacks.Add(key, index);
        }
        return index;
    }

    public int Attribute(string key, string value) => Attribute(key, new AnyValue { StringValue = value });

    public int Attribute(string key, AnyValue value)
    {
        var id = key + "\u0000" + value;
        if (!_attributes.TryGetValue(id, out var index))
        {
            index = Dictionary.AttributeTable.Count;
            Dictionary.AttributeTable.Add(new KeyValueAndUnit { KeyStrindex = String(key), Value = value });
            _attributes.Add(id, index);
        }
        return index;
    }

    public int Link(byte[] traceId, byte[] spanId)
    {
        Dictionary.LinkTable.Add(new Link { TraceId = ByteString.CopyFrom(traceId), SpanId = ByteString.CopyFrom(spanId) });
        return Dictionary.LinkTable.Count - 1;
    }

    /// <summary>A new resource with string attributes, and one scope in it.</summary>
    public ScopeProfiles Scope(params (string Key, string Value)[] resourceAttributes)
    {
        var resource = new ResourceProfiles { Resource = new Resource() };
        foreach (var (key, value) in resourceAttributes)
        {
            resource.Resource.Attributes.Add(new KeyValue { Key = key, Value = new AnyValue { StringValue = value } });
        }
        var scope = new ScopeProfiles { Scope = new InstrumentationScope { Name = "tests" } };
        resource.ScopeProfiles.Add(scope);
        Request.ResourceProfiles.Add(resource);
        return scope;
    }

    /// <summary>A new profile in <paramref name="scope"/> with its sample and period types.</summary>
    public Profile Profile(ScopeProfiles scope, string type, string unit, string periodType = "", string periodUnit = "", long period = 0)
    {
        var profile = new Profile
        {
            SampleType = new OtlpValueType { TypeStrindex = String(type), UnitStrindex = String(unit) },
            Period = period,
        };
        if (periodType.Length > 0)
        {
            profile.PeriodType = new OtlpValueType { TypeStrindex = String(periodType), UnitStrindex = String(periodUnit) };
        }
        scope.Profiles.Add(profile);
        return profile;
    }

    public static Sample Sample(int stack, long value, params int[] attributes)
    {
        var sample = new Sample { StackIndex = stack };
        sample.Values.Add(value);
        sample.AttributeIndices.Add(attributes);
        return sample;
    }
}
