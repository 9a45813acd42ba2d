using DuckDB.NET.Native;

namespace GrafanaProfiles.Store.DuckDb;

/// <summary>A chunk of result rows; its vectors are valid until the chunk is disposed.</summary>
public sealed class DuckDbDataChunk : IDisposable
{
    private readonly DuckDBDataChunk _chunk;

    internal DuckDbDataChunk(DuckDBDataChunk chunk) => _chunk = chunk;

    private DuckDBDataChunk Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_chunk.IsClosed, this);
            return _chunk;
        }
    }

    public int RowCount => (int)NativeMethods.DataChunks.DuckDBDataChunkGetSize(Handle);

    public int ColumnCount => (int)NativeMethods.DataChunks.DuckDBDataChunkGetColumnCount(Handle);

    public DuckDbVector Column(int index) => new(NativeMethods.DataChunks.DuckDBDataChunkGetVector(Handle, index), RowCount);

    public void Dispose() => _chunk.Dispose();
}
