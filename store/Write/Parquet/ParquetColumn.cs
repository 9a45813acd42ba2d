namespace GrafanaProfiles.Store.Write.Parquet;

/// <summary>The column types the store's files need, each with the Parquet annotation DuckDB reads as that type.</summary>
internal enum ColumnType
{
    /// <summary>DuckDB TIMESTAMP: INT64, TIMESTAMP(isAdjustedToUTC = false, MICROS), converted TIMESTAMP_MICROS.</summary>
    TimestampMicros,
    /// <summary>DuckDB BIGINT: INT64, INTEGER(64, signed), converted INT_64.</summary>
    Int64,
    /// <summary>DuckDB UBIGINT: INT64, INTEGER(64, unsigned), converted UINT_64; statistics in unsigned order.</summary>
    UInt64,
    /// <summary>DuckDB VARCHAR: BYTE_ARRAY, STRING, converted UTF8; statistics in byte-wise unsigned order.</summary>
    String,
}

/// <summary>
/// One leaf column. A nullable column is OPTIONAL (definition levels 0/1), others REQUIRED. A
/// <paramref name="List"/> column is a REQUIRED three-level LIST of REQUIRED elements of
/// <paramref name="Type"/> (DuckDB reads it as <c>Type[]</c>): <c>required group name (LIST) {
/// repeated group list { required element } }</c>, repetition and definition levels 0/1.
/// <paramref name="Distinct"/> says that no two values repeat (a unique key): its chunks are PLAIN
/// without trying a dictionary first.
/// </summary>
internal sealed record ParquetColumn(string Name, ColumnType Type, bool Nullable, bool List = false, bool Distinct = false)
{
    /// <summary>Lists of nullable elements, nullable lists and lists of strings are not needed, so not written.</summary>
    public bool List { get; } = !List || (!Nullable && Type != ColumnType.String)
        ? List
        : throw new ArgumentException($"Column {Name}: a list column holds non-null integers.", nameof(List));

    public bool IsString => Type == ColumnType.String;

    /// <summary>Whether statistics compare as signed integers (also the order of the deprecated min/max fields).</summary>
    public bool IsSigned => Type is ColumnType.TimestampMicros or ColumnType.Int64;
}

/// <summary>Parquet's enums (parquet.thrift), as the numbers written.</summary>
internal static class ParquetFormat
{
    public static ReadOnlySpan<byte> Magic => "PAR1"u8;

    /// <summary>The names of a list column's repeated group and of its element (the LIST layout of LogicalTypes.md).</summary>
    public const string ListGroupName = "list";
    public const string ListElementName = "element";

    public const int TypeInt64 = 2;
    public const int TypeByteArray = 6;

    public const int ConvertedUtf8 = 0;
    public const int ConvertedList = 3;
    public const int ConvertedTimestampMicros = 10;
    public const int ConvertedUInt64 = 14;
    public const int ConvertedInt64 = 18;

    public const int Required = 0;
    public const int Optional = 1;
    public const int Repeated = 2;

    public const int EncodingPlain = 0;
    public const int EncodingRle = 3;
    public const int EncodingRleDictionary = 8;

    public const int CodecZstd = 6;

    public const int PageData = 0;
    public const int PageDictionary = 2;
}
