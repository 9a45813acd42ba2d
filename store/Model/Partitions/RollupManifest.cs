using System.Text.Json;
using System.Text.Json.Serialization;
using GrafanaProfiles.Schema.Tables;

namespace GrafanaProfiles.Store.Partitions;

/// <summary>
/// The two tables of a rollup, written beside the raw tables of an hour (in its <c>rollup/</c>
/// directory) or of a day (in its <c>day=</c> directory). Their columns are the samples' columns
/// minus what a rollup sums over, so label selectors and profile type filters read them unchanged,
/// and stack ids stay the ones the stacks and functions files resolve.
/// </summary>
internal static class RollupTables
{
    /// <summary>
    /// Per (series, profile type, stack) the summed value of the rollup's time range:
    /// <c>service_name, profile_type, series_id, stack_id, value</c> (a stack whose sum is zero is left out).
    /// </summary>
    public const string StackTotals = "stack_totals";

    /// <summary>
    /// Per (series, profile type, step) the summed value and the profile windows counted:
    /// <c>time</c> (the step's start), <c>service_name, profile_type, series_id, value, windows</c>.
    /// </summary>
    public const string StepTotals = "step_totals";

    /// <summary>Profile windows in a step (count of distinct window start times of the series), BIGINT.</summary>
    public const string Windows = "windows";

    /// <summary>
    /// The step of <see cref="StepTotals"/>, in seconds. One minute: it divides every hour and day,
    /// a query step that is a multiple of it (every step Grafana picks for ranges of about half a day
    /// and more) merges its steps exactly, and at one profile per 15 s it sums four windows of a
    /// series per row. Finer query steps come with short ranges, which read raw samples cheaply.
    /// </summary>
    public const int StepSeconds = 60;

    public const string StackTotalsSortOrder =
        $"{SamplesTable.ServiceName}, {SamplesTable.ProfileType}, {SamplesTable.SeriesId}, {SamplesTable.StackId}";

    public const string StepTotalsSortOrder =
        $"{SamplesTable.ServiceName}, {SamplesTable.ProfileType}, {SamplesTable.SeriesId}, {SamplesTable.Time}";
}

/// <summary>What a rollup covers.</summary>
internal enum RollupKind
{
    /// <summary>One hour partition: its visible samples files, listed by name.</summary>
    Hour,
    /// <summary>One UTC day: the hour rollups of its hours, listed by hour and manifest name.</summary>
    Day,
}

/// <summary>
/// The commit record of one rollup. Its outputs are complete and in place before it is written
/// (atomically), so a rollup exists exactly when its manifest does: a kill at any moment leaves no
/// rollup (temporaries or unnamed outputs, removed by the next round) or a whole one.
/// A rollup is used only while what it covers is still what a reader lists: an hour rollup while
/// the hour's visible samples files are exactly <see cref="Samples"/> (a late flush adds a file and
/// the hour is read raw until it is compacted and rolled up again), a day rollup while every hour of
/// the day that has samples has exactly the hour rollup named in <see cref="Hours"/>.
/// </summary>
internal sealed record RollupManifest(
    [property: JsonPropertyName("kind")] RollupKind Kind,
    [property: JsonPropertyName("step_seconds")] int StepSeconds,
    [property: JsonPropertyName("outputs")] IReadOnlyDictionary<string, string> Outputs)
{
    /// <summary>Hour rollups: the samples files (names in the hour directory) whose rows it sums.</summary>
    [JsonPropertyName("samples")]
    public IReadOnlyList<string> Samples { get; init; } = [];

    /// <summary>Day rollups: hour value (<c>2026-11-22T13</c>) → the name of the hour rollup's manifest it sums.</summary>
    [JsonPropertyName("hours")]
    public IReadOnlyDictionary<string, string> Hours { get; init; } = new Dictionary<string, string>();

    /// <summary>When it was committed, on the compactor's clock; superseded rollups are removed a grace period after their successor.</summary>
    [JsonPropertyName("committed_utc")]
    public DateTime CommittedUtc { get; init; }

    public static RollupManifest? TryRead(string path)
    {
        try
        {
            var manifest = JsonSerializer.Deserialize(File.ReadAllBytes(path), RollupJsonContext.Default.RollupManifest);
            return manifest is { Outputs: not null, Samples: not null, Hours: not null } ? manifest : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            // Deleted under us (superseded) or not a manifest of ours: no rollup.
            return null;
        }
    }

    public void WriteAtomically(string path) =>
        AtomicFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(this, RollupJsonContext.Default.RollupManifest));
}

[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(RollupManifest))]
internal sealed partial class RollupJsonContext : JsonSerializerContext;
