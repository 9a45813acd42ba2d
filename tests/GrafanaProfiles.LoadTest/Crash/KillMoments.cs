using System.Text.RegularExpressions;

namespace GrafanaProfiles.LoadTest.Crash;

/// <summary>What the data directory's watcher saw happen to a file.</summary>
internal enum FileChange
{
    Created,
    RenamedTo,
    Deleted,
    /// <summary>The file was read (inotify's IN_ACCESS; watched in the log's folder only).</summary>
    Read,
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

/// <summary>
/// A kill mode: a store operation (with the moments to kill it at, taken in turn) or, with none, a
/// random delay after ready. A start-up mode kills the collector while it opens its store (before
/// /ready), after a run that held off flushing so that the log holds many records to replay.
/// </summary>
internal sealed record KillMode(string Name, IReadOnlyList<KillMoment> Moments, bool AtStartUp = false)
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
    private const string HourRollupDirectory = "^tenant=[^/]+/hour=[^/]+/rollup/";
    private const string DayRollupDirectory = "^tenant=[^/]+/day=[^/]+/";
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
    /// Hour rollups (store/Write/Rollups/README.md): outputs written as <c>.tmp-{table}-{stamp}.parquet</c>
    /// in an hour's <c>rollup/</c> directory, renamed into place, then committed by
    /// <c>rollup-{stamp}.json</c>; before that manifest exists the rollup is unfinished.
    /// </summary>
    public static KillMode Rollup { get; } = new("rollup", RollupMoments(HourRollupDirectory, withManifest: false));

    /// <summary>
    /// Day rollups, written like hour rollups into a <c>day=</c> directory once every hour of a closed
    /// day that has samples is rolled up, and again whenever one of those hours is rolled up anew
    /// (the run's uploads into a past day keep doing that): its five outputs, then the manifest,
    /// written to a temporary (<c>.tmp-rollup-{stamp}.json-…</c>) and renamed.
    /// </summary>
    public static KillMode DayRollup { get; } = new("day-rollup", RollupMoments(DayRollupDirectory, withManifest: true));

    /// <summary>
    /// The start-up after a crash (store/Write/ProfileWriter.cs, <c>OpenAsync</c>): the log's
    /// segments beyond the checkpoint are read and decoded into the buffer (the first read of a
    /// segment, seen by inotify as IN_ACCESS, is the sign that replay is under way), then what they
    /// held is flushed like any flush, all before /ready answers 200 (ingest is refused until then,
    /// so every flush before it is the replay's). Whether a kill landed inside is judged after the
    /// restart that follows (see <see cref="CrashHarness"/>): the collector was not ready yet, and
    /// that restart still found the replay's work to do, records to replay or its flush to finish.
    /// </summary>
    public static KillMode Replay { get; } = new("replay",
    [
        new("log segment read", FileChange.Read, Pattern(@"^wal/[^/]+/[0-9]+\.wal$"), (_, _) => true),
        new("flush temporary written", FileChange.Created, Pattern(Hour + @"\.tmp-" + Tables + @"-(?!compact-)[^/]+\.parquet$"), (_, _) => true),
        new("flush manifest committed", FileChange.RenamedTo, Pattern(@"^wal/[^/]+/flush-manifest\.json$"), (_, _) => true),
        new("checkpoint written", FileChange.Created, Pattern(@"^wal/[^/]+/\.tmp-checkpoint\.json-[^/]+$"), (_, _) => true),
    ], AtStartUp: true);

    private static IReadOnlyList<KillMoment> RollupMoments(string directory, bool withManifest)
    {
        List<KillMoment> moments =
        [
            new("output written", FileChange.Created, Pattern(directory + @"\.tmp-[a-z_]+-" + RollupStamp + @"\.parquet$"),
                (data, trigger) => !RollupCommitted(data, trigger)),
            new("outputs renamed", FileChange.RenamedTo, Pattern(directory + "[a-z_]+-" + RollupStamp + @"\.parquet$"),
                (data, trigger) => !RollupCommitted(data, trigger)),
        ];
        if (withManifest)
        {
            moments.Add(new("manifest temporary written", FileChange.Created, Pattern(directory + @"\.tmp-rollup-" + RollupStamp + @"\.json-[^/]+$"),
                (data, trigger) => !RollupCommitted(data, trigger)));
        }
        return moments;
    }

    /// <summary>
    /// Every mode, in the order kills take them. Compaction first: a closed hour waits the 30 s
    /// grace period after each compaction before it is compacted again, so a compaction is found
    /// at once only while some hours have not been compacted yet.
    /// </summary>
    public static IReadOnlyList<KillMode> All { get; } = [Compaction, Flush, Rollup, DayRollup, Replay, Random];

    private static Regex Pattern(string pattern) => new(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled);

    private static string Full(string data, string relative) => Path.Combine(data, relative);

    /// <summary>Whether the manifest that commits the rollup a file belongs to exists (its stamp is in the file's name).</summary>
    private static bool RollupCommitted(string data, string trigger)
    {
        var stamp = RollupStampPattern.Match(Path.GetFileName(trigger)).Groups["stamp"].Value;
        return File.Exists(Path.Combine(Path.GetDirectoryName(Full(data, trigger))!, $"rollup-{stamp}.json"));
    }

    private static readonly Regex RollupStampPattern = Pattern(RollupStamp + @"\.(parquet|json-[^/]+)$");

    private static bool FlushManifestExists(string data) =>
        Directory.Exists(Path.Combine(data, "wal")) &&
        Directory.EnumerateFiles(Path.Combine(data, "wal"), "flush-manifest.json", SearchOption.AllDirectories).Any();
}
