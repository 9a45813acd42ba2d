using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Backend.Sql;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Backend.Tests.Sql;

/// <summary>
/// The fuzzing corpus of SQL macro expansion (tests/testdata/fuzz/sql: seeds and the inputs that found
/// something): each expands or is refused with a 400 <see cref="QueryFailedException"/>, the user's error.
/// </summary>
public sealed class SqlMacrosCorpusTests
{
    private static readonly SqlMacros Macros = new(
        new DateTime(2026, 11, 22, 10, 0, 0, DateTimeKind.Utc), new DateTime(2026, 11, 22, 11, 30, 15, DateTimeKind.Utc), TimeSpan.FromMinutes(1));

    public static TheoryData<string> Inputs() => [.. FuzzCorpus.Inputs("sql")];

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Expand_CorpusInput_SqlOrBadRequest(string input)
    {
        var sql = FuzzCorpus.Text(FuzzCorpus.Read(input));
        try
        {
            Assert.NotNull(Macros.Expand(sql));
        }
        catch (QueryFailedException e)
        {
            Assert.Equal(400, e.Status);
            Assert.Equal(ErrorSource.Downstream, e.ErrorSource);
        }
    }
}
