using GrafanaProfiles.Collector.Ingest.Otlp;
using GrafanaProfiles.Collector.Ingest.Tests.Support;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Collector.Ingest.Tests.Otlp;

/// <summary>
/// The fuzzing corpus of the OTLP decoder (tests/testdata/fuzz/otlp) and the golden requests it
/// starts from: read as protobuf and as JSON, each decodes or is refused with
/// <see cref="ProfileRejectedException"/>.
/// </summary>
public sealed class OtlpProfilesDecoderCorpusTests
{
    public static TheoryData<string> Inputs() => [.. FuzzCorpus.Inputs("otlp", "otlp/small.binpb", "otlp/small.json")];

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Decode_CorpusInput_ResultOrRejection(string input)
    {
        var bytes = FuzzCorpus.Read(input);
        foreach (var contentType in new[] { "application/x-protobuf", "application/json" })
        {
            try
            {
                Assert.NotNull(OtlpProfilesDecoder.Decode(contentType, bytes, IngestLimits.Default, StoppedClock.Default).Batch);
            }
            catch (ProfileRejectedException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
            }
        }
    }
}
