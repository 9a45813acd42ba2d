using Google.Protobuf;
using GrafanaProfiles.Collector.Ingest.Otlp;
using GrafanaProfiles.Schema.Otlp.Collector.Profiles.V1Development;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;

namespace GrafanaProfiles.Collector.Ingest.Tests.Otlp;

/// <summary>
/// The decoder against real profiles: each pprof file from a real runtime (tests/testdata/pprof)
/// translated into an OTLP request must decode to what the pprof decoder makes of the file.
/// </summary>
public sealed partial class OtlpProfilesDecoderTests
{
    private const string Protobuf = "application/x-protobuf";
    private const string Json = "application/json";

    private static readonly TimeProvider Clock = new FixedClock(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public static TheoryData<string> RealProfiles() => [.. OtlpTestData.RealProfiles];

    private static OtlpDecodeResult Decode(ExportProfilesServiceRequest request, IngestLimits? limits = null) =>
        OtlpProfilesDecoder.Decode(Protobuf, request.ToByteArray(), limits ?? IngestLimits.Default, Clock);

    /// <summary>
    /// What the pprof decoder gives for one sample type of <paramref name="file"/>, in the form an
    /// OTLP sender's profile of that type decodes to: samples/count with a cpu/nanoseconds period
    /// becomes cpu/nanoseconds (counts times the period), as Pyroscope converts it.
    /// </summary>
    private static (ProfileBatch Batch, string TypeId, long Multiplier) Reference(string file, int sampleType)
    {
        var pprof = OtlpTestData.ParsePprof(file);
        var all = PprofDecoder.Decode(OtlpTestData.Read("pprof/" + file), new PprofDecodeOptions { ServiceName = "svc", Clock = Clock });
        var type = pprof.StringTable[(int)pprof.SampleType[sampleType].Type];
        var unit = pprof.StringTable[(int)pprof.SampleType[sampleType].Unit];
        var ofType = all.Profiles.Where(p => ProfileType.Parse(p.ProfileType) is var t && t.SampleType == type && t.SampleUnit == unit).ToList();
        var typeId = ofType.Select(p => p.ProfileType).Distinct().Single();
        var multiplier = 1L;
        if (ProfileType.Parse(typeId) is { SampleType: "samples", SampleUnit: "count", PeriodType: "cpu", PeriodUnit: "nanoseconds" })
        {
            typeId = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
            multiplier = pprof.Period;
        }
        var batch = new ProfileBatch();
        foreach (var f in all.IndexFunctions().Values)
        {
            batch.AddFunction(f);
        }
        foreach (var (id, frames) in all.IndexStacks())
        {
            batch.IndexStacks().Add(id, frames);
        }
        foreach (var p in ofType)
        {
            var copy = new SeriesProfile(p.TimeNanos, p.DurationNanos, p.ServiceName, typeId, p.Labels);
            copy.Samples.AddRange(p.Samples.Select(r => r with { Value = r.Value * multiplier }));
            batch.Profiles.Add(copy);
        }
        return (batch, typeId, multiplier);
    }

    [Theory]
    [MemberData(nameof(RealProfiles))]
    public void Decode_RealPprofAsOtlp_EqualsPprofDecoderRowForRow(string file)
    {
        var pprof = OtlpTestData.ParsePprof(file);
        for (var t = 0; t < pprof.SampleType.Count; t++)
        {
            var (expected, _, _) = Reference(file, t);

            var result = Decode(PprofToOtlp.Translate(pprof, "svc", t));

            Assert.Equal(1, result.AcceptedProfiles);
            Assert.Null(result.PartialSuccess);
            Assert.Equal(OtlpTestData.Dump(expected), OtlpTestData.Dump(result.Batch));
            OtlpTestData.AssertComplete(result.Batch);
        }
    }

    [Theory]
    [MemberData(nameof(RealProfiles))]
    public void Decode_RealPprofAsOtlp_TotalsAndFlatCumEqualPprofPath(string file)
    {
        var pprof = OtlpTestData.ParsePprof(file);
        for (var t = 0; t < pprof.SampleType.Count; t++)
        {
            var (expected, typeId, multiplier) = Reference(file, t);
            var rawTotal = pprof.Sample.Sum(s => s.Value[t]);

            var batch = Decode(PprofToOtlp.Translate(pprof, "svc", t)).Batch;

            Assert.Equal(rawTotal * multiplier, batch.Profiles.Where(p => p.ProfileType == typeId).Sum(p => p.Total));
            Assert.Equal(expected.Profiles.Sum(p => p.Total), batch.Profiles.Sum(p => p.Total));
            var mine = OtlpTestData.FlatAndCum(batch, typeId);
            var theirs = OtlpTestData.FlatAndCum(expected, typeId);
            Assert.NotEmpty(theirs);
            Assert.Equal(theirs.OrderBy(e => e.Key, StringComparer.Ordinal), mine.OrderBy(e => e.Key, StringComparer.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(RealProfiles))]
    public void Decode_AllSampleTypesInOneRequest_EachIsOneProfile(string file)
    {
        var pprof = OtlpTestData.ParsePprof(file);
        var request = PprofToOtlp.Translate(pprof, "svc");

        var result = Decode(request);

        Assert.Equal(pprof.SampleType.Count, result.AcceptedProfiles);
        var expectedTypes = Enumerable.Range(0, pprof.SampleType.Count).Select(t => Reference(file, t).TypeId).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(expectedTypes, result.Batch.Profiles.Select(p => p.ProfileType).Distinct().Order(StringComparer.Ordinal));
        OtlpTestData.AssertComplete(result.Batch);
    }

    [Theory]
    [MemberData(nameof(RealProfiles))]
    public void Decode_RealRequestAsJson_EqualsProtobuf(string file)
    {
        var request = PprofToOtlp.Translate(OtlpTestData.ParsePprof(file), "svc");
        var json = System.Text.Encoding.UTF8.GetBytes(OtlpJson.Format(request));

        var fromJson = OtlpProfilesDecoder.Decode(Json, json, IngestLimits.Default, Clock);
        var fromProtobuf = Decode(request);

        Assert.Equal(OtlpEncoding.Json, fromJson.Encoding);
        Assert.Equal(OtlpEncoding.Protobuf, fromProtobuf.Encoding);
        Assert.Equal(OtlpTestData.Dump(fromProtobuf.Batch), OtlpTestData.Dump(fromJson.Batch));
        // The JSON path parses back to the very same message.
        Assert.Equal(request, OtlpJson.ParseRequest(json));
    }

    [Fact]
    public void Decode_GoCpuWithSpanLabels_LinksBecomeSpanIdsNotLabels()
    {
        var batch = Decode(PprofToOtlp.Translate(OtlpTestData.ParsePprof("go-cpu.pb.gz"), "svc")).Batch;

        // The generator labels only the hashing with span_id 9a3c5e7f01b2d4e6 (see the pprof decoder tests).
        var hash = batch.Profiles.Where(p => p.Labels.Get("worker") == "hash").ToList();
        Assert.NotEmpty(hash);
        Assert.All(hash.SelectMany(p => p.Samples), row => Assert.Equal(0x9a3c5e7f01b2d4e6UL, row.SpanId));
        Assert.All(batch.Profiles, p => Assert.Null(p.Labels.Get("span_id")));
        Assert.All(batch.Profiles, p => Assert.Null(p.Labels.Get("trace_id")));
    }
}
