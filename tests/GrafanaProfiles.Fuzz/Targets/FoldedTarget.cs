using GrafanaProfiles.Collector.Ingest.Pyroscope;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Fuzz.Targets;

/// <summary>Pyroscope's folded and lines bodies (FoldedDecoder): every input is read in both formats.</summary>
internal sealed class FoldedTarget : FuzzTarget
{
    public override string Name => "folded";

    public override IReadOnlyList<byte[]> Seeds()
    {
        var seeds = Directory.GetFiles(Path.Combine(Repository.TestData, "pyroscope"), "*.folded").Order(StringComparer.Ordinal)
            .Select(File.ReadAllBytes).ToList();
        seeds.AddRange(Repository.CorpusFiles(Name));
        return seeds;
    }

    public override Outcome Run(byte[] input)
    {
        var folded = Decode(input, lines: false);
        var lines = Decode(input, lines: true);
        return folded == Outcome.Accepted || lines == Outcome.Accepted ? Outcome.Accepted : Outcome.Refused;
    }

    internal static FoldedOptions Options(bool lines) => new()
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

    private static Outcome Decode(byte[] input, bool lines)
    {
        try
        {
            FoldedDecoder.Decode(input, Options(lines));
            return Outcome.Accepted;
        }
        catch (ProfileRejectedException)
        {
            return Outcome.Refused;
        }
    }
}
