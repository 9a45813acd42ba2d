namespace GrafanaProfiles.Store.DuckDb;

/// <summary>An error reported by DuckDB; the message is DuckDB's own, prefixed with what we asked it to do.</summary>
public sealed class DuckDbException : Exception
{
    public DuckDbException(string message) : base(message) { }
    public DuckDbException(string message, Exception inner) : base(message, inner) { }
    public DuckDbException() { }

    /// <summary>DuckDB reports an interrupted query (our timeout) with this text.</summary>
    public bool IsInterrupt => Message.Contains("Interrupt", StringComparison.OrdinalIgnoreCase);
}
