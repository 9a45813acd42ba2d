using System.Text;
using DuckDB.NET.Native;

namespace GrafanaProfiles.Store.DuckDb;

/// <summary>
/// A writable data chunk for the appender: columns are filled as whole spans (fixed-width types)
/// or entry by entry for strings, lists and maps; then the chunk is appended and reset.
/// Capacity is DuckDB's vector size (2,048 rows).
/// </summary>
internal sealed unsafe class DuckDbChunkWriter : IDisposable
{
    private readonly DuckDBDataChunk _chunk;
    private readonly ulong[] _childSizes;

    /// <summary>
    /// Each column's vector, asked for once: duckdb_data_chunk_get_vector returns the address of the
    /// chunk's own vector, which stays the same through resets until the chunk is destroyed.
    /// </summary>
    private readonly IntPtr[] _vectors;

    public DuckDbChunkWriter(IReadOnlyList<DuckDbLogicalType> columnTypes)
    {
        var types = new IntPtr[columnTypes.Count];
        for (var i = 0; i < types.Length; i++)
        {
            types[i] = columnTypes[i].Handle.DangerousGetHandle();
        }
        _chunk = NativeMethods.DataChunks.DuckDBCreateDataChunk(types, (ulong)types.Length);
        GC.KeepAlive(columnTypes);
        _childSizes = new ulong[types.Length];
        _vectors = new IntPtr[types.Length];
        for (var i = 0; i < types.Length; i++)
        {
            _vectors[i] = NativeMethods.DataChunks.DuckDBDataChunkGetVector(_chunk, i);
        }
        Capacity = (int)NativeMethods.Helpers.DuckDBVectorSize();
    }

    public int Capacity { get; }

    internal DuckDBDataChunk Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_chunk.IsClosed, this);
            return _chunk;
        }
    }

    /// <summary>Rows filled so far; set it before appending.</summary>
    public int RowCount
    {
        get => (int)NativeMethods.DataChunks.DuckDBDataChunkGetSize(Handle);
        set => NativeMethods.DataChunks.DuckDBDataChunkSetSize(Handle, (ulong)value);
    }

    private IntPtr Vector(int column)
    {
        ObjectDisposedException.ThrowIf(_chunk.IsClosed, this);
        return _vectors[column];
    }

    /// <summary>The column's value buffer for fixed-width types, all <see cref="Capacity"/> rows.</summary>
    public Span<T> Span<T>(int column) where T : unmanaged => new(NativeMethods.Vectors.DuckDBVectorGetData(Vector(column)), Capacity);

    public void SetNull(int column, int row)
    {
        var vector = Vector(column);
        NativeMethods.Vectors.DuckDBVectorEnsureValidityWritable(vector);
        var mask = NativeMethods.Vectors.DuckDBVectorGetValidity(vector);
        mask[row >> 6] &= ~(1UL << (row & 63));
    }

    public void SetString(int column, int row, ReadOnlySpan<byte> utf8) => AssignString(Vector(column), row, utf8);

    public void SetString(int column, int row, string value) => SetString(column, row, Utf8(value));

    /// <summary>Writes one LIST entry of fixed-width items.</summary>
    public void SetList<T>(int column, int row, ReadOnlySpan<T> items) where T : unmanaged
    {
        var vector = Vector(column);
        var offset = Grow(vector, column, items.Length);
        var child = NativeMethods.Vectors.DuckDBListVectorGetChild(vector);
        items.CopyTo(new Span<T>((T*)NativeMethods.Vectors.DuckDBVectorGetData(child) + offset, items.Length));
        ((ListEntry*)NativeMethods.Vectors.DuckDBVectorGetData(vector))[row] = new ListEntry(offset, (ulong)items.Length);
    }

    /// <summary>Writes one MAP(VARCHAR, VARCHAR) entry.</summary>
    public void SetMap(int column, int row, IReadOnlyList<KeyValuePair<string, string>> entries)
    {
        var vector = Vector(column);
        var offset = Grow(vector, column, entries.Count);
        var structVector = NativeMethods.Vectors.DuckDBListVectorGetChild(vector);
        var keys = NativeMethods.Vectors.DuckDBStructVectorGetChild(structVector, 0);
        var values = NativeMethods.Vectors.DuckDBStructVectorGetChild(structVector, 1);
        for (var i = 0; i < entries.Count; i++)
        {
            AssignString(keys, (int)offset + i, Utf8(entries[i].Key));
            AssignString(values, (int)offset + i, Utf8(entries[i].Value));
        }
        ((ListEntry*)NativeMethods.Vectors.DuckDBVectorGetData(vector))[row] = new ListEntry(offset, (ulong)entries.Count);
    }

    private ulong Grow(IntPtr vector, int column, int count)
    {
        var offset = _childSizes[column];
        var size = offset + (ulong)count;
        if (NativeMethods.Vectors.DuckDBListVectorReserve(vector, size) != DuckDBState.Success ||
            NativeMethods.Vectors.DuckDBListVectorSetSize(vector, size) != DuckDBState.Success)
        {
            throw new DuckDbException($"Reserving {size} list entries in column {column} failed.");
        }
        _childSizes[column] = size;
        return offset;
    }

    private static void AssignString(IntPtr vector, int row, ReadOnlySpan<byte> utf8)
    {
        fixed (byte* p = utf8)
        {
            NativeMethods.Vectors.DuckDBVectorAssignStringElementLength(vector, (ulong)row, p, utf8.Length);
        }
    }

    private static byte[] Utf8(string value) => Encoding.UTF8.GetBytes(value);

    /// <summary>Empties the chunk for the next batch of rows.</summary>
    public void Reset()
    {
        NativeMethods.DataChunks.DuckDBDataChunkReset(Handle);
        Array.Clear(_childSizes);
    }

    public void Dispose() => _chunk.Dispose();
}
