using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Pprof;

namespace GrafanaProfiles.Fuzz.Targets;

/// <summary>The store's pprof decoder (PprofDecoder, which runs PprofConverter) over raw and gzipped profiles.</summary>
internal sealed class PprofTarget : FuzzTarget
{
    public static readonly string[] RealProfiles =
        ["go-cpu.pb.gz", "go-heap.pb.gz", "go-goroutine.pb.gz", "go-mutex.pb.gz", "node-cpu.pb.gz", "node-heap.pb.gz"];

    private static readonly PprofDecodeOptions Options = new() { ServiceName = "fuzz", Clock = FixedTime.Clock };

    public override string Name => "pprof";

    /// <summary>The real profiles decompressed (mutations reach the protobuf), the malformed ones as they are.</summary>
    public override IReadOnlyList<byte[]> Seeds()
    {
        var seeds = RealProfiles.Select(f => Mutator.Gunzip(Repository.Read("pprof/" + f))).ToList();
        seeds.AddRange(Directory.GetFiles(Path.Combine(Repository.TestData, "pprof", "malformed")).Order(StringComparer.Ordinal).Select(File.ReadAllBytes));
        seeds.AddRange(Repository.CorpusFiles(Name));
        return seeds;
    }

    /// <summary>A third of the inputs are gzipped after mutation, so both paths of the decoder run.</summary>
    public override byte[] Mutate(Mutator mutator, IReadOnlyList<byte[]> seeds)
    {
        var input = mutator.Mutate(seeds);
        return mutator.Random.Next(3) == 0 ? Mutator.Gzip(input) : input;
    }

    public override Outcome Run(byte[] input)
    {
        try
        {
            PprofDecoder.Decode(input, Options);
            return Outcome.Accepted;
        }
        catch (ProfileRejectedException)
        {
            return Outcome.Refused;
        }
    }
}
