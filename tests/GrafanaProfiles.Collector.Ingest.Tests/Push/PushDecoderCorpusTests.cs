using GrafanaProfiles.Collector.Ingest.Push;
using GrafanaProfiles.Collector.Ingest.Tests.Support;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Collector.Ingest.Tests.Push;

/// <summary>
/// The fuzzing corpus of the push decoder (tests/testdata/fuzz/push: push requests carrying the real
/// pprof files, and the inputs that found something): read as binary protobuf and as JSON, each
/// decodes or is refused with <see cref="ProfileRejectedException"/>.
/// </summary>
public sealed class PushDecoderCorpusTests
{
    public static TheoryData<string> Inputs() => [.. FuzzCorpus.Inputs("push")];

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Decode_CorpusInput_ResultOrRejection(string input)
    {
        var bytes = FuzzCorpus.Read(input);
        foreach (var contentType in new[] { PushDecoder.ProtoContentType, PushDecoder.JsonContentType })
        {
            try
            {
                var result = PushDecoder.Decode(contentType, bytes, IngestLimits.Default, StoppedClock.Default);
                Assert.True(result.Profiles.Count + result.Rejected.Count > 0);
            }
            catch (ProfileRejectedException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
            }
        }
    }
}
