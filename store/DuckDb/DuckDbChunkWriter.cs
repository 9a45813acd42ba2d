using System.Text;

namespace GrafanaProfiles.Store.DuckDb;

/// <summary>
/// A writable data chunk for the appender: columns are filled as whole spans (fixed-width types)
/// or entry by entry for strings, lists and maps; then the chunk is appended and reset.
/// Capacity is DuckDB's vector size (2,048 rows).
/// </summary>
public sealed unsafe class DuckDbChunkWriter : IDisposable
{
    private IntPtr _chunk;
    private readonly ulong[] _childSizes;

    public DuckDbChunkWriter(IReadOnlyList<DuckDbLogicalType> columnTypes)
    {
        var types = new IntPtr[columnTypes.Count];
        for (var i = 0; i < types.Length; i++)
        {
            types[i] = columnTypes[i].Handle;
        }
        fixed (IntPtr* p = types)
        {
            _chunk = Native.duckdb_create_data_chunk(p, (ulong)types.Length);
        }
        _childSizes = new ulong[types.Length];
        Capacity = (int)Native.duckdb_vector_size();
    }

    public int Capacity { get; }

    internal IntPtr Handle => _chunk != IntPtr.Zero ? _chunk : throw new ObjectDisposedException(nameof(DuckDbChunkWriter));

    /// <summary>Rows filled so far; set it before appending.</summary>
    public int RowCount
    {
        get => (int)Native.duckdb_data_chunk_get_size(Handle);
        set => Native.duckdb_data_chunk_set_size(Handle, (ulong)value);
    }

    private IntPtr Vector(int column) => Native.duckdb_data_chunk_get_vector(Handle, (ulong)column);

    /// <summary>The column's value buffer for fixed-width types, all <see cref="Capacity"/> rows.</summary>
    public Span<T> Span<T>(int column) where T : unmanaged => new(Native.duckdb_vector_get_data(Vector(column)), Capacity);

    public void SetNull(int column, int row)
    {
        var vector = Vector(column);
        Native.duckdb_vector_ensure_validity_writable(vector);
        var mask = Native.duckdb_vector_get_validity(vector);
        mask[row >> 6] &= ~(1UL << (row & 63));
    }

    public void SetString(int column, int row, ReadOnlySpan<byte> utf8) => AssignString(Vector(column), row, utf8);

    public void SetString(int column, int row, string value) => SetString(column, row, Utf8(value));

    /// <summary>Writes one LIST entry of fixed-width items.</summary>
    public void SetList<T>(int column, int row, ReadOnlySpan<T> items) where T : unmanaged
    {
        var vector = Vector(column);
        var offset = Grow(vector, column, items.Length);
        var child = Native.duckdb_list_vector_get_child(vector);
        items.CopyTo(new Span<T>((T*)Native.duckdb_vector_get_data(child) + offset, items.Length));
        ((ListEntry*)Native.duckdb_vector_get_data(vector))[row] = new ListEntry(offset, (ulong)items.Length);
    }

    /// <summary>Writes one MAP(VARCHAR, VARCHAR) entry.</summary>
    public void SetMap(int column, int row, IReadOnlyList<KeyValuePair<string, string>> entries)
    {
        var vector = Vector(column);
        var offset = Grow(vector, column, entries.Count);
        var structVector = Native.duckdb_list_vector_get_child(vector);
        var keys = Native.duckdb_struct_vector_get_child(structVector, 0);
        var values = Native.duckdb_struct_vector_get_child(structVector, 1);
        for (var i = 0; i < entries.Count; i++)
        {
            AssignString(keys, (int)offset + i, Utf8(entries[i].Key));
            AssignString(values, (int)offset + i, Utf8(entries[i].Value));
        }
        ((ListEntry*)Native.duckdb_vector_get_data(vector))[row] = new ListEntry(offset, (ulong)entries.Count);
    }

    private ulong Grow(IntPtr vector, int column, int count)
    {
        var offset = _childSizes[column];
        var size = offset + (ulong)count;
        if (Native.duckdb_list_vector_reserve(vector, size) != DuckDbState.Success ||
            Native.duckdb_list_vector_set_size(vector, size) != DuckDbState.Success)
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
            Native.duckdb_vector_assign_string_element_len(vector, (ulong)row, p, (ulong)utf8.Length);
        }
    }

    private static byte[] Utf8(string value) => Encoding.UTF8.GetBytes(value);

    /// <summary>Empties the chunk for the next batch of rows.</summary>
    public void Reset()
    {
        Native.duckdb_data_chunk_reset(Handle);
        Array.Clear(_childSizes);
    }

    public void Dispose()
    {
        if (_chunk != IntPtr.Zero)
        {
            Native.duckdb_destroy_data_chunk(ref _chunk);
            _chunk = IntPtr.Zero;
        }
    }
}
