using System.Text;
using Google.Protobuf;
using GrafanaProfiles.Collector.Ingest.Otlp;
using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest.Tests.Otlp;

/// <summary>
/// tests/testdata/otlp/small.{binpb,json} are <see cref="SmallRequest"/> in both encodings, and
/// small.decoded.txt what they decode to. Rewritten only with GRAFANA_PROFILES_UPDATE_GOLDEN=1.
/// </summary>
public sealed class OtlpGoldenFileTests
{
    private static readonly TimeProvider Clock = new FixedClock(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

    [Fact]
    public void SmallRequest_EncodedNow_EqualsTheCommittedFiles() => AssertRequestFiles();

    /// <summary>Also run before decoding the files, so that one opt-in run rewrites all of them in any test order.</summary>
    private static void AssertRequestFiles()
    {
        var request = SmallRequest.Build().Request;
        OtlpTestData.AssertGolden("otlp/small.binpb", request.ToByteArray());
        OtlpTestData.AssertGolden("otlp/small.json", SmallRequest.Json(request));
    }

    [Theory]
    [InlineData("otlp/small.binpb", "application/x-protobuf")]
    [InlineData("otlp/small.json", "application/json")]
    public void CommittedRequest_Decoded_EqualsTheCommittedDump(string file, string contentType)
    {
        AssertRequestFiles();

        var result = OtlpProfilesDecoder.Decode(contentType, OtlpTestData.Read(file), IngestLimits.Default, Clock);

        Assert.Equal(2, result.AcceptedProfiles);
        Assert.Null(result.PartialSuccess);
        OtlpTestData.AssertComplete(result.Batch);
        OtlpTestData.AssertGolden("otlp/small.decoded.txt", Encoding.UTF8.GetBytes(OtlpTestData.Dump(result.Batch)));
    }
}
