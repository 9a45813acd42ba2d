using GrafanaProfiles.Store.Query.Selectors;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Fuzz.Targets;

/// <summary>The label selector parser (LabelSelector.Parse), regular expressions checked by DuckDB's RE2.</summary>
internal sealed class SelectorTarget : FuzzTarget
{
    public override string Name => "selector";

    public override IReadOnlyList<byte[]> Seeds() => [.. Repository.CorpusFiles(Name)];

    public override Outcome Run(byte[] input)
    {
        try
        {
            var selector = LabelSelector.Parse(FuzzCorpus.Text(input));
            // The canonical form must read back (a parsed selector prints as text that parses).
            LabelSelector.Parse(selector.ToString());
            return Outcome.Accepted;
        }
        catch (SelectorParseException)
        {
            return Outcome.Refused;
        }
    }
}
