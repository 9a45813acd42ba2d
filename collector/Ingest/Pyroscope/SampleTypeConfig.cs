using System.Text.Json;
using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest.Pyroscope;

/// <summary>
/// One entry of the <c>sample_type_config</c> form part: what the sender says about a pprof
/// sample type (JSON keys <c>units</c>, <c>aggregation</c>, <c>display-name</c>, <c>sampled</c>,
/// <c>cumulative</c>). Only <see cref="DisplayName"/> changes what is stored: it takes part in
/// choosing the profile name, as in Pyroscope (pkg/og/convert/pprof/profile.go, metricName).
/// </summary>
internal sealed record SampleTypeConfig
{
    public string? Units { get; init; }
    public string? Aggregation { get; init; }
    public string? DisplayName { get; init; }
    public bool Sampled { get; init; }
    public bool Cumulative { get; init; }

    /// <summary>Largest <c>sample_type_config</c> part read (real ones are a few hundred bytes).</summary>
    public const int MaxConfigBytes = 64 * 1024;

    /// <summary>
    /// Pyroscope's defaults (pkg/og/storage/tree/pprof.go, DefaultSampleTypeMapping), used when
    /// the sender gives no config: Go's <c>samples</c> shows as cpu, <c>goroutine</c> as
    /// goroutines, <c>contentions</c> and <c>delay</c> as mutex_count and mutex_duration.
    /// </summary>
    public static IReadOnlyDictionary<string, SampleTypeConfig?> Defaults { get; } = new Dictionary<string, SampleTypeConfig?>(StringComparer.Ordinal)
    {
        ["samples"] = new() { DisplayName = "cpu", Units = "samples", Sampled = true },
        ["inuse_objects"] = new() { Units = "objects", Aggregation = "average" },
        ["alloc_objects"] = new() { Units = "objects", Cumulative = true },
        ["inuse_space"] = new() { Units = "bytes", Aggregation = "average" },
        ["alloc_space"] = new() { Units = "bytes", Cumulative = true },
        ["goroutine"] = new() { DisplayName = "goroutines", Units = "goroutines", Aggregation = "average" },
        ["contentions"] = new() { DisplayName = "mutex_count", Units = "lock_samples", Cumulative = true },
        ["delay"] = new() { DisplayName = "mutex_duration", Units = "lock_nanoseconds", Cumulative = true },
    };

    /// <summary>
    /// Parses the JSON object <c>{"sample type": {...}, ...}</c>. Keys of an entry match case-
    /// insensitively and unknown keys are ignored (as Go's encoding/json does); a null entry
    /// means no config for that type.
    /// </summary>
    public static IReadOnlyDictionary<string, SampleTypeConfig?> Parse(ReadOnlySpan<byte> json)
    {
        if (json.Length > MaxConfigBytes)
        {
            throw Invalid($"it is {json.Length} bytes, over the limit of {MaxConfigBytes} bytes for this part");
        }
        try
        {
            using var document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("it is not a JSON object of sample types");
            }
            var result = new Dictionary<string, SampleTypeConfig?>(StringComparer.Ordinal);
            foreach (var type in document.RootElement.EnumerateObject())
            {
                result[type.Name] = type.Value.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.Object => Entry(type.Name, type.Value),
                    _ => throw Invalid($"the entry '{type.Name}' is not an object"),
                };
            }
            return result;
        }
        catch (JsonException e)
        {
            throw new ProfileRejectedException(RejectReason.InvalidRequest, $"form part 'sample_type_config': it is not valid JSON: {e.Message}", e);
        }
    }

    private static SampleTypeConfig Entry(string type, JsonElement value)
    {
        var config = new SampleTypeConfig();
        foreach (var field in value.EnumerateObject())
        {
            config = field.Name.ToUpperInvariant() switch
            {
                "UNITS" => config with { Units = Text(type, field) },
                "AGGREGATION" => config with { Aggregation = Text(type, field) },
                "DISPLAY-NAME" => config with { DisplayName = Text(type, field) },
                "SAMPLED" => config with { Sampled = Flag(type, field) },
                "CUMULATIVE" => config with { Cumulative = Flag(type, field) },
                _ => config,
            };
        }
        return config;
    }

    private static string? Text(string type, JsonProperty field) => field.Value.ValueKind switch
    {
        JsonValueKind.String => field.Value.GetString(),
        JsonValueKind.Null => null,
        _ => throw Invalid($"'{field.Name}' of '{type}' is not a string"),
    };

    private static bool Flag(string type, JsonProperty field) => field.Value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False or JsonValueKind.Null => false,
        _ => throw Invalid($"'{field.Name}' of '{type}' is not true or false"),
    };

    private static ProfileRejectedException Invalid(string what) =>
        new(RejectReason.InvalidRequest, $"form part 'sample_type_config': {what}.");
}
