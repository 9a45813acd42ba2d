using GrafanaProfiles.Collector.Ingest.Pyroscope;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Collector.Ingest.Tests.Pyroscope;

/// <summary>
/// The fuzzing corpus of the <c>name</c> parameter (tests/testdata/fuzz/name: seeds and the inputs
/// that found something): each parses or is refused with <see cref="ProfileRejectedException"/>.
/// </summary>
public sealed class IngestNameCorpusTests
{
    public static TheoryData<string> Inputs() => [.. FuzzCorpus.Inputs("name")];

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Parse_CorpusInput_NameOrRejection(string input)
    {
        var text = FuzzCorpus.Text(FuzzCorpus.Read(input));
        try
        {
            Assert.False(string.IsNullOrWhiteSpace(IngestName.Parse(text).Name));
        }
        catch (ProfileRejectedException e)
        {
            Assert.Equal(RejectReason.InvalidRequest, e.Reason);
        }
    }
}
