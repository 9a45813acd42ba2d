using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Store.Pprof;

/// <summary>A string-table pair (<c>ValueType</c>): type and unit as string indexes.</summary>
internal readonly record struct ValueTypeRecord(long Type, long Unit);

/// <summary>Where a message or string lies in the decompressed profile.</summary>
internal readonly record struct ByteRange(int Offset, int Length);

internal readonly record struct MappingRecord(ulong Id, long Filename);

internal readonly record struct FunctionRecord(ulong Id, long Name, long SystemName, long Filename, long StartLine);

/// <summary>A location; its lines are <c>Lines[FirstLine .. FirstLine + LineCount)</c>, in pprof order (inlined callee first).</summary>
internal readonly record struct LocationRecord(ulong Id, ulong MappingId, ulong Address, int FirstLine, int LineCount);

internal readonly record struct LineRecord(ulong FunctionId, long Line);

/// <summary>
/// The first pass over a pprof <c>Profile</c> message: every table read into pooled arrays,
/// samples and strings kept as byte ranges (samples refer to tables that may come after them;
/// Go writes samples before locations, functions and strings). Everything is checked here
/// (string indexes, ids, references) so that the second pass only resolves.
/// </summary>
internal sealed class PprofTables : IDisposable
{
    // Field numbers of perftools.profiles.Profile (schema/protos/pprof/profile.proto).
    private const int ProfileSampleType = 1;
    private const int ProfileSample = 2;
    private const int ProfileMapping = 3;
    private const int ProfileLocation = 4;
    private const int ProfileFunction = 5;
    private const int ProfileStringTable = 6;
    private const int ProfileTimeNanos = 9;
    private const int ProfileDurationNanos = 10;
    private const int ProfilePeriodType = 11;
    private const int ProfilePeriod = 12;

    /// <summary>
    /// Sample types (value columns) per profile. Real profiles have 1 to 4 (Go heap); the bound
    /// keeps the rows × types matrix and the series count of a hostile profile small.
    /// </summary>

    private PooledList<ValueTypeRecord> _sampleTypes = new(4);
    private PooledList<ByteRange> _samples = new(256);
    private PooledList<MappingRecord> _mappings = new(4);
    private PooledList<LocationRecord> _locations = new(256);
    private PooledList<LineRecord> _lines = new(256);
    private PooledList<FunctionRecord> _functions = new(256);
    private PooledList<ByteRange> _strings = new(256);

    private PprofTables()
    {
    }

    public ReadOnlySpan<ValueTypeRecord> SampleTypes => _sampleTypes.Span;
    public ReadOnlySpan<ByteRange> Samples => _samples.Span;
    /// <summary>Samples in the profile; <see cref="Samples"/> stops at the limit.</summary>
    public int SampleCount { get; private set; }
    public ReadOnlySpan<MappingRecord> Mappings => _mappings.Span;
    public ReadOnlySpan<LocationRecord> Locations => _locations.Span;
    public ReadOnlySpan<LineRecord> Lines => _lines.Span;
    public ReadOnlySpan<FunctionRecord> Functions => _functions.Span;
    public ReadOnlySpan<ByteRange> Strings => _strings.Span;
    public ValueTypeRecord? PeriodType { get; private set; }
    public long Period { get; private set; }
    public long TimeNanos { get; private set; }
    public long DurationNanos { get; private set; }

    public IdIndex MappingIndex { get; private set; }
    public IdIndex LocationIndex { get; private set; }
    public IdIndex FunctionIndex { get; private set; }

    /// <summary>Reads and checks the tables of <paramref name="profile"/>.</summary>
    public static PprofTables Read(ReadOnlySpan<byte> profile, IngestLimits limits)
    {
        var tables = new PprofTables();
        try
        {
            tables.ReadProfile(profile, limits);
            tables.Check();
            return tables;
        }
        catch
        {
            tables.Dispose();
            throw;
        }
    }

    private void ReadProfile(ReadOnlySpan<byte> profile, IngestLimits limits)
    {
        var reader = new ProtoReader(profile);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (wireType == WireType.LengthDelimited)
            {
                switch (field)
                {
                    case ProfileSampleType:
                        _sampleTypes.Add(ReadValueType(reader.ReadMessage()));
                        continue;
                    case ProfileSample:
                        var sample = reader.ReadLengthDelimited(out var offset);
                        // Count every sample but keep only those within the limit.
                        if (++SampleCount <= limits.MaxSamplesPerProfile)
                        {
                            _samples.Add(new ByteRange(offset, sample.Length));
                        }
                        continue;
                    case ProfileMapping:
                        _mappings.Add(ReadMapping(reader.ReadMessage()));
                        continue;
                    case ProfileLocation:
                        _locations.Add(ReadLocation(reader.ReadMessage()));
                        continue;
                    case ProfileFunction:
                        _functions.Add(ReadFunction(reader.ReadMessage()));
                        continue;
                    case ProfileStringTable:
                        var text = reader.ReadLengthDelimited(out var textOffset);
                        _strings.Add(new ByteRange(textOffset, text.Length));
                        continue;
                    case ProfilePeriodType:
                        PeriodType = ReadValueType(reader.ReadMessage());
                        continue;
                    default:
                        break;
                }
            }
            else if (wireType == WireType.Varint)
            {
                switch (field)
                {
                    case ProfileTimeNanos:
                        TimeNanos = reader.ReadInt64();
                        continue;
                    case ProfileDurationNanos:
                        DurationNanos = reader.ReadInt64();
                        continue;
                    case ProfilePeriod:
                        Period = reader.ReadInt64();
                        continue;
                    default:
                        break;
                }
            }
            // Unknown fields, and known ones with a wire type the schema does not give them, are
            // skipped, as protobuf parsers do.
            reader.Skip(wireType, field);
        }
        if (SampleCount > limits.MaxSamplesPerProfile)
        {
            throw new ProfileRejectedException(
                RejectReason.TooManySamples,
                $"The profile has {SampleCount} samples, over the limit max_samples_per_profile={limits.MaxSamplesPerProfile}. Send shorter profiles or raise the limit.");
        }
        if (_sampleTypes.Count > limits.MaxSampleTypes)
        {
            throw Invalid($"it has {_sampleTypes.Count} sample types, over the limit max_sample_types={limits.MaxSampleTypes}");
        }
    }

    private static ValueTypeRecord ReadValueType(ProtoReader reader)
    {
        long type = 0, unit = 0;
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (wireType == WireType.Varint && field is 1 or 2)
            {
                var value = reader.ReadInt64();
                if (field == 1)
                {
                    type = value;
                }
                else
                {
                    unit = value;
                }
            }
            else
            {
                reader.Skip(wireType, field);
            }
        }
        return new ValueTypeRecord(type, unit);
    }

    private static MappingRecord ReadMapping(ProtoReader reader)
    {
        ulong id = 0;
        long filename = 0;
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (wireType == WireType.Varint && field == 1)
            {
                id = reader.ReadVarint();
            }
            else if (wireType == WireType.Varint && field == 5)
            {
                filename = reader.ReadInt64();
            }
            else
            {
                reader.Skip(wireType, field);
            }
        }
        return new MappingRecord(id, filename);
    }

    private LocationRecord ReadLocation(ProtoReader reader)
    {
        ulong id = 0, mappingId = 0, address = 0;
        var firstLine = _lines.Count;
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field, wireType)
            {
                case (1, WireType.Varint):
                    id = reader.ReadVarint();
                    break;
                case (2, WireType.Varint):
                    mappingId = reader.ReadVarint();
                    break;
                case (3, WireType.Varint):
                    address = reader.ReadVarint();
                    break;
                case (4, WireType.LengthDelimited):
                    _lines.Add(ReadLine(reader.ReadMessage()));
                    break;
                default:
                    reader.Skip(wireType, field);
                    break;
            }
        }
        return new LocationRecord(id, mappingId, address, firstLine, _lines.Count - firstLine);
    }

    private static LineRecord ReadLine(ProtoReader reader)
    {
        ulong functionId = 0;
        long line = 0;
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (wireType == WireType.Varint && field == 1)
            {
                functionId = reader.ReadVarint();
            }
            else if (wireType == WireType.Varint && field == 2)
            {
                line = reader.ReadInt64();
            }
            else
            {
                reader.Skip(wireType, field);
            }
        }
        return new LineRecord(functionId, line);
    }

    private static FunctionRecord ReadFunction(ProtoReader reader)
    {
        ulong id = 0;
        long name = 0, systemName = 0, filename = 0, startLine = 0;
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field, wireType)
            {
                case (1, WireType.Varint):
                    id = reader.ReadVarint();
                    break;
                case (2, WireType.Varint):
                    name = reader.ReadInt64();
                    break;
                case (3, WireType.Varint):
                    systemName = reader.ReadInt64();
                    break;
                case (4, WireType.Varint):
                    filename = reader.ReadInt64();
                    break;
                case (5, WireType.Varint):
                    startLine = reader.ReadInt64();
                    break;
                default:
                    reader.Skip(wireType, field);
                    break;
            }
        }
        return new FunctionRecord(id, name, systemName, filename, startLine);
    }

    /// <summary>Checks ids, references and string indexes of the tables (not of samples: the second pass does).</summary>
    private void Check()
    {
        if (_strings.Count > 0 && _strings[0].Length != 0)
        {
            throw Invalid("string_table[0] must be the empty string");
        }
        for (var i = 0; i < _sampleTypes.Count; i++)
        {
            CheckString(_sampleTypes[i].Type, "sample_type", (ulong)i, "type");
            CheckString(_sampleTypes[i].Unit, "sample_type", (ulong)i, "unit");
        }
        if (PeriodType is { } period)
        {
            CheckString(period.Type, "period_type", "type");
            CheckString(period.Unit, "period_type", "unit");
        }
        MappingIndex = IdIndex.Build(_mappings.Span, static m => m.Id, "mapping");
        FunctionIndex = IdIndex.Build(_functions.Span, static f => f.Id, "function");
        LocationIndex = IdIndex.Build(_locations.Span, static l => l.Id, "location");
        for (var i = 0; i < _mappings.Count; i++)
        {
            CheckString(_mappings[i].Filename, "mapping", _mappings[i].Id, "filename");
        }
        for (var i = 0; i < _functions.Count; i++)
        {
            ref readonly var f = ref _functions[i];
            CheckString(f.Name, "function", f.Id, "name");
            CheckString(f.SystemName, "function", f.Id, "system_name");
            CheckString(f.Filename, "function", f.Id, "filename");
        }
        for (var i = 0; i < _locations.Count; i++)
        {
            ref readonly var l = ref _locations[i];
            if (l.MappingId != 0 && !MappingIndex.TryGet(l.MappingId, out _))
            {
                throw Invalid($"location {l.Id} references mapping {l.MappingId}, which the profile does not define");
            }
            for (var j = l.FirstLine; j < l.FirstLine + l.LineCount; j++)
            {
                var functionId = _lines[j].FunctionId;
                if (functionId != 0 && !FunctionIndex.TryGet(functionId, out _))
                {
                    throw Invalid($"location {l.Id} line {j - l.FirstLine} references function {functionId}, which the profile does not define");
                }
            }
        }
    }

    /// <summary>Throws unless <paramref name="index"/>, the <paramref name="field"/> of an entity, is an index of the string table.</summary>
    public void CheckString(long index, string entity, string field)
    {
        if ((ulong)index >= (ulong)_strings.Count)
        {
            throw StringOutOfRange(index, $"{entity} {field}");
        }
    }

    /// <summary>As above for a numbered entity (the message is only built on failure).</summary>
    public void CheckString(long index, string entity, ulong number, string field)
    {
        if ((ulong)index >= (ulong)_strings.Count)
        {
            throw StringOutOfRange(index, $"{entity} {number} {field}");
        }
    }

    private ProfileRejectedException StringOutOfRange(long index, string what) =>
        Invalid($"{what} refers to string {index}, but the string table has {_strings.Count} entries");

    public static ProfileRejectedException Invalid(string what) => new(RejectReason.InvalidProfile, $"The profile is not a valid pprof profile: {what}.");

    public void Dispose()
    {
        _sampleTypes.Dispose();
        _samples.Dispose();
        _mappings.Dispose();
        _locations.Dispose();
        _lines.Dispose();
        _functions.Dispose();
        _strings.Dispose();
    }
}

/// <summary>
/// Id → table index. pprof writers number ids 1..n in table order (Go, V8 do); then the index is
/// the id minus one and no dictionary is built. Otherwise a dictionary maps them.
/// </summary>
internal readonly struct IdIndex
{
    private readonly int _count;
    private readonly Dictionary<ulong, int>? _map;

    private IdIndex(int count, Dictionary<ulong, int>? map)
    {
        _count = count;
        _map = map;
    }

    public static IdIndex Build<T>(ReadOnlySpan<T> items, Func<T, ulong> id, string what)
    {
        var dense = true;
        for (var i = 0; i < items.Length && dense; i++)
        {
            dense = id(items[i]) == (ulong)i + 1;
        }
        if (dense)
        {
            return new IdIndex(items.Length, null);
        }
        var map = new Dictionary<ulong, int>(items.Length);
        for (var i = 0; i < items.Length; i++)
        {
            var value = id(items[i]);
            if (value == 0)
            {
                throw PprofTables.Invalid($"{what} {i} has id 0, which pprof reserves for 'none'");
            }
            if (!map.TryAdd(value, i))
            {
                throw PprofTables.Invalid($"{what} id {value} is defined twice");
            }
        }
        return new IdIndex(items.Length, map);
    }

    public bool TryGet(ulong id, out int index)
    {
        if (_map is null)
        {
            index = (int)(id - 1);
            return id - 1 < (ulong)_count;
        }
        return _map.TryGetValue(id, out index);
    }
}
