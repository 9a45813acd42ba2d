using GrafanaProfiles.Collector.Ingest.Otlp;
using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Fuzz.Targets;

/// <summary>The OTLP profiles decoder (OtlpProfilesDecoder): every input is read as protobuf and as JSON.</summary>
internal sealed class OtlpTarget : FuzzTarget
{
    public override string Name => "otlp";

    public override IReadOnlyList<byte[]> Seeds() =>
        [Repository.Read("otlp/small.binpb"), Repository.Read("otlp/small.json"), .. Repository.CorpusFiles(Name)];

    public override Outcome Run(byte[] input)
    {
        var proto = Decode("application/x-protobuf", input);
        var json = Decode("application/json", input);
        return proto == Outcome.Accepted || json == Outcome.Accepted ? Outcome.Accepted : Outcome.Refused;
    }

    private static Outcome Decode(string contentType, byte[] input)
    {
        try
        {
            OtlpProfilesDecoder.Decode(contentType, input, IngestLimits.Default, FixedTime.Clock);
            return Outcome.Accepted;
        }
        catch (ProfileRejectedException)
        {
            return Outcome.Refused;
        }
    }
}
