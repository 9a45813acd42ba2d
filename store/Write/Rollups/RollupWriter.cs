using System.Diagnostics;
using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Partitions;
using GrafanaProfiles.Store.Write;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Store.Rollups;

/// <summary>
/// Writes the rollups of closed hours and days (see store/Write/Rollups/README.md). Each rollup's
/// outputs are written under temporary names and fsynced, renamed into place, and only then is its
/// manifest written atomically: the manifest is the commit point, so a kill at any moment leaves
/// either no rollup (temporaries, or outputs no manifest names, removed by the next round) or a
/// complete one. Superseded rollups are removed a grace period after their successor committed,
/// for queries that were already reading them.
/// </summary>
internal sealed class RollupWriter(DuckDbDatabase duck, StoreOptions options, ILogger log)
{
    /// <summary>The steps of a rollup's commit, in order, for tests that stop it at each one (as a kill would).</summary>
    internal static readonly string[] CommitSteps = ["outputs-written", "outputs-renamed", "committed"];

    /// <summary>Called after each of <see cref="CommitSteps"/>; a test throws from it to leave the files as a kill at that moment would.</summary>
    internal Action<string>? StepReached { get; init; }

    /// <summary>
    /// Writes the rollup of one hour over its visible files unless one already covers exactly its
    /// samples files; removes superseded rollups past the grace period and crash leftovers. Returns
    /// the hour as listed afterwards.
    /// </summary>
    public (HourListing Listing, bool Written) EnsureHour(PartitionLayout layout, string tenant, DateTime hourUtc, DateTime nowUtc)
    {
        var listing = layout.ListHour(tenant, hourUtc);
        var directory = PartitionLayout.RollupDirectory(layout.HourDirectory(tenant, hourUtc));
        var written = false;
        if (listing.HasSamples && listing.Rollup is null)
        {
            var samples = listing.Table(SamplesTable.Name);
            var stamp = PartitionLayout.RollupStamp(nowUtc);
            var source = Source(samples);
            var bucket = $"time_bucket(INTERVAL '{RollupTables.StepSeconds} seconds', {SamplesTable.Time}, TIMESTAMP '1970-01-01')";
            var outputs = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [RollupTables.StackTotals] = $"""
                    SELECT {SamplesTable.ServiceName}, {SamplesTable.ProfileType}, {SamplesTable.SeriesId}, {SamplesTable.StackId},
                           sum({SamplesTable.Value})::BIGINT AS {SamplesTable.Value}
                    FROM {source}
                    GROUP BY ALL
                    HAVING sum({SamplesTable.Value}) <> 0
                    ORDER BY {RollupTables.StackTotalsSortOrder}
                    """,
                [RollupTables.StepTotals] = $"""
                    SELECT t AS {SamplesTable.Time}, {SamplesTable.ServiceName}, {SamplesTable.ProfileType}, {SamplesTable.SeriesId},
                           v AS {SamplesTable.Value}, w AS {RollupTables.Windows}
                    FROM (SELECT {bucket} AS t, {SamplesTable.ServiceName}, {SamplesTable.ProfileType}, {SamplesTable.SeriesId},
                                 sum({SamplesTable.Value})::BIGINT AS v, count(DISTINCT {SamplesTable.Time})::BIGINT AS w
                          FROM {source}
                          GROUP BY t, {SamplesTable.ServiceName}, {SamplesTable.ProfileType}, {SamplesTable.SeriesId})
                    ORDER BY {RollupTables.StepTotalsSortOrder}
                    """,
            };
            var manifest = new RollupManifest(RollupKind.Hour, RollupTables.StepSeconds, Commit(directory, stamp, outputs))
            {
                Samples = [.. samples.Select(Path.GetFileName).OfType<string>()],
                CommittedUtc = nowUtc,
            };
            Publish(directory, stamp, manifest);
            written = true;
            listing = layout.ListHour(tenant, hourUtc);
        }
        Clean(directory, listing.Rollup, nowUtc);
        return (listing, written);
    }

    /// <summary>
    /// Writes the rollup of one day from the rollups of its hours (<paramref name="hours"/>: every
    /// hour directory of the day, as listed after their own rollups) unless the current one still
    /// holds. Nothing is written while an hour with samples has no rollup.
    /// </summary>
    public bool EnsureDay(PartitionLayout layout, string tenant, DateTime dayUtc, IReadOnlyList<HourListing> hours, DateTime nowUtc)
    {
        var directory = layout.DayDirectory(tenant, dayUtc);
        var current = layout.DayRollup(tenant, dayUtc);
        var holds = current is not null && HourListing.DayRollupHolds(current.Manifest, hours);
        var withSamples = hours.Where(h => h.HasSamples).ToList();
        var written = false;
        if (!holds && withSamples.Count > 0 && withSamples.All(h => h.Rollup is not null))
        {
            Directory.CreateDirectory(directory);
            var stamp = PartitionLayout.RollupStamp(nowUtc);
            var rollups = withSamples.Select(h => h.Rollup!).ToList();
            var outputs = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [RollupTables.StackTotals] = $"""
                    SELECT {SamplesTable.ServiceName}, {SamplesTable.ProfileType}, {SamplesTable.SeriesId}, {SamplesTable.StackId},
                           sum({SamplesTable.Value})::BIGINT AS {SamplesTable.Value}
                    FROM {Source(rollups.Select(r => r.Output(RollupTables.StackTotals)))}
                    GROUP BY ALL
                    HAVING sum({SamplesTable.Value}) <> 0
                    ORDER BY {RollupTables.StackTotalsSortOrder}
                    """,
                // Steps never straddle hours (a minute divides an hour): the day's steps are its hours' steps.
                [RollupTables.StepTotals] = $"""
                    SELECT * FROM {Source(rollups.Select(r => r.Output(RollupTables.StepTotals)))}
                    ORDER BY {RollupTables.StepTotalsSortOrder}
                    """,
                [StacksTable.Name] = Distinct(withSamples, StacksTable.Name, StacksTable.StackId, StacksTable.SortOrder),
                [FunctionsTable.Name] = Distinct(withSamples, FunctionsTable.Name, FunctionsTable.FunctionId, FunctionsTable.SortOrder),
                [SeriesTable.Name] = Distinct(withSamples, SeriesTable.Name, SeriesTable.SeriesId, SeriesTable.SortOrder),
            };
            foreach (var table in new[] { StacksTable.Name, FunctionsTable.Name, SeriesTable.Name })
            {
                if (withSamples.All(h => h.Table(table).Count == 0))
                {
                    outputs.Remove(table);
                }
            }
            var manifest = new RollupManifest(RollupKind.Day, RollupTables.StepSeconds, Commit(directory, stamp, outputs))
            {
                Hours = withSamples.ToDictionary(h => PartitionLayout.HourValue(h.Hour), h => h.Rollup!.ManifestName, StringComparer.Ordinal),
                CommittedUtc = nowUtc,
            };
            Publish(directory, stamp, manifest);
            current = layout.DayRollup(tenant, dayUtc);
            written = true;
        }
        if (Directory.Exists(directory))
        {
            Clean(directory, current, nowUtc);
        }
        return written;
    }

    private static string Source(IEnumerable<string> files) =>
        $"read_parquet([{string.Join(", ", files.Select(ParquetFileWriter.Literal))}], hive_partitioning = false)";

    private static string Distinct(IEnumerable<HourListing> hours, string table, string id, string order) =>
        $"SELECT DISTINCT ON ({id}) * FROM {Source(hours.SelectMany(h => h.Table(table)))} ORDER BY {order}";

    /// <summary>
    /// Writes each output (table → SELECT) under a temporary name, fsyncs it, then renames all into
    /// place; returns table → file name. Not yet a rollup: no manifest names them.
    /// </summary>
    private Dictionary<string, string> Commit(string directory, string stamp, Dictionary<string, string> selects)
    {
        Directory.CreateDirectory(directory);
        var watch = Stopwatch.StartNew();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var connection = duck.Connect())
        {
            var copyOptions = ParquetFileWriter.CopyOptions(options.CompactedRowGroupSize);
            foreach (var (table, select) in selects)
            {
                var name = $"{table}-{stamp}{PartitionLayout.FileExtension}";
                var temp = Path.Combine(directory, PartitionLayout.TempName(name));
                connection.Execute($"COPY ({select}) TO {ParquetFileWriter.Literal(temp)} ({copyOptions})");
                using (var handle = File.OpenHandle(temp, FileMode.Open, FileAccess.ReadWrite))
                {
                    RandomAccess.FlushToDisk(handle);
                }
                names[table] = name;
            }
        }
        StepReached?.Invoke(CommitSteps[0]);
        foreach (var name in names.Values)
        {
            File.Move(Path.Combine(directory, PartitionLayout.TempName(name)), Path.Combine(directory, name));
        }
        AtomicFile.SyncDirectory(directory);
        StepReached?.Invoke(CommitSteps[1]);
        log.LogDebug("Wrote rollup outputs {Outputs} in {Dir} in {Elapsed} ms.", string.Join(", ", names.Values), directory, watch.ElapsedMilliseconds);
        return names;
    }

    private void Publish(string directory, string stamp, RollupManifest manifest)
    {
        manifest.WriteAtomically(Path.Combine(directory, $"{PartitionLayout.RollupManifestPrefix}{stamp}{PartitionLayout.ManifestExtension}"));
        StepReached?.Invoke(CommitSteps[2]);
        log.LogInformation("Rolled up {What} into {Dir}.",
            manifest.Kind == RollupKind.Hour
                ? $"{manifest.Samples.Count} samples files"
                : $"{manifest.Hours.Count} hours",
            directory);
    }

    /// <summary>
    /// In a rollup directory (only rollups are written there, one round at a time): removes
    /// temporaries and files no manifest names (a round killed before its commit), manifests whose
    /// outputs are gone, and — once <paramref name="current"/> has been committed for the grace
    /// period — every other rollup. Deleting a manifest before its outputs means a reader never sees
    /// a rollup with an output missing (it would not list it anyway).
    /// </summary>
    private void Clean(string directory, RollupListing? current, DateTime nowUtc)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }
        var pastGrace = current is not null && nowUtc - current.Manifest.CommittedUtc >= options.CompactionGracePeriod;
        var named = new HashSet<string>(StringComparer.Ordinal);
        var removed = 0;
        foreach (var path in Directory.EnumerateFiles(directory, PartitionLayout.RollupManifestPrefix + "*" + PartitionLayout.ManifestExtension).Order(StringComparer.Ordinal).ToList())
        {
            var name = Path.GetFileName(path);
            var manifest = RollupManifest.TryRead(path);
            var isCurrent = current is not null && string.Equals(name, current.ManifestName, StringComparison.Ordinal);
            var complete = manifest is not null && manifest.Outputs.Values.All(o => File.Exists(Path.Combine(directory, o)));
            if (isCurrent || (complete && !pastGrace))
            {
                named.UnionWith(manifest!.Outputs.Values);
                named.Add(name);
                continue;
            }
            File.Delete(path);
            removed++;
        }
        foreach (var path in Directory.EnumerateFiles(directory).ToList())
        {
            var name = Path.GetFileName(path);
            if (!named.Contains(name))
            {
                File.Delete(path);
                removed++;
            }
        }
        if (removed > 0)
        {
            AtomicFile.SyncDirectory(directory);
            log.LogDebug("Removed {Count} superseded or unfinished rollup files in {Dir}.", removed, directory);
        }
    }

    /// <summary>Whether a rollup of <paramref name="dayUtc"/> may be written at <paramref name="nowUtc"/>: closed, and its first hour not yet due for retention.</summary>
    public bool DayIsDue(DateTime dayUtc, DateTime nowUtc) =>
        dayUtc.AddDays(1) + options.CompactionDelay <= nowUtc
        && (options.Retention <= TimeSpan.Zero || dayUtc.AddHours(1) > nowUtc - options.Retention);
}
