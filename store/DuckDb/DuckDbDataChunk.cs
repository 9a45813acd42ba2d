namespace GrafanaProfiles.Store.DuckDb;

/// <summary>A chunk of result rows; its vectors are valid until the chunk is disposed.</summary>
public sealed class DuckDbDataChunk : IDisposable
{
    private IntPtr _chunk;

    internal DuckDbDataChunk(IntPtr chunk) => _chunk = chunk;

    internal IntPtr Handle => _chunk != IntPtr.Zero ? _chunk : throw new ObjectDisposedException(nameof(DuckDbDataChunk));

    public int RowCount => (int)Native.duckdb_data_chunk_get_size(Handle);

    public int ColumnCount => (int)Native.duckdb_data_chunk_get_column_count(Handle);

    public DuckDbVector Column(int index) => new(Native.duckdb_data_chunk_get_vector(Handle, (ulong)index), RowCount);

    public void Dispose()
    {
        if (_chunk != IntPtr.Zero)
        {
            Native.duckdb_destroy_data_chunk(ref _chunk);
            _chunk = IntPtr.Zero;
        }
    }
}
