using DuckDB.NET.Native;

namespace GrafanaProfiles.Store.DuckDb;

/// <summary>
/// An error reported by DuckDB; the message is DuckDB's own, prefixed with what we asked it to do,
/// and <see cref="ErrorType"/> is DuckDB's class of the error (duckdb_error_type) where it gave one.
/// </summary>
public sealed class DuckDbException : Exception
{
    public DuckDbException(string message) : base(message) { }
    public DuckDbException(string message, Exception inner) : base(message, inner) { }
    public DuckDbException() { }

    public DuckDbException(string message, DuckDBErrorType errorType, Exception? inner = null) : base(message, inner) => ErrorType = errorType;

    /// <summary>DuckDB's class of the error; <see cref="DuckDBErrorType.Invalid"/> when it gave none.</summary>
    public DuckDBErrorType ErrorType { get; }

    /// <summary>The query was interrupted (our timeout or a cancellation).</summary>
    public bool IsInterrupt => ErrorType == DuckDBErrorType.Interrupt || Message.Contains("Interrupt", StringComparison.OrdinalIgnoreCase);
}
