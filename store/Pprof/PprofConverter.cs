using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Store.Pprof;

/// <summary>
/// The second pass: resolves the samples of a read profile against its tables and builds the
/// store's <see cref="ProfileBatch"/>. Split by concern: symbols (strings, functions, location
/// frames), samples (stacks, labels, aggregation) and output (series profiles).
/// Everything it caches is per table entry, never per sample.
/// </summary>
internal sealed partial class PprofConverter : IDisposable
{
    private readonly PprofTables _tables;
    private readonly PprofDecodeOptions _options;
    private readonly IngestLimits _limits;
    private readonly ProfileBatch _batch;
    /// <summary>The batch's shared stacks, which this converter fills (<see cref="ProfileBatch.SharedStacks"/>).</summary>
    private readonly List<SharedStack> _sharedStacks;
    private readonly int _typeCount;

    /// <summary>The batch's list of shared stacks is sized for at most this many stacks up front.</summary>
    private const int MaxPresizedStacks = 256;

    public PprofConverter(PprofTables tables, PprofDecodeOptions options)
    {
        _tables = tables;
        _options = options;
        _limits = options.Limits;
        _typeCount = tables.SampleTypes.Length;
        _strings = new PooledList<string?>(tables.Strings.Length);
        _strings.Resize(tables.Strings.Length);
        _labelStrings = new PooledList<int>(tables.Strings.Length);
        _labelStrings.Resize(tables.Strings.Length);
        _functionFrames = new PooledList<ulong>(tables.Functions.Length);
        _functionFrames.Resize(tables.Functions.Length);
        _functionBuilt = new PooledList<bool>(tables.Functions.Length);
        _functionBuilt.Resize(tables.Functions.Length);
        _locationSpans = new PooledList<FrameSpan>(tables.Locations.Length);
        _locationSpans.Resize(tables.Locations.Length);
        _locationSpans.Span.Fill(new FrameSpan(-1, 0));
        _locationFrames = new PooledList<ulong>(tables.Locations.Length * 2);
        _values = new PooledList<long>(_typeCount);
        _values.Resize(_typeCount);
        _rowValues = new PooledList<long>(256 * Math.Max(_typeCount, 1));
        // The batch's functions go into a list sized once from the function table (a Go CPU
        // profile uses most of its functions); its stacks into a list sized from the sample count
        // only up to a small cap: Go writes each stack once per label set, but V8 writes one sample
        // per tick, mostly repeats (node-cpu.pb.gz: 1,539 samples, 37 stacks).
        _sharedStacks = new List<SharedStack>(Math.Min(tables.Samples.Length, MaxPresizedStacks));
        _batch = new ProfileBatch(_sharedStacks);
    }

    /// <summary>Converts the profile whose bytes are <paramref name="profile"/> (the bytes the tables were read from).</summary>
    public ProfileBatch Convert(ReadOnlySpan<byte> profile)
    {
        var (timeNanos, durationNanos) = Window();
        var typeIds = ProfileTypeIds(profile);
        LabelChecks.Check(_options.Labels, _limits, "labels of the request");
        LabelChecks.CheckValue("service_name"u8, System.Text.Encoding.UTF8.GetByteCount(_options.ServiceName), _limits, "service name of the request");
        var samples = _tables.Samples;
        for (var i = 0; i < samples.Length; i++)
        {
            var range = samples[i];
            ReadSample(profile.Slice(range.Offset, range.Length), range.Offset, i, profile);
        }
        ResolveNewStacks();
        BuildProfiles(timeNanos, durationNanos, typeIds);
        return _batch;
    }

    /// <summary>The profile window: the sender's from/until win over the profile's own time and duration.</summary>
    private (long TimeNanos, long DurationNanos) Window()
    {
        var time = _options.FromUnixNanos
            ?? (_tables.TimeNanos != 0 ? _tables.TimeNanos : (_options.Clock.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100);
        var duration = _options.UntilUnixNanos is { } until ? until - time : _tables.DurationNanos;
        if (duration < 0)
        {
            throw new ProfileRejectedException(
                RejectReason.InvalidProfile,
                $"The profile window has a negative duration ({duration} ns): the end (until) is before the start (from or time_nanos {time}).");
        }
        return (time, duration);
    }

    /// <summary>
    /// <c>name:type:unit:period_type:period_unit</c> for each sample type. Without a period type
    /// (or with an empty one) the sample type's own type and unit stand in for it.
    /// </summary>
    private string[] ProfileTypeIds(ReadOnlySpan<byte> profile)
    {
        var periodType = _tables.PeriodType is { } p ? String(profile, p.Type) : "";
        var periodUnit = _tables.PeriodType is { } q ? String(profile, q.Unit) : "";
        var ids = new string[_typeCount];
        var sampleTypes = new string[_typeCount];
        for (var i = 0; i < _typeCount; i++)
        {
            sampleTypes[i] = String(profile, _tables.SampleTypes[i].Type);
        }
        var chosen = _options.ProfileName ?? _options.ProfileNameRule?.Invoke(sampleTypes);
        for (var i = 0; i < _typeCount; i++)
        {
            var sampleType = sampleTypes[i];
            var sampleUnit = String(profile, _tables.SampleTypes[i].Unit);
            var name = chosen ?? ProfileType.DefaultName(periodType, sampleType);
            var (pt, pu) = ProfileType.CanonicalPeriod(name,
                periodType.Length == 0 ? sampleType : periodType, periodType.Length == 0 ? sampleUnit : periodUnit);
            var type = new ProfileType(name, sampleType, sampleUnit, pt, pu);
            CheckTypePart(type.Name, "profile name", i);
            CheckTypePart(type.SampleType, "sample type", i);
            CheckTypePart(type.SampleUnit, "sample unit", i);
            CheckTypePart(type.PeriodType, "period type", i);
            CheckTypePart(type.PeriodUnit, "period unit", i);
            ids[i] = type.Id;
        }
        return ids;
    }

    private static void CheckTypePart(string part, string what, int index)
    {
        if (part.Length == 0 || part.Contains(':', StringComparison.Ordinal))
        {
            throw new ProfileRejectedException(
                RejectReason.InvalidProfileType,
                $"The {what} of sample type {index} is '{part}': profile type parts must be non-empty and free of ':'.");
        }
    }

    public void Dispose()
    {
        _strings.Dispose();
        _labelStrings.Dispose();
        _functionFrames.Dispose();
        _functionBuilt.Dispose();
        _locationSpans.Dispose();
        _locationFrames.Dispose();
        _values.Dispose();
        _labelKinds.Dispose();
        _labelValuesChecked.Dispose();
        _locationIds.Dispose();
        _frames.Dispose();
        _newStacks.Dispose();
        _newStackStarts.Dispose();
        _newStackFrames.Dispose();
        _labelPairs.Dispose();
        _rowKeys.Dispose();
        _rowValues.Dispose();
        _sortIds.Dispose();
        _sortRows.Dispose();
        _scratch.Return();
    }
}
