using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf.Collections;
using GrafanaProfiles.Schema.Otlp.Profiles.V1Development;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Collector.Ingest.Otlp;

internal sealed partial class OtlpConverter
{
    /// <summary>
    /// Converts one profile: one <see cref="SeriesProfile"/> per distinct (service, labels) of its
    /// samples whose total is not zero, rows summed per (stack, span) and zero rows skipped, as
    /// the pprof decoder does.
    /// </summary>
    private List<SeriesProfile> ConvertProfile(Profile profile, LabelLayers layers)
    {
        var (typeId, multiplier) = ProfileTypeOf(profile);
        var samples = profile.Samples;
        if (samples.Count > _limits.MaxSamplesPerProfile)
        {
            throw new ProfileRejectedException(
                RejectReason.TooManySamples,
                $"The profile has {samples.Count} samples, over the limit max_samples_per_profile={_limits.MaxSamplesPerProfile}. Send shorter profiles (a shorter reporting interval) or raise the limit.");
        }
        var (timeNanos, durationNanos) = Window(profile);
        var own = ProfileLabels(profile);
        var service = own.ServiceName ?? layers.Scope.ServiceName ?? layers.Resource.ServiceName
            ?? (layers.Resource.ExecutableName is { } exe ? $"{FallbackServiceName}:{exe}" : FallbackServiceName);
        var state = new ProfileState(service, [.. layers.Resource.Pairs, .. layers.Scope.Pairs, .. own.Pairs]);
        for (var i = 0; i < samples.Count; i++)
        {
            var sample = samples[i];
            var value = SampleValue(sample, i, multiplier);
            var stackId = StackId(sample.StackIndex, new Ref("samples", i, "stack_index"));
            var group = Group(state, sample.AttributeIndices, i);
            var spanId = sample.LinkIndex != 0 ? LinkSpanId(sample.LinkIndex, i) : group.SpanId;
            state.Add(new RowKey(group.Series, stackId, spanId), value, i);
        }
        return Build(state, timeNanos, durationNanos, typeId);
    }

    /// <summary>
    /// <c>name:type:unit:period_type:period_unit</c> and the factor that turns values into the
    /// type's unit. As Pyroscope does, <c>samples/count</c> with a <c>cpu/nanoseconds</c> period
    /// (what the OpenTelemetry eBPF profiler sends) becomes <c>cpu/nanoseconds</c>: each count is
    /// multiplied by the period. The name is <see cref="ProfileType.DefaultName"/> of the period
    /// type (cpu → process_cpu); without a period type, the sample type stands in for it, as in
    /// the pprof decoder.
    /// </summary>
    private (string Id, long Multiplier) ProfileTypeOf(Profile profile)
    {
        if (profile.SampleType is not { } sampleType)
        {
            throw new ProfileRejectedException(
                RejectReason.InvalidProfileType,
                "The profile has no sample_type: set it to the type and unit of its values, for example cpu/nanoseconds.");
        }
        var type = String(sampleType.TypeStrindex, new Ref("sample_type", -1, "type_strindex"));
        var unit = String(sampleType.UnitStrindex, new Ref("sample_type", -1, "unit_strindex"));
        var periodType = profile.PeriodType is { } p ? String(p.TypeStrindex, new Ref("period_type", -1, "type_strindex")) : "";
        var periodUnit = profile.PeriodType is { } q ? String(q.UnitStrindex, new Ref("period_type", -1, "unit_strindex")) : "";
        var multiplier = 1L;
        if (type == "samples" && unit == "count" && periodType == "cpu" && periodUnit == "nanoseconds" && profile.Period > 0)
        {
            (type, unit, multiplier) = ("cpu", "nanoseconds", profile.Period);
        }
        var name = ProfileType.DefaultName(periodType, type);
        var (pt, pu) = ProfileType.CanonicalPeriod(name, periodType.Length == 0 ? type : periodType, periodType.Length == 0 ? unit : periodUnit);
        var id = new ProfileType(name, type, unit, pt, pu);
        CheckTypePart(id.SampleType, "sample type");
        CheckTypePart(id.SampleUnit, "sample unit");
        CheckTypePart(id.PeriodType, "period type");
        CheckTypePart(id.PeriodUnit, "period unit");
        CheckTypePart(id.Name, "profile name");
        return (id.Id, multiplier);
    }

    private static void CheckTypePart(string part, string what)
    {
        if (part.Length == 0 || part.Contains(':', StringComparison.Ordinal))
        {
            throw new ProfileRejectedException(
                RejectReason.InvalidProfileType,
                $"The {what} of the profile is '{Quote(part)}': profile type parts must be non-empty and free of ':' (set sample_type, and period_type if the profile has one).");
        }
    }

    /// <summary>The profile window: time_unix_nano (0 → now) and duration_nano.</summary>
    private (long TimeNanos, long DurationNanos) Window(Profile profile)
    {
        if (profile.TimeUnixNano > long.MaxValue || profile.DurationNano > long.MaxValue)
        {
            throw Invalid($"The profile's time_unix_nano ({profile.TimeUnixNano}) or duration_nano ({profile.DurationNano}) is past the year 2262: send nanoseconds since the Unix epoch.");
        }
        var time = profile.TimeUnixNano != 0 ? (long)profile.TimeUnixNano : (_clock.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;
        return (time, (long)profile.DurationNano);
    }

    /// <summary>
    /// A sample's value: the sum of its values (one per observation), or with no values the number
    /// of its timestamps (each observation counts 1, as the format says), times the type's factor.
    /// </summary>
    private static long SampleValue(Sample sample, int index, long multiplier)
    {
        long value;
        if (sample.Values.Count > 0)
        {
            value = 0;
            foreach (var v in sample.Values)
            {
                value = AddChecked(value, v, index);
            }
        }
        else if (sample.TimestampsUnixNano.Count > 0)
        {
            value = sample.TimestampsUnixNano.Count;
        }
        else
        {
            throw Invalid($"samples[{index}] has neither values nor timestamps_unix_nano: a sample needs at least one observation.");
        }
        if (multiplier != 1)
        {
            try
            {
                value = checked(value * multiplier);
            }
            catch (OverflowException)
            {
                throw Invalid($"samples[{index}]: its count {value} times the period {multiplier} overflows a 64-bit integer.");
            }
        }
        return value;
    }

    private static long AddChecked(long a, long b, int index)
    {
        var sum = unchecked(a + b);
        if (((a ^ sum) & (b ^ sum)) < 0)
        {
            throw Invalid($"The values of samples[{index}] overflow a 64-bit integer when summed.");
        }
        return sum;
    }

    /// <summary>The span a link points to: its 8-byte span_id read as a big-endian number, as the hex form reads.</summary>
    private ulong LinkSpanId(int linkIndex, int sampleIndex)
    {
        var link = At(_dictionary.LinkTable, linkIndex, "link_table", new Ref("samples", sampleIndex, "link_index"), static () => new Link());
        var span = link.SpanId.Span;
        return span.Length switch
        {
            0 => 0,
            8 => BinaryPrimitives.ReadUInt64BigEndian(span),
            _ => throw Invalid($"dictionary.link_table[{linkIndex}].span_id is {span.Length} bytes: a span id is 8 bytes."),
        };
    }

    /// <summary>The series and attribute span of a sample's attributes; equal index lists share one resolution.</summary>
    private AttributeGroup Group(ProfileState state, RepeatedField<int> indices, int sampleIndex)
    {
        if (state.LastGroup is { } last && SameIndices(last.Indices, indices))
        {
            return last;
        }
        var hash = new HashCode();
        foreach (var index in indices)
        {
            hash.Add(index);
        }
        ref var candidates = ref CollectionsMarshal.GetValueRefOrAddDefault(state.GroupsByHash, hash.ToHashCode(), out _);
        foreach (var candidate in candidates ?? [])
        {
            if (SameIndices(candidate.Indices, indices))
            {
                state.LastGroup = candidate;
                return candidate;
            }
        }
        var group = NewGroup(state, indices, sampleIndex);
        (candidates ??= []).Add(group);
        state.LastGroup = group;
        return group;
    }

    private static bool SameIndices(int[] a, RepeatedField<int> b)
    {
        if (a.Length != b.Count)
        {
            return false;
        }
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i])
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Resolves a sample's attributes into its series: the profile's labels plus the sample's (a
    /// sample attribute replaces a label of the same name from a level above), and its service.
    /// </summary>
    private AttributeGroup NewGroup(ProfileState state, RepeatedField<int> indices, int sampleIndex)
    {
        var service = state.Service;
        ulong spanId = 0;
        var pairs = new List<KeyValuePair<string, string>>(indices.Count);
        for (var i = 0; i < indices.Count; i++)
        {
            var attribute = Attribute(indices[i], new Ref("samples", sampleIndex, "attribute_indices", i));
            switch (attribute.Kind)
            {
                case AttributeKind.Label:
                    pairs.Add(new(attribute.Name, attribute.Value));
                    break;
                case AttributeKind.ServiceName:
                    service = attribute.Value;
                    break;
                case AttributeKind.SpanId:
                    spanId = attribute.SpanId;
                    break;
            }
        }
        var labels = LabelSet.From([.. state.BasePairs, .. pairs]);
        if (!state.SeriesIndex.TryGetValue((service, labels), out var series))
        {
            var where = $"resource, scope, profile and samples[{sampleIndex}] attributes";
            LabelChecks.CheckCount(labels, _limits, where);
            LabelChecks.CheckValue("service_name"u8, Encoding.UTF8.GetByteCount(service), _limits, where);
            series = state.Series.Count;
            state.Series.Add((service, labels));
            state.SeriesIndex.Add((service, labels), series);
        }
        return new AttributeGroup([.. indices], series, spanId);
    }

    /// <summary>One <see cref="SeriesProfile"/> per series with a non-zero total, rows in first-seen order, zero rows skipped.</summary>
    private List<SeriesProfile> Build(ProfileState state, long timeNanos, long durationNanos, string typeId)
    {
        var totals = new long[state.Series.Count];
        var keys = state.RowKeys;
        var sums = state.RowSums;
        for (var r = 0; r < keys.Count; r++)
        {
            ref var total = ref totals[keys[r].Series];
            var sum = unchecked(total + sums[r]);
            if (((total ^ sum) & (sums[r] ^ sum)) < 0)
            {
                throw Invalid("The total of the profile's values overflows a 64-bit integer.");
            }
            total = sum;
        }
        var profiles = new SeriesProfile?[state.Series.Count];
        var result = new List<SeriesProfile>();
        for (var s = 0; s < profiles.Length; s++)
        {
            if (totals[s] != 0)
            {
                var (service, labels) = state.Series[s];
                profiles[s] = new SeriesProfile(timeNanos, durationNanos, service, typeId, labels);
                result.Add(profiles[s]!);
            }
        }
        for (var r = 0; r < keys.Count; r++)
        {
            if (sums[r] != 0 && profiles[keys[r].Series] is { } profile)
            {
                profile.Samples.Add(new SampleRow(keys[r].StackId, sums[r], keys[r].SpanId));
            }
            else
            {
                _mayHaveOrphans = true;
            }
        }
        return result;
    }

    private readonly record struct RowKey(int Series, ulong StackId, ulong SpanId);

    private sealed record AttributeGroup(int[] Indices, int Series, ulong SpanId);

    /// <summary>What converting one profile accumulates.</summary>
    private sealed class ProfileState(string service, List<KeyValuePair<string, string>> basePairs)
    {
        /// <summary>The service the profile's levels name (a sample's <c>service.name</c> may replace it).</summary>
        public string Service { get; } = service;

        /// <summary>Resource, scope and profile labels, in that order (a later one of the same name wins).</summary>
        public List<KeyValuePair<string, string>> BasePairs { get; } = basePairs;

        public List<(string Service, LabelSet Labels)> Series { get; } = [];
        public Dictionary<(string Service, LabelSet Labels), int> SeriesIndex { get; } = [];
        public Dictionary<int, List<AttributeGroup>?> GroupsByHash { get; } = [];
        public AttributeGroup? LastGroup { get; set; }

        public List<RowKey> RowKeys { get; } = [];
        public List<long> RowSums { get; } = [];
        private readonly Dictionary<RowKey, int> _rows = [];

        public void Add(RowKey key, long value, int sampleIndex)
        {
            ref var row = ref CollectionsMarshal.GetValueRefOrAddDefault(_rows, key, out var exists);
            if (!exists)
            {
                row = RowKeys.Count;
                RowKeys.Add(key);
                RowSums.Add(0);
            }
            RowSums[row] = AddChecked(RowSums[row], value, sampleIndex);
        }
    }
}
