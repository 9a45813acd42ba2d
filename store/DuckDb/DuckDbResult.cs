using System.Runtime.InteropServices;

namespace GrafanaProfiles.Store.DuckDb;

/// <summary>
/// A query result. The duckdb_result struct lives in native memory owned by this object; chunks
/// fetched from it are owned by the caller (dispose each <see cref="DuckDbDataChunk"/>).
/// </summary>
public sealed unsafe class DuckDbResult : IDisposable
{
    private DuckDbResultStruct* _result;

    private DuckDbResult(DuckDbResultStruct* result) => _result = result;

    internal static DuckDbResult Allocate() =>
        new((DuckDbResultStruct*)NativeMemory.AllocZeroed((nuint)sizeof(DuckDbResultStruct)));

    internal DuckDbResultStruct* Pointer => _result != null ? _result : throw new ObjectDisposedException(nameof(DuckDbResult));

    internal string? ErrorMessage => Native.PtrToString(Native.duckdb_result_error(Pointer));

    public int ColumnCount => (int)Native.duckdb_column_count(Pointer);

    public string ColumnName(int column) => Native.PtrToString(Native.duckdb_column_name(Pointer, (ulong)column)) ?? "";

    public DuckDbType ColumnType(int column) => Native.duckdb_column_type(Pointer, (ulong)column);

    public long RowsChanged => (long)Native.duckdb_rows_changed(Pointer);

    /// <summary>Index of the column with this name, or -1.</summary>
    public int ColumnIndex(string name)
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
        var chunk = Native.duckdb_fetch_chunk(*Pointer);
        return chunk == IntPtr.Zero ? null : new DuckDbDataChunk(chunk);
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
        if (_result != null)
        {
            Native.duckdb_destroy_result(_result);
            NativeMemory.Free(_result);
            _result = null;
        }
    }
}
