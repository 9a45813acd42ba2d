using System.Text.Json;
using Google.Protobuf;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Backend.HostTests.Support;

/// <summary>One decoded frame: schema metadata and fields, as the apache-arrow npm reader sees them.</summary>
public sealed class DecodedFrame(JsonElement json)
{
    public JsonElement Json { get; } = json;

    public int Rows => Json.GetProperty("rows").GetInt32();

    public string Name => Json.GetProperty("metadata").GetProperty("name").GetString()!;

    public string RefId => Json.GetProperty("metadata").GetProperty("refId").GetString()!;

    public JsonElement? Meta => Json.GetProperty("metadata").TryGetProperty("meta", out var meta)
        ? JsonDocument.Parse(meta.GetString()!).RootElement.Clone()
        : null;

    public IReadOnlyList<string> FieldNames => [.. Json.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("name").GetString()!)];

    public JsonElement Field(string name) =>
        Json.GetProperty("fields").EnumerateArray().FirstOrDefault(f => f.GetProperty("name").GetString() == name) is { ValueKind: JsonValueKind.Object } field
            ? field
            : throw new KeyNotFoundException($"Frame '{Name}' has no field '{name}'; it has {string.Join(", ", FieldNames)}.");

    public JsonElement FieldAt(int index) => Json.GetProperty("fields")[index];

    public JsonElement? FieldConfig(string name) =>
        Field(name).GetProperty("metadata").TryGetProperty("config", out var config) ? JsonDocument.Parse(config.GetString()!).RootElement.Clone() : null;

    public static IReadOnlyDictionary<string, string> FieldLabels(JsonElement field) =>
        field.GetProperty("metadata").TryGetProperty("labels", out var labels)
            ? JsonSerializer.Deserialize<Dictionary<string, string>>(labels.GetString()!)!
            : new Dictionary<string, string>();

    public string TsType(string name) => Field(name).GetProperty("metadata").GetProperty("tstype").GetString()!;

    public long[] Longs(string name) => [.. Field(name).GetProperty("values").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? long.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : v.GetInt64())];

    public static double?[] Doubles(JsonElement field) => [.. field.GetProperty("values").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? (double?)null : v.GetDouble())];

    public string?[] Strings(string name) => [.. Field(name).GetProperty("values").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? null : v.ToString())];

    /// <summary>An enum field's values as their texts (config.type.enum.text[index]).</summary>
    public string[] EnumTexts(string name)
    {
        var texts = FieldConfig(name)!.Value.GetProperty("type").GetProperty("enum").GetProperty("text").EnumerateArray().Select(t => t.GetString()!).ToArray();
        return [.. Longs(name).Select(i => texts[i])];
    }
}

/// <summary>Decodes the frames of a response with the apache-arrow npm reader (<see cref="ArrowReader"/>), one node run for all.</summary>
public static class ArrowFrames
{
    public static IReadOnlyList<DecodedFrame> Decode(IEnumerable<ByteString> frames) =>
        [.. ArrowReader.ReadMany([.. frames.Select(f => f.ToByteArray())]).Select(json => new DecodedFrame(json))];
}
