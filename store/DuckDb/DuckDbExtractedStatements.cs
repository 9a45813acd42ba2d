using DuckDB.NET.Native;

namespace GrafanaProfiles.Store.DuckDb;

/// <summary>
/// A SQL text split into statements by DuckDB's own parser (<c>duckdb_extract_statements</c>), not
/// yet prepared: callers count the statements before binding any of them, so a refusal can say how
/// many there were, and prepare only the one they accept.
/// </summary>
public sealed class DuckDbExtractedStatements : IDisposable
{
    private readonly DuckDBNativeConnection _connection;
    private readonly DuckDB.NET.Native.DuckDBExtractedStatements _extracted;

    internal DuckDbExtractedStatements(DuckDBNativeConnection connection, string sql)
    {
        _connection = connection;
        Count = NativeMethods.ExtractStatements.DuckDBExtractStatements(connection, sql, out _extracted);
        if (Count == 0)
        {
            // A parse error, or a text with no statement at all (empty, only comments): no error then.
            var error = NativeMethods.ExtractStatements.DuckDBExtractStatementsError(_extracted);
            Error = string.IsNullOrEmpty(error) ? null : error;
        }
    }

    /// <summary>Statements in the text; 0 when it does not parse (see <see cref="Error"/>) or holds none.</summary>
    public int Count { get; }

    /// <summary>DuckDB's parser error when <see cref="Count"/> is 0, or null for a text without statements.</summary>
    public string? Error { get; }

    /// <summary>Prepares (parses, binds and plans, never runs) statement <paramref name="index"/>.</summary>
    public DuckDbPreparedStatement Prepare(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        ObjectDisposedException.ThrowIf(_extracted.IsClosed, this);
        var rc = NativeMethods.ExtractStatements.DuckDBPrepareExtractedStatement(_connection, _extracted, index, out var statement);
        return DuckDbPreparedStatement.Checked(rc, statement);
    }

    public void Dispose() => _extracted.Dispose();
}
