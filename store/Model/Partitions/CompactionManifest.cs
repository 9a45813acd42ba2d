using System.Text.Json;
using System.Text.Json.Serialization;

namespace GrafanaProfiles.Store.Partitions;

/// <summary>
/// The commit record of a compaction in one partition. Written (atomically) after the outputs are
/// complete under temporary names and before they are renamed into place. Readers treat the
/// compaction as committed once every output is in place, and then ignore the inputs, so a reader
/// sees either all the old files or all the new ones, never both.
/// </summary>
internal sealed record CompactionManifest(
    [property: JsonPropertyName("inputs")] IReadOnlyList<string> Inputs,
    [property: JsonPropertyName("outputs")] IReadOnlyList<string> Outputs)
{
    /// <summary>
    /// When the compaction committed, on the compactor's clock (the <c>nowUtc</c> it was given). The
    /// grace period is measured on that same clock: the file's modification time is the machine's
    /// clock, and mixing the two kept inputs forever whenever the compactor's "now" was earlier
    /// than the wall clock (found when the tests' fixed clock fell behind the real one). Null in
    /// manifests written before the field existed; those fall back to the file time.
    /// </summary>
    [JsonPropertyName("committed_utc")]
    public DateTime? CommittedUtc { get; init; }

    public static CompactionManifest? TryRead(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), ManifestJsonContext.Default.CompactionManifest);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            // Deleted under us or never completely written: not a commit record.
            return null;
        }
    }

    public void WriteAtomically(string path) =>
        AtomicFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(this, ManifestJsonContext.Default.CompactionManifest));
}

[JsonSerializable(typeof(CompactionManifest))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;

/// <summary>Write-to-temp, fsync, rename: a file appears whole or not at all.</summary>
internal static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        var dir = Path.GetDirectoryName(path)!;
        var temp = Path.Combine(dir, PartitionLayout.TempPrefix + Path.GetFileName(path) + "-" + Guid.NewGuid().ToString("N")[..8]);
        using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        SyncDirectory(dir);
    }

    /// <summary>Makes a rename in <paramref name="directory"/> durable (fsync of the directory).</summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        // .NET will not open a directory as a file, so this goes to libc: open(O_RDONLY|O_DIRECTORY), fsync, close.
        var fd = Posix.open(directory, Posix.ORdOnly | Posix.ODirectory);
        if (fd < 0)
        {
            return; // Some file systems refuse; the rename itself has happened.
        }
        _ = Posix.fsync(fd);
        _ = Posix.close(fd);
    }
}

internal static partial class Posix
{
    internal const int ORdOnly = 0;
    internal const int ODirectory = 0x10000; // Linux x86-64 / arm64

    [System.Runtime.InteropServices.LibraryImport("libc", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int open(string path, int flags);

    [System.Runtime.InteropServices.LibraryImport("libc", SetLastError = true)]
    internal static partial int fsync(int fd);

    [System.Runtime.InteropServices.LibraryImport("libc")]
    internal static partial int close(int fd);
}
