using static GrafanaProfiles.Store.Write.Parquet.ParquetFormat;

namespace GrafanaProfiles.Store.Write.Parquet;

/// <summary>One row group as written: its column chunks in schema order.</summary>
internal sealed record RowGroupInfo(IReadOnlyList<ColumnChunkInfo> Columns, long Rows, long FileOffset);

/// <summary>
/// The footer's FileMetaData (parquet.thrift) in the compact protocol: version 1, a root and one
/// leaf per column (a list column: its LIST group, the repeated group and the element leaf), the
/// row groups with their column chunks' metadata and statistics, created_by, and a type-defined
/// column order per leaf (so the min_value/max_value statistics have a defined order: signed for
/// BIGINT and TIMESTAMP, unsigned for UBIGINT, byte-wise for VARCHAR).
/// </summary>
internal static class ParquetFooter
{
    public const string CreatedBy = "grafana-profiles";

    public static void Write(ThriftCompactWriter w, IReadOnlyList<ParquetColumn> columns, IReadOnlyList<RowGroupInfo> rowGroups)
    {
        w.Clear();
        w.BeginStruct();
        w.FieldI32(1, 1);
        w.FieldList(2, ThriftCompactWriter.Struct, 1 + columns.Sum(c => c.List ? 3 : 1));
        w.BeginStruct();
        w.FieldString(4, "schema");
        w.FieldI32(5, columns.Count);
        w.EndStruct();
        foreach (var column in columns)
        {
            if (column.List)
            {
                ListGroups(w, column.Name);
                SchemaElement(w, column, ListElementName);
            }
            else
            {
                SchemaElement(w, column, column.Name);
            }
        }
        w.FieldI64(3, rowGroups.Sum(g => g.Rows));
        w.FieldList(4, ThriftCompactWriter.Struct, rowGroups.Count);
        for (var g = 0; g < rowGroups.Count; g++)
        {
            RowGroup(w, rowGroups[g], (short)g);
        }
        w.FieldString(6, CreatedBy);
        w.FieldList(7, ThriftCompactWriter.Struct, columns.Count);
        foreach (var _ in columns)
        {
            w.BeginStruct();
            w.FieldStruct(1); // TYPE_ORDER
            w.EndStruct();
            w.EndStruct();
        }
        w.EndStruct();
    }

    /// <summary>
    /// A list column's two groups, the three-level layout of LogicalTypes.md: <c>required group
    /// name (LIST) { repeated group list { element } }</c>. DuckDB's own files make the group and the
    /// element OPTIONAL; ours are never null, and DuckDB reads both as the same <c>T[]</c>.
    /// </summary>
    private static void ListGroups(ThriftCompactWriter w, string name)
    {
        w.BeginStruct();
        w.FieldI32(3, Required);
        w.FieldString(4, name);
        w.FieldI32(5, 1);
        w.FieldI32(6, ConvertedList);
        w.FieldStruct(10); // LogicalType
        w.FieldStruct(3); // LIST
        w.EndStruct();
        w.EndStruct();
        w.EndStruct();
        w.BeginStruct();
        w.FieldI32(3, Repeated);
        w.FieldString(4, ListGroupName);
        w.FieldI32(5, 1);
        w.EndStruct();
    }

    private static void SchemaElement(ThriftCompactWriter w, ParquetColumn column, string name)
    {
        w.BeginStruct();
        w.FieldI32(1, column.IsString ? TypeByteArray : TypeInt64);
        w.FieldI32(3, column.Nullable ? Optional : Required);
        w.FieldString(4, name);
        w.FieldI32(6, column.Type switch
        {
            ColumnType.TimestampMicros => ConvertedTimestampMicros,
            ColumnType.Int64 => ConvertedInt64,
            ColumnType.UInt64 => ConvertedUInt64,
            _ => ConvertedUtf8,
        });
        w.FieldStruct(10); // LogicalType (a union: one field)
        switch (column.Type)
        {
            case ColumnType.TimestampMicros:
                w.FieldStruct(8); // TIMESTAMP
                w.FieldBool(1, false); // isAdjustedToUTC: DuckDB reads true as TIMESTAMP WITH TIME ZONE
                w.FieldStruct(2); // unit
                w.FieldStruct(2); // MICROS
                w.EndStruct();
                w.EndStruct();
                w.EndStruct();
                break;
            case ColumnType.Int64 or ColumnType.UInt64:
                w.FieldStruct(10); // INTEGER
                w.FieldI8(1, 64);
                w.FieldBool(2, column.Type == ColumnType.Int64);
                w.EndStruct();
                break;
            default:
                w.FieldStruct(1); // STRING
                w.EndStruct();
                break;
        }
        w.EndStruct();
        w.EndStruct();
    }

    private static void RowGroup(ThriftCompactWriter w, RowGroupInfo group, short ordinal)
    {
        w.BeginStruct();
        w.FieldList(1, ThriftCompactWriter.Struct, group.Columns.Count);
        foreach (var chunk in group.Columns)
        {
            w.BeginStruct();
            w.FieldI64(2, 0); // file_offset: deprecated, 0 when the metadata is only in the footer
            w.FieldStruct(3);
            ColumnMetaData(w, chunk);
            w.EndStruct();
            w.EndStruct();
        }
        w.FieldI64(2, group.Columns.Sum(c => c.TotalUncompressedSize));
        w.FieldI64(3, group.Rows);
        w.FieldI64(5, group.FileOffset);
        w.FieldI64(6, group.Columns.Sum(c => c.TotalCompressedSize));
        w.FieldI16(7, ordinal);
        w.EndStruct();
    }

    private static void ColumnMetaData(ThriftCompactWriter w, ColumnChunkInfo chunk)
    {
        w.FieldI32(1, chunk.Column.IsString ? TypeByteArray : TypeInt64);
        w.FieldList(2, ThriftCompactWriter.I32, chunk.Encodings.Length);
        foreach (var encoding in chunk.Encodings)
        {
            w.ElementI32(encoding);
        }
        if (chunk.Column.List)
        {
            w.FieldList(3, ThriftCompactWriter.Binary, 3);
            w.ElementString(chunk.Column.Name);
            w.ElementString(ListGroupName);
            w.ElementString(ListElementName);
        }
        else
        {
            w.FieldList(3, ThriftCompactWriter.Binary, 1);
            w.ElementString(chunk.Column.Name);
        }
        w.FieldI32(4, CodecZstd);
        w.FieldI64(5, chunk.NumValues);
        w.FieldI64(6, chunk.TotalUncompressedSize);
        w.FieldI64(7, chunk.TotalCompressedSize);
        w.FieldI64(9, chunk.DataPageOffset);
        if (chunk.DictionaryPageOffset is { } dictionary)
        {
            w.FieldI64(11, dictionary);
        }
        w.FieldStruct(12);
        Statistics(w, chunk);
        w.EndStruct();
    }

    private static void Statistics(ThriftCompactWriter w, ColumnChunkInfo chunk)
    {
        // The deprecated min/max are defined in signed order; DuckDB writes them for signed
        // integers and strings (and reads them when min_value/max_value are absent), so do we,
        // and like DuckDB not when empty (an empty string).
        if (chunk is { Min: { } legacyMin, Max: { } legacyMax } && (chunk.Column.IsSigned || chunk.Column.IsString))
        {
            if (legacyMax.Length > 0)
            {
                w.FieldBinary(1, legacyMax);
            }
            if (legacyMin.Length > 0)
            {
                w.FieldBinary(2, legacyMin);
            }
        }
        w.FieldI64(3, chunk.NullCount);
        if (chunk.DistinctCount is { } distinct)
        {
            w.FieldI64(4, distinct);
        }
        if (chunk is { Min: { } min, Max: { } max })
        {
            w.FieldBinary(5, max);
            w.FieldBinary(6, min);
            w.FieldBool(7, chunk.MaxExact);
            w.FieldBool(8, chunk.MinExact);
        }
    }
}
