using DuckDB.NET.Native;

namespace GrafanaProfiles.Store.DuckDb;

/// <summary>An owned duckdb_logical_type, destroyed on dispose.</summary>
internal sealed class DuckDbLogicalType : IDisposable
{
    private readonly DuckDBLogicalType _type;

    private DuckDbLogicalType(DuckDBLogicalType type) => _type = type;

    internal DuckDBLogicalType Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_type.IsClosed, this);
            return _type;
        }
    }

    public static DuckDbLogicalType Of(DuckDbType type) => new(NativeMethods.LogicalType.DuckDBCreateLogicalType((DuckDBType)type));

    public static DuckDbLogicalType ListOf(DuckDbType child)
    {
        using var c = Of(child);
        return new DuckDbLogicalType(NativeMethods.LogicalType.DuckDBCreateListType(c.Handle));
    }

    public static DuckDbLogicalType MapOf(DuckDbType key, DuckDbType value)
    {
        using var k = Of(key);
        using var v = Of(value);
        return new DuckDbLogicalType(DuckDbImports.duckdb_create_map_type(k.Handle, v.Handle));
    }

    public void Dispose() => _type.Dispose();
}
