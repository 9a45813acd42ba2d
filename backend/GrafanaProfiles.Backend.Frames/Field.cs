using System.Runtime.CompilerServices;
using System.Text.Json;
using Apache.Arrow;

namespace GrafanaProfiles.Backend.Frames;

/// <summary>
/// One column of a <see cref="DataFrame"/>: an Apache.Arrow array of the Arrow type Grafana reads
/// for <see cref="Type"/>, plus the field metadata Grafana's reader looks at (labels, config). A
/// field that is not <see cref="Nullable"/> holds no null. Create fields with the static factories:
/// spans for columns without nulls (one copy into the Arrow buffer), lists of nullable values
/// otherwise; both fill the Arrow buffers directly, never through boxed values. Where both fit
/// (an empty collection expression), the span overload is taken.
/// </summary>
public sealed class Field
{
    private Field(string name, FieldType type, bool nullable, IArrowArray column,
        IReadOnlyDictionary<string, string>? labels, string? configJson)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
        Type = type;
        Nullable = nullable;
        Column = column;
        Labels = labels;
        ConfigJson = configJson;
    }

    public string Name { get; }

    public FieldType Type { get; }

    public bool Nullable { get; }

    public int Length => Column.Length;

    /// <summary>The values as Arrow wrote them: Utf8, Int64, UInt16, Double, Boolean, Timestamp(ns) or Binary.</summary>
    public IArrowArray Column { get; }

    /// <summary>Labels, written as field metadata <c>labels</c> (JSON object) when not null.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; }

    /// <summary>JSON of the SDK's <c>FieldConfig</c>, written as field metadata <c>config</c> when not null.</summary>
    public string? ConfigJson { get; }

    /// <summary>
    /// The value at <paramref name="row"/>, or null, for reading a frame back (tests, diagnostics):
    /// <c>string</c>, <c>long</c> (also nanoseconds of a time field), <c>ushort</c>, <c>double</c>,
    /// <c>bool</c> or <c>byte[]</c>.
    /// </summary>
    public object? GetValue(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Length);
        if (Column.IsNull(row))
        {
            return null;
        }

        return Column switch
        {
            StringArray strings => strings.GetString(row),
            BinaryArray bytes => bytes.GetBytes(row).ToArray(),
            TimestampArray times => times.Values[row],
            Int64Array longs => longs.Values[row],
            UInt16Array shorts => shorts.Values[row],
            DoubleArray doubles => doubles.Values[row],
            BooleanArray bools => bools.GetValue(row),
            _ => throw new InvalidOperationException($"Field '{Name}' has an unexpected Arrow array {Column.GetType().Name}."),
        };
    }

    /// <summary>The Grafana <c>tstype</c> metadata value for this field's type.</summary>
    public string TypeScriptType => Type switch
    {
        FieldType.String => "string",
        FieldType.Int64 or FieldType.UInt16 or FieldType.Float64 => "number",
        FieldType.Bool => "boolean",
        FieldType.Time => "time",
        FieldType.Enum => "enum",
        _ => "other",
    };

    internal string? LabelsJson => Labels is null
        ? null
        : JsonSerializer.Serialize(new SortedDictionary<string, string>(Labels.ToDictionary(), StringComparer.Ordinal));

    public static Field String(string name, IReadOnlyList<string?> values, bool nullable = false,
        IReadOnlyDictionary<string, string>? labels = null, string? configJson = null) =>
        new(name, FieldType.String, nullable, Columns.Utf8(name, values, nullable), labels, configJson);

    [OverloadResolutionPriority(1)]
    public static Field Int64(string name, ReadOnlySpan<long> values,
        IReadOnlyDictionary<string, string>? labels = null, string? configJson = null) =>
        new(name, FieldType.Int64, false, new Int64Array(Columns.Values(values), ArrowBuffer.Empty, values.Length, 0, 0), labels, configJson);

    public static Field Int64(string name, IReadOnlyList<long?> values, bool nullable = false,
        IReadOnlyDictionary<string, string>? labels = null, string? configJson = null) =>
        new(name, FieldType.Int64, nullable, Columns.Fixed(name, values, nullable, static (v, n, l, c) => new Int64Array(v, n, l, c, 0)), labels, configJson);

    [OverloadResolutionPriority(1)]
    public static Field UInt16(string name, ReadOnlySpan<ushort> values,
        IReadOnlyDictionary<string, string>? labels = null, string? configJson = null) =>
        new(name, FieldType.UInt16, false, new UInt16Array(Columns.Values(values), ArrowBuffer.Empty, values.Length, 0, 0), labels, configJson);

    public static Field UInt16(string name, IReadOnlyList<ushort?> values, bool nullable = false,
        IReadOnlyDictionary<string, string>? labels = null, string? configJson = null) =>
        new(name, FieldType.UInt16, nullable, Columns.Fixed(name, values, nullable, static (v, n, l, c) => new UInt16Array(v, n, l, c, 0)), labels, configJson);

    [OverloadResolutionPriority(1)]
    public static Field Float64(string name, ReadOnlySpan<double> values,
        IReadOnlyDictionary<string, string>? labels = null, string? configJson = null) =>
        new(name, FieldType.Float64, false, new DoubleArray(Columns.Values(values), ArrowBuffer.Empty, values.Length, 0, 0), labels, configJson);

    public static Field Float64(string name, IReadOnlyList<double?> values, bool nullable = false,
        IReadOnlyDictionary<string, string>? labels = null, string? configJson = null) =>
        new(name, FieldType.Float64, nullable, Columns.Fixed(name, values, nullable, static (v, n, l, c) => new DoubleArray(v, n, l, c, 0)), labels, configJson);

    public static Field Bool(string name, IReadOnlyList<bool?> values, bool nullable = false,
        IReadOnlyDictionary<string, string>? labels = null, string? configJson = null) =>
        new(name, FieldType.Bool, nullable, Columns.Booleans(name, values, nullable), labels, configJson);

    /// <summary>A time column; values are nanoseconds since the Unix epoch (UTC), as Grafana's reader assumes.</summary>
    [OverloadResolutionPriority(1)]
    public static Field Time(string name, ReadOnlySpan<long> unixNanoseconds,
        IReadOnlyDictionary<string, string>? labels = null, string? configJson = null) =>
        new(name, FieldType.Time, false,
            new TimestampArray(Columns.Nanoseconds, Columns.Values(unixNanoseconds), ArrowBuffer.Empty, unixNanoseconds.Length, 0, 0), labels, configJson);

    /// <summary>A time column; values are nanoseconds since the Unix epoch (UTC), as Grafana's reader assumes.</summary>
    public static Field Time(string name, IReadOnlyList<long?> unixNanoseconds, bool nullable = false,
        IReadOnlyDictionary<string, string>? labels = null, string? configJson = null) =>
        new(name, FieldType.Time, nullable,
            Columns.Fixed(name, unixNanoseconds, nullable, static (v, n, l, c) => new TimestampArray(Columns.Nanoseconds, v, n, l, c, 0)), labels, configJson);

    /// <summary>A time column from instants; precision is kept to the 100 ns tick.</summary>
    public static Field Time(string name, IReadOnlyList<DateTimeOffset?> values, bool nullable = false,
        IReadOnlyDictionary<string, string>? labels = null, string? configJson = null) =>
        Time(name, values.Select(v => v is { } t ? (t - DateTimeOffset.UnixEpoch).Ticks * 100 : (long?)null).ToArray(),
            nullable, labels, configJson);

    /// <summary>A raw JSON (Go <c>json.RawMessage</c>) column.</summary>
    public static Field Binary(string name, IReadOnlyList<byte[]?> values, bool nullable = false,
        IReadOnlyDictionary<string, string>? labels = null, string? configJson = null) =>
        new(name, FieldType.Binary, nullable, Columns.Bytes(name, values, nullable), labels, configJson);

    /// <summary>An enum column: indexes into the <c>type.enum.text</c> list of the field config.</summary>
    [OverloadResolutionPriority(1)]
    public static Field Enum(string name, ReadOnlySpan<ushort> values,
        IReadOnlyDictionary<string, string>? labels = null, string? configJson = null) =>
        new(name, FieldType.Enum, false, new UInt16Array(Columns.Values(values), ArrowBuffer.Empty, values.Length, 0, 0), labels, configJson);

    /// <summary>An enum column: indexes into the <c>type.enum.text</c> list of the field config.</summary>
    public static Field Enum(string name, IReadOnlyList<ushort?> values, bool nullable = false,
        IReadOnlyDictionary<string, string>? labels = null, string? configJson = null) =>
        new(name, FieldType.Enum, nullable, Columns.Fixed(name, values, nullable, static (v, n, l, c) => new UInt16Array(v, n, l, c, 0)), labels, configJson);
}
