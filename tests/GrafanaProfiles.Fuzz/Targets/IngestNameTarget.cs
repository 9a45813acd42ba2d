using GrafanaProfiles.Collector.Ingest.Pyroscope;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Fuzz.Targets;

/// <summary>The <c>name</c> parameter of /ingest: application name and label set (IngestName).</summary>
internal sealed class IngestNameTarget : FuzzTarget
{
    public override string Name => "name";

    public override IReadOnlyList<byte[]> Seeds() => [.. Repository.CorpusFiles(Name)];

    public override Outcome Run(byte[] input)
    {
        try
        {
            IngestName.Parse(FuzzCorpus.Text(input));
            return Outcome.Accepted;
        }
        catch (ProfileRejectedException)
        {
            return Outcome.Refused;
        }
    }
}
