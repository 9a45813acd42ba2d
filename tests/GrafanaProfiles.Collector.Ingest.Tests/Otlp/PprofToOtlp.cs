using Google.Protobuf;
using GrafanaProfiles.Schema.Otlp.Collector.Profiles.V1Development;
using PprofProto = GrafanaProfiles.Schema.Pprof;

namespace GrafanaProfiles.Collector.Ingest.Tests.Otlp;

/// <summary>
/// Translates a pprof profile into an OTLP export request, as a pprof-to-OTLP converter would:
/// mappings, functions and locations into the dictionary (ids become indices), one OTLP profile per
/// pprof sample type, each pprof sample a sample with a stack, string labels as attributes and a
/// <c>span_id</c> label as a link. Numeric labels are left out (the pprof decoder ignores them).
/// </summary>
internal static class PprofToOtlp
{
    public static ExportProfilesServiceRequest Translate(PprofProto.Profile pprof, string serviceName, params int[] sampleTypes)
    {
        var b = new OtlpRequestBuilder();
        string S(long index) => pprof.StringTable[(int)index];
        var mappings = pprof.Mapping.ToDictionary(m => m.Id, m => b.Mapping(S(m.Filename), m.MemoryStart, m.MemoryLimit));
        var functions = pprof.Function.ToDictionary(f => f.Id, f => b.Function(S(f.Name), S(f.SystemName), S(f.Filename), f.StartLine));
        var locations = pprof.Location.ToDictionary(l => l.Id, l => b.Location(
            l.MappingId == 0 ? 0 : mappings[l.MappingId],
            l.Address,
            [.. l.Line.Select(line => (line.FunctionId == 0 ? 0 : functions[line.FunctionId], line.Line_))]));
        var links = new Dictionary<string, int>(StringComparer.Ordinal);
        var scope = b.Scope(("service.name", serviceName));
        var types = sampleTypes.Length > 0 ? sampleTypes : [.. Enumerable.Range(0, pprof.SampleType.Count)];
        foreach (var t in types)
        {
            var profile = b.Profile(scope, S(pprof.SampleType[t].Type), S(pprof.SampleType[t].Unit),
                pprof.PeriodType is null ? "" : S(pprof.PeriodType.Type), pprof.PeriodType is null ? "" : S(pprof.PeriodType.Unit), pprof.Period);
            profile.TimeUnixNano = (ulong)pprof.TimeNanos;
            profile.DurationNano = (ulong)pprof.DurationNanos;
            profile.ProfileId = ByteString.CopyFrom([.. Enumerable.Range(0, 16).Select(i => (byte)(t * 16 + i + 1))]);
            foreach (var s in pprof.Sample)
            {
                var stack = b.Stack([.. s.LocationId.Select(id => locations[id])]);
                var attributes = s.Label
                    .Where(l => l.Str != 0 && S(l.Key) != "span_id")
                    .Select(l => b.Attribute(S(l.Key), S(l.Str)))
                    .ToArray();
                var sample = OtlpRequestBuilder.Sample(stack, s.Value[t], attributes);
                if (s.Label.FirstOrDefault(l => S(l.Key) == "span_id") is { } span)
                {
                    var hex = S(span.Str);
                    if (!links.TryGetValue(hex, out var link))
                    {
                        link = b.Link([.. Enumerable.Range(0, 16).Select(i => (byte)(0xa0 + i))], Convert.FromHexString(hex));
                        links.Add(hex, link);
                    }
                    sample.LinkIndex = link;
                }
                profile.Samples.Add(sample);
            }
        }
        return b.Request;
    }
}
