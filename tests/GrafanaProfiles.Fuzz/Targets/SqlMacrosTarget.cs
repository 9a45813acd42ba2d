using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Backend.Sql;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Fuzz.Targets;

/// <summary>The plugin's SQL macro expansion (SqlMacros.Expand); a refusal must be a 400.</summary>
internal sealed class SqlMacrosTarget : FuzzTarget
{
    private static readonly SqlMacros Macros = new(
        new DateTime(2026, 11, 22, 10, 0, 0, DateTimeKind.Utc), new DateTime(2026, 11, 22, 11, 30, 15, DateTimeKind.Utc), TimeSpan.FromMinutes(1));

    public override string Name => "sql";

    public override IReadOnlyList<byte[]> Seeds() => [.. Repository.CorpusFiles(Name)];

    public override Outcome Run(byte[] input)
    {
        try
        {
            Macros.Expand(FuzzCorpus.Text(input));
            return Outcome.Accepted;
        }
        catch (QueryFailedException e) when (e.Status == 400)
        {
            return Outcome.Refused;
        }
    }
}
