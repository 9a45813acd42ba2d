namespace GrafanaProfiles.Store.DuckDb;

/// <summary>An owned duckdb_logical_type, destroyed on dispose.</summary>
public sealed class DuckDbLogicalType : IDisposable
{
    private IntPtr _type;

    private DuckDbLogicalType(IntPtr type) => _type = type;

    internal IntPtr Handle => _type != IntPtr.Zero ? _type : throw new ObjectDisposedException(nameof(DuckDbLogicalType));

    public static DuckDbLogicalType Of(DuckDbType type) => new(Native.duckdb_create_logical_type(type));

    public static DuckDbLogicalType ListOf(DuckDbType child)
    {
        using var c = Of(child);
        return new DuckDbLogicalType(Native.duckdb_create_list_type(c.Handle));
    }

    public static DuckDbLogicalType MapOf(DuckDbType key, DuckDbType value)
    {
        using var k = Of(key);
        using var v = Of(value);
        return new DuckDbLogicalType(Native.duckdb_create_map_type(k.Handle, v.Handle));
    }

    public void Dispose()
    {
        if (_type != IntPtr.Zero)
        {
            Native.duckdb_destroy_logical_type(ref _type);
            _type = IntPtr.Zero;
        }
    }
}
