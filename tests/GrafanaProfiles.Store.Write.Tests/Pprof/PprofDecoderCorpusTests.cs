using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Store.Write.Tests.Pprof;

/// <summary>
/// The fuzzing corpus of the pprof decoder (tests/testdata/fuzz/pprof, written by
/// tests/GrafanaProfiles.Fuzz) and its seeds: every input decodes or is refused with
/// <see cref="ProfileRejectedException"/>, nothing else.
/// </summary>
public sealed class PprofDecoderCorpusTests
{
    public static TheoryData<string> Inputs() =>
        [.. FuzzCorpus.Inputs("pprof", [.. FuzzCorpus.Files("pprof", "*.pb.gz"), .. FuzzCorpus.Files("pprof/malformed", "*")])];

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Decode_CorpusInput_ResultOrRejection(string input)
    {
        var bytes = FuzzCorpus.Read(input);
        var options = new PprofDecodeOptions { ServiceName = "fuzz" };
        try
        {
            Assert.NotNull(PprofDecoder.Decode(bytes, options));
        }
        catch (ProfileRejectedException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
        }
    }
}
