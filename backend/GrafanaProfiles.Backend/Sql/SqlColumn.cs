using System.Globalization;
using GrafanaProfiles.Backend.Frames;
using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Store.DuckDb;

namespace GrafanaProfiles.Backend.Sql;

/// <summary>How a result column reaches Grafana (README.md, "Column types").</summary>
internal enum SqlColumnKind
{
    /// <summary>VARCHAR, and every type Grafana has no column for (LIST, STRUCT, MAP, INTERVAL, …) as DuckDB renders it.</summary>
    String,

    /// <summary>Signed and unsigned integers up to 32 bits and BIGINT.</summary>
    Int64,

    /// <summary>UBIGINT: ids are 64-bit hashes, beyond int64 and beyond a JavaScript number; exact decimal text.</summary>
    UBigIntText,

    /// <summary>HUGEINT (what sum(BIGINT) returns): int64 when every value fits, else float64.</summary>
    HugeInt,

    /// <summary>FLOAT, DOUBLE, DECIMAL, UHUGEINT.</summary>
    Float64,

    Bool,

    /// <summary>TIMESTAMP in any unit, TIMESTAMPTZ, DATE: nanoseconds since the epoch.</summary>
    Time,
}

/// <summary>
/// One result column: its name and DuckDB type from the prepared statement, the SQL that brings it
/// to a type this class reads, and the values read chunk by chunk (whole vectors, one validity
/// bitmap per vector).
/// </summary>
internal sealed class SqlColumn
{
    private readonly List<string?> _strings = [];
    private readonly List<long?> _longs = [];
    private readonly List<double?> _doubles = [];
    private readonly List<bool?> _bools = [];
    private readonly List<Int128?> _huge = [];

    public SqlColumn(string name, DuckDbType sourceType)
    {
        Name = name;
        SourceType = sourceType;
        (Kind, Cast) = sourceType switch
        {
            DuckDbType.Varchar => (SqlColumnKind.String, null),
            DuckDbType.Boolean => (SqlColumnKind.Bool, null),
            DuckDbType.TinyInt or DuckDbType.SmallInt or DuckDbType.Integer or DuckDbType.BigInt
                or DuckDbType.UTinyInt or DuckDbType.USmallInt or DuckDbType.UInteger => (SqlColumnKind.Int64, null),
            DuckDbType.UBigInt => (SqlColumnKind.UBigIntText, null),
            DuckDbType.HugeInt => (SqlColumnKind.HugeInt, null),
            DuckDbType.Float or DuckDbType.Double => (SqlColumnKind.Float64, null),
            DuckDbType.Decimal or DuckDbType.UHugeInt => (SqlColumnKind.Float64, "DOUBLE"),
            DuckDbType.Timestamp or DuckDbType.TimestampTz or DuckDbType.TimestampS or DuckDbType.TimestampMs
                or DuckDbType.TimestampNs => (SqlColumnKind.Time, null),
            DuckDbType.Date => (SqlColumnKind.Time, "TIMESTAMP"),
            _ => (SqlColumnKind.String, "VARCHAR"),
        };
        ReadType = Cast switch
        {
            "DOUBLE" => DuckDbType.Double,
            "TIMESTAMP" => DuckDbType.Timestamp,
            "VARCHAR" => DuckDbType.Varchar,
            _ => sourceType,
        };
    }

    public string Name { get; }

    /// <summary>The column's type in the user's query.</summary>
    public DuckDbType SourceType { get; }

    public SqlColumnKind Kind { get; private set; }

    /// <summary>The SQL type the wrapping query casts to, or null when the column is read as it is.</summary>
    public string? Cast { get; }

    /// <summary>The type the wrapping query returns for this column.</summary>
    public DuckDbType ReadType { get; }

    public int Count { get; private set; }

    /// <summary>The projection of this column in the wrapping query, over the subquery column <paramref name="alias"/>.</summary>
    public string Projection(string alias) => Cast is null ? alias : $"CAST({alias} AS {Cast})";

    public bool IsNumeric => Kind is SqlColumnKind.Int64 or SqlColumnKind.HugeInt or SqlColumnKind.Float64;

    /// <summary>The DuckDB type name for messages, e.g. <c>VARCHAR</c>.</summary>
    public string TypeName => SourceType.ToString().ToUpperInvariant();

    public void Append(DuckDbVector vector, int rows)
    {
        var mask = vector.ValidityMask();
        switch (ReadType)
        {
            case DuckDbType.Varchar:
                for (var i = 0; i < rows; i++)
                {
                    _strings.Add(Valid(mask, i) ? System.Text.Encoding.UTF8.GetString(vector.GetBytes(i)) : null);
                }
                break;
            case DuckDbType.Boolean:
                AppendValues(vector.Values<byte>(), mask, rows, _bools, b => b != 0);
                break;
            case DuckDbType.TinyInt:
                AppendValues(vector.Values<sbyte>(), mask, rows, _longs, v => v);
                break;
            case DuckDbType.SmallInt:
                AppendValues(vector.Values<short>(), mask, rows, _longs, v => v);
                break;
            case DuckDbType.Integer:
                AppendValues(vector.Values<int>(), mask, rows, _longs, v => v);
                break;
            case DuckDbType.BigInt:
                AppendValues(vector.Values<long>(), mask, rows, _longs, v => v);
                break;
            case DuckDbType.UTinyInt:
                AppendValues(vector.Values<byte>(), mask, rows, _longs, v => v);
                break;
            case DuckDbType.USmallInt:
                AppendValues(vector.Values<ushort>(), mask, rows, _longs, v => v);
                break;
            case DuckDbType.UInteger:
                AppendValues(vector.Values<uint>(), mask, rows, _longs, v => v);
                break;
            case DuckDbType.UBigInt:
                AppendValues(vector.Values<ulong>(), mask, rows, _strings, v => v.ToString(CultureInfo.InvariantCulture));
                break;
            case DuckDbType.HugeInt:
                // duckdb_hugeint is (uint64 lower, int64 upper): the layout of Int128 on little-endian.
                AppendValues(vector.Values<Int128>(), mask, rows, _huge, v => v);
                break;
            case DuckDbType.Float:
                AppendValues(vector.Values<float>(), mask, rows, _doubles, v => v);
                break;
            case DuckDbType.Double:
                AppendValues(vector.Values<double>(), mask, rows, _doubles, v => v);
                break;
            case DuckDbType.Timestamp or DuckDbType.TimestampTz:
                AppendValues(vector.Values<long>(), mask, rows, _longs, v => ToNanos(v, 1000));
                break;
            case DuckDbType.TimestampS:
                AppendValues(vector.Values<long>(), mask, rows, _longs, v => ToNanos(v, 1_000_000_000));
                break;
            case DuckDbType.TimestampMs:
                AppendValues(vector.Values<long>(), mask, rows, _longs, v => ToNanos(v, 1_000_000));
                break;
            case DuckDbType.TimestampNs:
                AppendValues(vector.Values<long>(), mask, rows, _longs, v => v);
                break;
            default:
                throw new InvalidOperationException($"Column '{Name}' is read as {ReadType}, which has no reader.");
        }
        Count += rows;
    }

    private static void AppendValues<TIn, TOut>(ReadOnlySpan<TIn> values, ReadOnlySpan<ulong> mask, int rows, List<TOut?> into, Func<TIn, TOut> convert)
        where TIn : unmanaged where TOut : struct
    {
        for (var i = 0; i < rows; i++)
        {
            into.Add(Valid(mask, i) ? convert(values[i]) : null);
        }
    }

    private static void AppendValues<TIn>(ReadOnlySpan<TIn> values, ReadOnlySpan<ulong> mask, int rows, List<string?> into, Func<TIn, string> convert)
        where TIn : unmanaged
    {
        for (var i = 0; i < rows; i++)
        {
            into.Add(Valid(mask, i) ? convert(values[i]) : null);
        }
    }

    private static bool Valid(ReadOnlySpan<ulong> mask, int row) => mask.IsEmpty || (mask[row >> 6] & (1UL << (row & 63))) != 0;

    private long ToNanos(long value, long factor)
    {
        if (value > long.MaxValue / factor || value < long.MinValue / factor)
        {
            throw QueryFailedException.BadRequest($"Column '{Name}' holds a time outside the years 1678–2262 that Grafana can show; filter it out or cast it to VARCHAR.");
        }
        return value * factor;
    }

    /// <summary>
    /// Settles the column's kind once all rows are read: HUGEINT becomes int64 when every value fits
    /// (sums of BIGINT almost always do), float64 otherwise; a numeric column named <c>time</c> becomes a
    /// time as Grafana's SQL engines read epochs (<c>e+09</c> seconds, <c>e+18</c> nanoseconds, else milliseconds).
    /// </summary>
    public void Finish(int rows)
    {
        Truncate(rows);
        if (Kind == SqlColumnKind.HugeInt)
        {
            if (_huge.All(v => v is null || (v >= long.MinValue && v <= long.MaxValue)))
            {
                _longs.AddRange(_huge.Select(v => v is { } h ? (long)h : (long?)null));
                Kind = SqlColumnKind.Int64;
            }
            else
            {
                _doubles.AddRange(_huge.Select(v => v is { } h ? (double)h : (double?)null));
                Kind = SqlColumnKind.Float64;
            }
            _huge.Clear();
        }
        if (string.Equals(Name, "time", StringComparison.OrdinalIgnoreCase) && IsNumeric)
        {
            var epochs = Kind == SqlColumnKind.Int64 ? _longs.Select(v => (double?)v).ToList() : [.. _doubles];
            _longs.Clear();
            _longs.AddRange(epochs.Select(v => v is { } e ? EpochToNanos(e) : (long?)null));
            _doubles.Clear();
            Kind = SqlColumnKind.Time;
        }
    }

    private void Truncate(int rows)
    {
        static void Cut<T>(List<T> list, int rows)
        {
            if (list.Count > rows)
            {
                list.RemoveRange(rows, list.Count - rows);
            }
        }
        Cut(_strings, rows);
        Cut(_longs, rows);
        Cut(_doubles, rows);
        Cut(_bools, rows);
        Cut(_huge, rows);
        Count = Math.Min(Count, rows);
    }

    internal static long EpochToNanos(double epoch)
    {
        var exponent = epoch == 0 ? 0 : (int)Math.Floor(Math.Log10(Math.Abs(epoch)));
        return exponent switch
        {
            9 => (long)(epoch * 1e9),
            18 => (long)epoch,
            _ => (long)(epoch * 1e6),
        };
    }

    public IReadOnlyList<long?> Times => _longs;

    public IReadOnlyList<string?> Strings => _strings;

    /// <summary>The value of a numeric column as float64 (time-series values).</summary>
    public double? NumberAt(int row) => Kind switch
    {
        SqlColumnKind.Int64 => _longs[row],
        SqlColumnKind.Float64 => _doubles[row],
        _ => null,
    };

    /// <summary>The value of a string or bool column as label text (null → empty, as Grafana's long-to-wide does).</summary>
    public string LabelAt(int row) => Kind switch
    {
        SqlColumnKind.Bool => _bools[row] is { } b ? (b ? "true" : "false") : "",
        _ => _strings[row] ?? "",
    };

    public Field ToField() => Kind switch
    {
        SqlColumnKind.String or SqlColumnKind.UBigIntText => Field.String(Name, _strings, nullable: true),
        SqlColumnKind.Int64 => Field.Int64(Name, _longs, nullable: true),
        SqlColumnKind.Float64 => Field.Float64(Name, _doubles, nullable: true),
        SqlColumnKind.Bool => Field.Bool(Name, _bools, nullable: true),
        SqlColumnKind.Time => Field.Time(Name, _longs, nullable: true),
        _ => throw new InvalidOperationException($"Column '{Name}' was not finished."),
    };
}
