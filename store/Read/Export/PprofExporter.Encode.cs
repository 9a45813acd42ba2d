using GrafanaProfiles.Schema.Pprof;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Query;
using PprofValueType = GrafanaProfiles.Schema.Pprof.ValueType;

namespace GrafanaProfiles.Store.Export;

public sealed partial class PprofExporter
{
    /// <summary>The one mapping every location points at.</summary>
    private const ulong MappingId = 1;

    /// <summary>
    /// Builds the pprof message: one sample per stack (sorted by stack id, so equal selections give
    /// equal bytes), one function and one location per function id, numbered 1..n in order of first
    /// use, and a deduplicated string table with "" at index 0.
    /// </summary>
    internal static Profile Encode(StackAggregate aggregate, IReadOnlyDictionary<ulong, FunctionDetails> functions, ProfileType type, ExportHeader header)
    {
        var strings = new StringTable();
        var profile = new Profile
        {
            TimeNanos = header.TimeNanos,
            DurationNanos = header.DurationNanos,
            PeriodType = new PprofValueType { Type = strings.Index(type.PeriodType), Unit = strings.Index(type.PeriodUnit) },
        };
        profile.SampleType.Add(new PprofValueType { Type = strings.Index(type.SampleType), Unit = strings.Index(type.SampleUnit) });
        profile.Comment.Add(strings.Index(header.Comment));
        // No addresses or binaries are stored: the mapping only says the symbols are already here,
        // so pprof does not try to symbolize.
        profile.Mapping.Add(new Mapping { Id = MappingId, HasFunctions = true, HasFilenames = true });

        var locations = new Dictionary<ulong, ulong>();
        foreach (var index in SortedByStackId(aggregate))
        {
            var sample = new Sample();
            sample.Value.Add(aggregate.Values[index]);
            // The store keeps frames root first; pprof lists location ids leaf first.
            var frames = aggregate.FramesOf(index);
            for (var f = frames.Length - 1; f >= 0; f--)
            {
                sample.LocationId.Add(LocationOf(frames[f], profile, locations, functions, strings));
            }
            profile.Sample.Add(sample);
        }
        profile.StringTable.AddRange(strings.Strings);
        return profile;
    }

    private static ulong LocationOf(ulong functionId, Profile profile, Dictionary<ulong, ulong> locations,
        IReadOnlyDictionary<ulong, FunctionDetails> functions, StringTable strings)
    {
        if (locations.TryGetValue(functionId, out var id))
        {
            return id;
        }
        id = (ulong)locations.Count + 1;
        locations.Add(functionId, id);
        var function = new Function { Id = id };
        if (functions.TryGetValue(functionId, out var details))
        {
            function.Name = strings.Index(details.Name);
            function.SystemName = strings.Index(details.SystemName);
            function.Filename = strings.Index(details.Filename);
            function.StartLine = details.StartLine;
        }
        else
        {
            // Named as the top table names it, so both agree on an id no functions file has.
            var name = strings.Index($"unknown function 0x{functionId:x16}");
            function.Name = name;
            function.SystemName = name;
        }
        profile.Function.Add(function);
        var location = new Location { Id = id, MappingId = MappingId };
        // Only the function's start line is stored, not the line of the call: line 0 says unknown.
        location.Line.Add(new Line { FunctionId = id });
        profile.Location.Add(location);
        return id;
    }

    private static int[] SortedByStackId(StackAggregate aggregate)
    {
        var order = new int[aggregate.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        var keys = aggregate.StackIds.ToArray();
        Array.Sort(keys, order);
        return order;
    }

    /// <summary>pprof's string table: each distinct string once, "" at index 0.</summary>
    private sealed class StringTable
    {
        private readonly Dictionary<string, long> _indexes = new(StringComparer.Ordinal) { [""] = 0 };

        public List<string> Strings { get; } = [""];

        public long Index(string value)
        {
            if (!_indexes.TryGetValue(value, out var index))
            {
                index = Strings.Count;
                _indexes.Add(value, index);
                Strings.Add(value);
            }
            return index;
        }
    }
}
