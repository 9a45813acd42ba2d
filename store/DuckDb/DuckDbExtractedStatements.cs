namespace GrafanaProfiles.Store.DuckDb;

/// <summary>
/// A SQL text split into statements by DuckDB's own parser (<c>duckdb_extract_statements</c>), not
/// yet prepared: callers count the statements before binding any of them, so a refusal can say how
/// many there were, and prepare only the one they accept.
/// </summary>
public sealed class DuckDbExtractedStatements : IDisposable
{
    private readonly IntPtr _connection;
    private IntPtr _extracted;

    internal DuckDbExtractedStatements(IntPtr connection, string sql)
    {
        _connection = connection;
        Count = (int)Native.duckdb_extract_statements(connection, sql, out _extracted);
        if (Count == 0)
        {
            // A parse error, or a text with no statement at all (empty, only comments): no error then.
            Error = Native.PtrToString(Native.duckdb_extract_statements_error(_extracted));
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
        ObjectDisposedException.ThrowIf(_extracted == IntPtr.Zero, this);
        var rc = Native.duckdb_prepare_extracted_statement(_connection, _extracted, (ulong)index, out var statement);
        return DuckDbPreparedStatement.Checked(rc, statement);
    }

    public void Dispose()
    {
        if (_extracted != IntPtr.Zero)
        {
            Native.duckdb_destroy_extracted(ref _extracted);
            _extracted = IntPtr.Zero;
        }
    }
}
