using System.Text.Json;
using System.Text.Json.Serialization;
using GrafanaProfiles.Store.Partitions;

namespace GrafanaProfiles.Store.Write;

/// <summary>
/// What a writer has made durable in Parquet: every log record up to <see cref="Sequence"/>, and the
/// next file sequence number to use. Stored atomically in the writer's log directory.
/// </summary>
internal sealed record WriterCheckpoint(
    [property: JsonPropertyName("sequence")] long Sequence,
    [property: JsonPropertyName("next_file_sequence")] long NextFileSequence)
{
    public const string FileName = "checkpoint.json";

    public static WriterCheckpoint Read(string walDirectory)
    {
        var path = Path.Combine(walDirectory, FileName);
        return File.Exists(path)
            ? JsonSerializer.Deserialize(File.ReadAllBytes(path), WriterJsonContext.Default.WriterCheckpoint)
              ?? throw new InvalidDataException($"{path} is empty.")
            : new WriterCheckpoint(0, 1);
    }

    public void Write(string walDirectory) =>
        AtomicFile.Write(Path.Combine(walDirectory, FileName), JsonSerializer.SerializeToUtf8Bytes(this, WriterJsonContext.Default.WriterCheckpoint));
}

/// <summary>
/// The commit record of a flush: written after all its files are complete under temporary names and
/// before any is renamed. A writer that finds one at start-up finishes the renames (roll forward)
/// and adopts its checkpoint, so a crash mid-flush neither loses nor duplicates data.
/// </summary>
internal sealed record FlushManifest(
    [property: JsonPropertyName("checkpoint")] WriterCheckpoint Checkpoint,
    [property: JsonPropertyName("renames")] IReadOnlyList<FileRename> Renames)
{
    public const string FileName = "flush-manifest.json";

    public static FlushManifest? TryRead(string walDirectory)
    {
        var path = Path.Combine(walDirectory, FileName);
        return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), WriterJsonContext.Default.FlushManifest) : null;
    }

    public void Write(string walDirectory) =>
        AtomicFile.Write(Path.Combine(walDirectory, FileName), JsonSerializer.SerializeToUtf8Bytes(this, WriterJsonContext.Default.FlushManifest));

    public static void Delete(string walDirectory) => File.Delete(Path.Combine(walDirectory, FileName));

    /// <summary>Renames every file that is still under its temporary name; idempotent.</summary>
    public void Apply()
    {
        foreach (var rename in Renames)
        {
            if (File.Exists(rename.From))
            {
                File.Move(rename.From, rename.To, overwrite: true);
            }
        }
        foreach (var dir in Renames.Select(r => Path.GetDirectoryName(r.To)!).Distinct())
        {
            AtomicFile.SyncDirectory(dir);
        }
    }
}

internal sealed record FileRename([property: JsonPropertyName("from")] string From, [property: JsonPropertyName("to")] string To);

[JsonSerializable(typeof(WriterCheckpoint))]
[JsonSerializable(typeof(FlushManifest))]
internal sealed partial class WriterJsonContext : JsonSerializerContext;
