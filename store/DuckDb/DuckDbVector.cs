using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using DuckDB.NET.Native;

namespace GrafanaProfiles.Store.DuckDb;

/// <summary>
/// A read view of one column of a chunk: whole vectors as spans over DuckDB's memory, never value
/// by value through the C API. Valid only while its chunk (or parent vector) lives.
/// </summary>
public readonly unsafe struct DuckDbVector
{
    private readonly IntPtr _vector;

    internal DuckDbVector(IntPtr vector, int count)
    {
        _vector = vector;
        Count = count;
    }

    /// <summary>Number of entries in this vector (rows of the chunk, or the child size of a list).</summary>
    public int Count { get; }

    public DuckDbType Type
    {
        get
        {
            using var type = NativeMethods.Vectors.DuckDBVectorGetColumnType(_vector);
            return (DuckDbType)NativeMethods.LogicalType.DuckDBGetTypeId(type);
        }
    }

    /// <summary>The fixed-width values (int64, uint64, double, timestamp micros, …) as a span.</summary>
    public ReadOnlySpan<T> Values<T>() where T : unmanaged =>
        new(NativeMethods.Vectors.DuckDBVectorGetData(_vector), Count);

    /// <summary>True when every entry is valid (DuckDB returns no mask then).</summary>
    internal bool AllValid => NativeMethods.Vectors.DuckDBVectorGetValidity(_vector) == null;

    /// <summary>
    /// The validity bitmap (bit <c>row % 64</c> of word <c>row / 64</c> set = valid), or an empty span
    /// when every entry is valid: one call per vector instead of one per row.
    /// </summary>
    public ReadOnlySpan<ulong> ValidityMask()
    {
        var mask = NativeMethods.Vectors.DuckDBVectorGetValidity(_vector);
        return mask == null ? [] : new ReadOnlySpan<ulong>(mask, (Count + 63) / 64);
    }

    public bool IsValid(int row)
    {
        var mask = NativeMethods.Vectors.DuckDBVectorGetValidity(_vector);
        return mask == null || (mask[row >> 6] & (1UL << (row & 63))) != 0;
    }

    /// <summary>The raw UTF-8 bytes of a VARCHAR or BLOB entry.</summary>
    public ReadOnlySpan<byte> GetBytes(int row)
    {
        var entry = (byte*)NativeMethods.Vectors.DuckDBVectorGetData(_vector) + (row * 16);
        var length = Unsafe.ReadUnaligned<uint>(entry);
        return length <= 12
            ? new ReadOnlySpan<byte>(entry + 4, (int)length)
            : new ReadOnlySpan<byte>(*(byte**)(entry + 8), (int)length);
    }

    public string? GetString(int row) => IsValid(row) ? Encoding.UTF8.GetString(GetBytes(row)) : null;

    /// <summary>(offset, length) entries of a LIST or MAP vector into its child vector.</summary>
    public ReadOnlySpan<ListEntry> ListEntries() => Values<ListEntry>();

    /// <summary>The child vector of a LIST (for a MAP: the STRUCT of key and value).</summary>
    public DuckDbVector ListChild() =>
        new(NativeMethods.Vectors.DuckDBListVectorGetChild(_vector), (int)NativeMethods.Vectors.DuckDBListVectorGetSize(_vector));

    internal DuckDbVector StructChild(int index, int count) =>
        new(NativeMethods.Vectors.DuckDBStructVectorGetChild(_vector, index), count);

    /// <summary>For a MAP vector: the key and value vectors, both indexed by the list entries.</summary>
    internal (DuckDbVector Keys, DuckDbVector Values) MapChildren()
    {
        var entries = ListChild();
        return (entries.StructChild(0, entries.Count), entries.StructChild(1, entries.Count));
    }

    /// <summary>Reads the MAP entry of one row into a dictionary (for metadata paths, not hot loops).</summary>
    internal Dictionary<string, string> GetMap(int row)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!IsValid(row))
        {
            return result;
        }
        var entry = ListEntries()[row];
        var (keys, values) = MapChildren();
        for (var i = (int)entry.Offset; i < (int)(entry.Offset + entry.Length); i++)
        {
            result[keys.GetString(i) ?? ""] = values.GetString(i) ?? "";
        }
        return result;
    }
}

/// <summary>duckdb_list_entry.</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct ListEntry
{
    public readonly ulong Offset;
    public readonly ulong Length;

    public ListEntry(ulong offset, ulong length)
    {
        Offset = offset;
        Length = length;
    }
}
