using System.Diagnostics;
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

/// <summary>
/// Decodes Arrow frames with the apache-arrow npm package (tests/GrafanaProfiles.Frames.Tests/arrow-reader),
/// an implementation independent of our writer, several frames per node run. Node and npm are required.
/// </summary>
public static class ArrowFrames
{
    private static readonly Lazy<string> ReaderDirectory = new(Install);

    public static IReadOnlyList<DecodedFrame> Decode(IEnumerable<ByteString> frames)
    {
        var list = frames.ToList();
        if (list.Count == 0)
        {
            return [];
        }
        var dir = Path.Combine(Path.GetTempPath(), "gp-frames-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        try
        {
            var paths = list.Select((frame, i) =>
            {
                var path = Path.Combine(dir, $"{i}.arrow");
                File.WriteAllBytes(path, frame.ToByteArray());
                return path;
            }).ToList();
            var output = Run("node", ["read.mjs", .. paths], ReaderDirectory.Value);
            var json = JsonDocument.Parse(output).RootElement.Clone();
            return list.Count == 1 ? [new DecodedFrame(json)] : [.. json.EnumerateArray().Select(e => new DecodedFrame(e))];
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Install()
    {
        var source = Path.Combine(RepoPaths.Root, "tests", "GrafanaProfiles.Frames.Tests", "arrow-reader");
        var target = Path.Combine(Path.GetTempPath(), $"gp-host-arrow-reader-{Environment.ProcessId}");
        Directory.CreateDirectory(target);
        foreach (var name in new[] { "package.json", "package-lock.json", "read.mjs" })
        {
            File.Copy(Path.Combine(source, name), Path.Combine(target, name), overwrite: true);
        }
        Run("npm", ["ci", "--no-audit", "--no-fund", "--ignore-scripts"], target);
        return target;
    }

    private static string Run(string tool, string[] arguments, string directory)
    {
        var start = new ProcessStartInfo(tool) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {tool}.");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? stdout : throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} exited with {process.ExitCode}: {stderr.Result}");
    }
}
