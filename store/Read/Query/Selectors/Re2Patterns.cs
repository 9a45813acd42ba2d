using GrafanaProfiles.Store.DuckDb;

namespace GrafanaProfiles.Store.Query.Selectors;

/// <summary>
/// Judges regular expressions with the engine that runs them: RE2 inside DuckDB. .NET's Regex is no
/// judge: it accepts what RE2 rejects (look-arounds, back-references) and rejects what RE2 accepts
/// (<c>(?P&lt;name&gt;…)</c>, <c>\Q…\E</c>).
/// </summary>
internal static class Re2Patterns
{
    /// <summary>
    /// DuckDB's option string for selector regexes: 's' lets '.' match a newline, as Prometheus's
    /// <c>^(?s:…)$</c> does. DuckDB's default would not.
    /// </summary>
    public const string Options = "'s'";

    /// <summary>A private in-memory DuckDB, opened on first use and kept for the process: one thread, little memory.</summary>
    private static readonly Lazy<DuckDbDatabase> Judge = new(() => DuckDbDatabase.Open(settings: new Dictionary<string, string>
    {
        ["threads"] = "1",
        ["memory_limit"] = "64MB",
        ["enable_external_access"] = "false",
    }));

    /// <summary>The SQL that full-matches <paramref name="value"/> against the pattern in <paramref name="pattern"/> (a placeholder).</summary>
    public static string FullMatch(string value, string pattern) => $"regexp_full_match({value}, {pattern}, {Options})";

    /// <summary>Null when RE2 compiles <paramref name="pattern"/>; otherwise RE2's reason, e.g. <c>missing ): a(b</c>.</summary>
    public static string? Check(string pattern)
    {
        using var connection = Judge.Value.Connect();
        using var statement = connection.Prepare($"SELECT {FullMatch("''", "$1")}");
        statement.Bind(1, pattern);
        try
        {
            using var result = statement.Execute();
            return null;
        }
        catch (DuckDbException e)
        {
            const string Prefix = "Invalid Input Error: ";
            return e.Message.StartsWith(Prefix, StringComparison.Ordinal) ? e.Message[Prefix.Length..] : e.Message;
        }
    }
}
