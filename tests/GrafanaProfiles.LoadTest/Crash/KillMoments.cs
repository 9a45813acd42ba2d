using System.Text.RegularExpressions;

namespace GrafanaProfiles.LoadTest.Crash;

/// <summary>What the data directory's watcher saw happen to a file.</summary>
internal enum FileChange
{
    Created,
    RenamedTo,
    Deleted,
}

/// <summary>
/// One moment inside a store operation at which the collector is killed: the file change that
/// marks it (a path relative to the data directory, '/'-separated), and a test made after the kill
/// of whether the operation was still unfinished, i.e. the kill landed inside it.
/// </summary>
internal sealed record KillMoment(string Name, FileChange Change, Regex Path, Func<string, string, bool> StillInside)
{
    public bool Matches(FileChange change, string relativePath) => change == Change && Path.IsMatch(relativePath);
}

/// <summary>A kill mode: a store operation (with the moments to kill it at, taken in turn) or, with none, a random delay after ready.</summary>
internal sealed record KillMode(string Name, IReadOnlyList<KillMoment> Moments)
{
    public bool IsRandom => Moments.Count == 0;
}

/// <summary>
/// The kill modes and the file names that mark their moments, from the write path
/// (docs/architecture.md): a flush writes <c>.tmp-{table}-{writer}-{seq}.parquet</c> in an hour
/// directory, commits <c>wal/{writer}/flush-manifest.json</c>, renames, writes the checkpoint and
/// deletes the manifest; a compaction writes <c>.tmp-{table}-compact-{stamp}.parquet</c>, commits
/// <c>compaction-{stamp}.json</c>, renames, and after the grace period deletes its inputs and the
/// manifest; a rollup is below. Another operation is one more entry of <see cref="All"/> with its names.
/// </summary>
internal static class KillModes
{
    private const string Hour = "^tenant=[^/]+/hour=[^/]+/";
    private const string Tables = "(samples|series|stacks|functions|metrics)";
    private const string RollupDirectory = "^tenant=[^/]+/(hour=[^/]+/rollup|day=[^/]+)/";
    private const string RollupStamp = "(?<stamp>[0-9a-f]{16}-[0-9a-f]{8})";

    public static KillMode Random { get; } = new("random", []);

    public static KillMode Flush { get; } = new("flush",
    [
        new("temporary file written", FileChange.Created, Pattern(Hour + @"\.tmp-" + Tables + @"-(?!compact-)[^/]+\.parquet$"),
            (data, trigger) => File.Exists(Full(data, trigger)) || FlushManifestExists(data)),
        new("manifest committed", FileChange.RenamedTo, Pattern(@"^wal/[^/]+/flush-manifest\.json$"),
            (data, trigger) => File.Exists(Full(data, trigger))),
        new("checkpoint written", FileChange.Created, Pattern(@"^wal/[^/]+/\.tmp-checkpoint\.json-[^/]+$"),
            (data, _) => FlushManifestExists(data)),
    ]);

    public static KillMode Compaction { get; } = new("compaction",
    [
        new("output written", FileChange.Created, Pattern(Hour + @"\.tmp-" + Tables + @"-compact-[0-9a-f]+\.parquet$"),
            (data, trigger) => File.Exists(Full(data, trigger))),
        new("manifest committed", FileChange.RenamedTo, Pattern(Hour + @"compaction-[0-9a-f]+\.json$"),
            (data, trigger) => Directory.EnumerateFiles(Path.GetDirectoryName(Full(data, trigger))!,
                ".tmp-*-compact-" + Path.GetFileNameWithoutExtension(trigger)["compaction-".Length..] + ".parquet").Any()),
        new("inputs deleted", FileChange.Deleted, Pattern(Hour + Tables + @"-[^/]+\.parquet$"),
            (data, trigger) => Directory.EnumerateFiles(Path.GetDirectoryName(Full(data, trigger))!, "compaction-*.json").Any()),
    ]);

    /// <summary>
    /// Rollups (store/Write/Rollups/README.md): outputs written as <c>.tmp-{table}-{stamp}.parquet</c>
    /// in an hour's <c>rollup/</c> directory (or a <c>day=</c> directory), renamed into place, then
    /// committed by <c>rollup-{stamp}.json</c>; before that manifest exists the rollup is unfinished.
    /// </summary>
    public static KillMode Rollup { get; } = new("rollup",
    [
        new("output written", FileChange.Created, Pattern(RollupDirectory + @"\.tmp-[a-z_]+-" + RollupStamp + @"\.parquet$"),
            (data, trigger) => !RollupCommitted(data, trigger)),
        new("outputs renamed", FileChange.RenamedTo, Pattern(RollupDirectory + "[a-z_]+-" + RollupStamp + @"\.parquet$"),
            (data, trigger) => !RollupCommitted(data, trigger)),
    ]);

    /// <summary>
    /// Every mode, in the order kills take them. Compaction first: a closed hour waits the 30 s
    /// grace period after each compaction before it is compacted again, so a compaction is found
    /// at once only while some hours have not been compacted yet.
    /// </summary>
    public static IReadOnlyList<KillMode> All { get; } = [Compaction, Flush, Rollup, Random];

    private static Regex Pattern(string pattern) => new(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled);

    private static string Full(string data, string relative) => Path.Combine(data, relative);

    /// <summary>Whether the manifest that commits the rollup a file belongs to exists (its stamp is in the file's name).</summary>
    private static bool RollupCommitted(string data, string trigger)
    {
        var stamp = RollupStampPattern.Match(Path.GetFileName(trigger)).Groups["stamp"].Value;
        return File.Exists(Path.Combine(Path.GetDirectoryName(Full(data, trigger))!, $"rollup-{stamp}.json"));
    }

    private static readonly Regex RollupStampPattern = Pattern(RollupStamp + @"\.parquet$");

    private static bool FlushManifestExists(string data) =>
        Directory.Exists(Path.Combine(data, "wal")) &&
        Directory.EnumerateFiles(Path.Combine(data, "wal"), "flush-manifest.json", SearchOption.AllDirectories).Any();
}
