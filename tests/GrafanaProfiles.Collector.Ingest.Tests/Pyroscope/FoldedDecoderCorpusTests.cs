using GrafanaProfiles.Collector.Ingest.Pyroscope;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Collector.Ingest.Tests.Pyroscope;

/// <summary>
/// The fuzzing corpus of the folded and lines parsers (tests/testdata/fuzz/folded) and the folded
/// samples it starts from: read in both formats, each decodes or is refused with
/// <see cref="ProfileRejectedException"/>.
/// </summary>
public sealed class FoldedDecoderCorpusTests
{
    public static TheoryData<string> Inputs() => [.. FuzzCorpus.Inputs("folded", FuzzCorpus.Files("pyroscope", "*.folded"))];

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Decode_CorpusInput_BatchOrRejection(string input)
    {
        var bytes = FuzzCorpus.Read(input);
        foreach (var lines in new[] { false, true })
        {
            var options = new FoldedOptions
            {
                Lines = lines,
                ServiceName = "fuzz",
                Labels = LabelSet.From([new("env", "fuzz")]),
                ProfileType = "process_cpu:cpu:nanoseconds:cpu:nanoseconds",
                Scale = 10_000_000,
                TimeNanos = 1_795_341_600_000_000_000,
                DurationNanos = 10_000_000_000,
                Limits = IngestLimits.Default,
            };
            try
            {
                Assert.NotNull(FoldedDecoder.Decode(bytes, options));
            }
            catch (ProfileRejectedException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
            }
        }
    }
}
