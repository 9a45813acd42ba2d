using DuckDB.NET.Native;

namespace GrafanaProfiles.Store.DuckDb;

/// <summary>
/// A query result (the C API's duckdb_result, held by value and destroyed on dispose); chunks fetched
/// from it are owned by the caller (dispose each <see cref="DuckDbDataChunk"/>).
/// </summary>
public sealed class DuckDbResult : IDisposable
{
    private DuckDBResult _result;
    private bool _open;

    private DuckDbResult(DuckDBResult result)
    {
        _result = result;
        _open = true;
    }

    /// <summary>
    /// Takes ownership of the result a <c>duckdb_query</c> or <c>duckdb_execute_prepared</c> call
    /// filled; when the call failed, destroys it and throws with DuckDB's message and error type.
    /// </summary>
    internal static DuckDbResult Checked(DuckDBState state, DuckDBResult result, string fallback)
    {
        if (state == DuckDBState.Success)
        {
            return new DuckDbResult(result);
        }
        try
        {
            var message = NativeMethods.Query.DuckDBResultError(ref result);
            var type = NativeMethods.Query.DuckDBResultErrorType(ref result);
            throw new DuckDbException(string.IsNullOrEmpty(message) ? fallback : message, type);
        }
        finally
        {
            NativeMethods.Query.DuckDBDestroyResult(ref result);
        }
    }

    private ref DuckDBResult Native
    {
        get
        {
            ObjectDisposedException.ThrowIf(!_open, this);
            return ref _result;
        }
    }

    public int ColumnCount => (int)NativeMethods.Query.DuckDBColumnCount(ref Native);

    public string ColumnName(int column) => NativeMethods.Query.DuckDBColumnName(ref Native, column) ?? "";

    public DuckDbType ColumnType(int column) => (DuckDbType)NativeMethods.Query.DuckDBColumnType(ref Native, column);

    internal long RowsChanged => NativeMethods.Query.DuckDBRowsChanged(ref Native);

    /// <summary>Index of the column with this name, or -1.</summary>
    internal int ColumnIndex(string name)
    {
        for (var i = 0; i < ColumnCount; i++)
        {
            if (string.Equals(ColumnName(i), name, StringComparison.Ordinal))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>The next chunk of rows (up to 2,048), or null at the end.</summary>
    public DuckDbDataChunk? FetchChunk()
    {
        var chunk = NativeMethods.Query.DuckDBFetchChunk(Native);
        if (chunk.IsInvalid)
        {
            chunk.Dispose();
            return null;
        }
        return new DuckDbDataChunk(chunk);
    }

    /// <summary>Enumerates all chunks, disposing each after the caller's loop body has seen it.</summary>
    public IEnumerable<DuckDbDataChunk> Chunks()
    {
        while (FetchChunk() is { } chunk)
        {
            using (chunk)
            {
                yield return chunk;
            }
        }
    }

    public void Dispose()
    {
        if (_open)
        {
            _open = false;
            NativeMethods.Query.DuckDBDestroyResult(ref _result);
        }
    }
}
