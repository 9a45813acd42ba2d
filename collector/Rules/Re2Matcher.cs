using GrafanaProfiles.Store.DuckDb;

namespace GrafanaProfiles.Collector.Rules;

/// <summary>
/// Full matches of a selector's regular expression against many label values at once, with the
/// engine that runs the same selector in a query: RE2 inside DuckDB, anchored and with '.' matching
/// a newline as Prometheus does (store/Read/Query/Selectors/README.md). .NET's Regex would differ on
/// what RE2 accepts and on classes such as \d and \w; one DuckDB call per pattern and flush, for the
/// series a rule has not judged before, costs little.
/// </summary>
internal sealed class Re2Matcher : IDisposable
{
    private readonly Lazy<DuckDbDatabase> _database = new(() => DuckDbDatabase.Open(settings: new Dictionary<string, string>
    {
        ["threads"] = "1",
        ["memory_limit"] = "64MB",
        ["enable_external_access"] = "false",
    }));

    private DuckDbConnection? _connection;

    /// <summary>Whether each value fully matches <paramref name="pattern"/> (an RE2 pattern the selector parser accepted).</summary>
    public bool[] FullMatch(string pattern, IReadOnlyList<string> values)
    {
        var matches = new bool[values.Count];
        if (values.Count == 0)
        {
            return matches;
        }
        _connection ??= _database.Value.Connect();
        // unnest in the select list keeps the list's order.
        using var statement = _connection.Prepare("SELECT regexp_full_match(unnest($2::VARCHAR[]), $1, 's')");
        statement.Bind(1, pattern);
        statement.Bind(2, values);
        using var result = statement.Execute();
        var row = 0;
        foreach (var chunk in result.Chunks())
        {
            var column = chunk.Column(0).Values<byte>();
            for (var i = 0; i < chunk.RowCount; i++)
            {
                matches[row++] = column[i] != 0;
            }
        }
        return row == values.Count ? matches : throw new InvalidOperationException($"RE2 answered {row} of {values.Count} values.");
    }

    public void Dispose()
    {
        _connection?.Dispose();
        if (_database.IsValueCreated)
        {
            _database.Value.Dispose();
        }
    }
}
