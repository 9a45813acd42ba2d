using System.Text.Json;

namespace GrafanaProfiles.Backend.Frames;

/// <summary>
/// One column of a <see cref="DataFrame"/>. Values are kept as a list of nullable elements; a field
/// that is not <see cref="Nullable"/> must hold no null. Create fields with the static factories.
/// </summary>
public sealed class Field
{
    private Field(string name, FieldType type, bool nullable, System.Collections.IList values, int length,
        IReadOnlyDictionary<string, string>? labels, string? configJson)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
        Type = type;
        Nullable = nullable;
        Values = values;
        Length = length;
        Labels = labels;
        ConfigJson = configJson;
        if (!nullable)
        {
            for (int i = 0; i < length; i++)
            {
                if (values[i] is null)
                {
                    throw new ArgumentException($"Field '{name}' is not nullable but row {i} is null.", nameof(values));
                }
            }
        }
    }

    public string Name { get; }

    public FieldType Type { get; }

    public bool Nullable { get; }

    public int Length { get; }

    /// <summary>Labels, written as field metadata <c>labels</c> (JSON object) when not null.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; }

    /// <summary>JSON of the SDK's <c>FieldConfig</c>, written as field metadata <c>config</c> when not null.</summary>
    public string? ConfigJson { get; }

    internal System.Collections.IList Values { get; }

    /// <summary>The value at <paramref name="row"/> (boxed), or null.</summary>
    public object? GetValue(int row) => Values[row];

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
        new(name, FieldType.String, nullable, values.ToList(), values.Count, labels, configJson);

    public static Field Int64(string name, IReadOnlyList<long?> values, bool nullable = false,
        IReadOnlyDictionary<string, string>? labels = null, string? configJson = null) =>
        new(name, FieldType.Int64, nullable, values.ToList(), values.Count, labels, configJson);

    public static Field UInt16(string name, IReadOnlyList<ushort?> values, bool nullable = false,
        IReadOnlyDictionary<string, string>? labels = null, string? configJson = null) =>
        new(name, FieldType.UInt16, nullable, values.ToList(), values.Count, labels, configJson);

    public static Field Float64(string name, IReadOnlyList<double?> values, bool nullable = false,
        IReadOnlyDictionary<string, string>? labels = null, string? configJson = null) =>
        new(name, FieldType.Float64, nullable, values.ToList(), values.Count, labels, configJson);

    public static Field Bool(string name, IReadOnlyList<bool?> values, bool nullable = false,
        IReadOnlyDictionary<string, string>? labels = null, string? configJson = null) =>
        new(name, FieldType.Bool, nullable, values.ToList(), values.Count, labels, configJson);

    /// <summary>A time column; values are nanoseconds since the Unix epoch (UTC).</summary>
    public static Field Time(string name, IReadOnlyList<long?> unixNanoseconds, bool nullable = false,
        IReadOnlyDictionary<string, string>? labels = null, string? configJson = null) =>
        new(name, FieldType.Time, nullable, unixNanoseconds.ToList(), unixNanoseconds.Count, labels, configJson);

    /// <summary>A time column from instants; precision is kept to the 100 ns tick.</summary>
    public static Field Time(string name, IReadOnlyList<DateTimeOffset?> values, bool nullable = false,
        IReadOnlyDictionary<string, string>? labels = null, string? configJson = null) =>
        Time(name, values.Select(v => v is { } t ? (t - DateTimeOffset.UnixEpoch).Ticks * 100 : (long?)null).ToList(),
            nullable, labels, configJson);

    /// <summary>A raw JSON (Go <c>json.RawMessage</c>) column.</summary>
    public static Field Binary(string name, IReadOnlyList<byte[]?> values, bool nullable = false,
        IReadOnlyDictionary<string, string>? labels = null, string? configJson = null) =>
        new(name, FieldType.Binary, nullable, values.ToList(), values.Count, labels, configJson);

    /// <summary>An enum column: indexes into the <c>type.enum.text</c> list of the field config.</summary>
    public static Field Enum(string name, IReadOnlyList<ushort?> values, bool nullable = false,
        IReadOnlyDictionary<string, string>? labels = null, string? configJson = null) =>
        new(name, FieldType.Enum, nullable, values.ToList(), values.Count, labels, configJson);
}
