using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Partitions;
using GrafanaProfiles.Store.Rollups;
using GrafanaProfiles.Store.Write;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrafanaProfiles.Store.Maintenance;

/// <summary>What one compaction round did.</summary>
internal sealed record CompactionResult(int PartitionsCompacted, int FilesRemoved, int FilesWritten, int ManifestsFinished)
{
    /// <summary>Hour and day rollups written (store/Write/Rollups).</summary>
    public int RollupsWritten { get; init; }
}

/// <summary>
/// Merges the many small files of a closed hour into one sorted file per table, atomically for
/// readers: outputs are written under temporary names, a manifest naming inputs and outputs is
/// committed, outputs are renamed into place, and inputs are deleted only after a grace period for
/// queries that were already reading them (see <see cref="CompactionManifest"/>). Each closed hour
/// is then rolled up, and each closed day from its hours (<see cref="RollupWriter"/>).
/// </summary>
internal sealed class Compactor : IDisposable
{
    private readonly StoreOptions _options;
    private readonly PartitionLayout _layout;
    private readonly ILogger _log;
    private readonly DuckDbDatabase _duck;
    private readonly RollupWriter _rollups;

    /// <param name="rollupStepReached">Told of each step of a rollup's commit (tests stop a rollup there, as a kill would).</param>
    public Compactor(StoreOptions options, ILogger? log = null, Action<string>? rollupStepReached = null)
    {
        _options = options;
        _log = log ?? NullLogger.Instance;
        _layout = new PartitionLayout(options.DataDirectory, OnLinkIgnored);
        _duck = DuckDbDatabase.Open(settings: new Dictionary<string, string>
        {
            ["threads"] = options.WriterThreads.ToString(CultureInfo.InvariantCulture),
            ["memory_limit"] = options.WriterMemoryLimit,
            ["preserve_insertion_order"] = "false",
        });
        _rollups = new RollupWriter(_duck, options, _log) { StepReached = rollupStepReached };
    }

    /// <summary>Finishes committed compactions whose grace period is over and compacts every closed hour that has more than one file of a table.</summary>
    public CompactionResult RunOnce(DateTime nowUtc, CancellationToken cancellationToken = default)
    {
        int compacted = 0, removed = 0, written = 0, finished = 0, rollups = 0;
        foreach (var tenant in _layout.Tenants().ToList())
        {
            var listings = new List<HourListing>();
            foreach (var hour in _layout.Hours(tenant))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var dir = _layout.HourDirectory(tenant, hour);
                var (done, deleted, pending) = FinishManifests(dir, nowUtc);
                finished += done;
                removed += deleted;
                if (hour.AddHours(1) + _options.CompactionDelay > nowUtc)
                {
                    continue; // the hour is still open
                }
                if (!pending)
                {
                    // Not while an earlier compaction is in its grace period: its outputs would be compacted again.
                    var partition = CompactPartition(dir, nowUtc);
                    compacted += partition.PartitionsCompacted;
                    written += partition.FilesWritten;
                    removed += partition.FilesRemoved;
                    finished += partition.ManifestsFinished;
                }
                // The rollup covers what readers see now (a pending compaction's outputs are what they see).
                var (listing, rolled) = _rollups.EnsureHour(_layout, tenant, hour, nowUtc);
                listings.Add(listing);
                rollups += rolled ? 1 : 0;
            }
            foreach (var day in listings.GroupBy(l => PartitionLayout.DayOf(l.Hour)))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (_rollups.DayIsDue(day.Key, nowUtc) && _rollups.EnsureDay(_layout, tenant, day.Key, [.. day], nowUtc))
                {
                    rollups++;
                }
            }
        }
        return new CompactionResult(compacted, removed, written, finished) { RollupsWritten = rollups };
    }

    /// <summary>A link out of its tenant's directory is never compacted into it: that would copy another tenant's rows in for good.</summary>
    private void OnLinkIgnored(string link, string why) =>
        _log.LogWarning("Not compacting {Link}: a symbolic link that {Why}.", link, why);

    /// <summary>Compacts one partition directory now (whether or not the hour is closed).</summary>
    public CompactionResult CompactPartition(string hourDirectory, DateTime nowUtc)
    {
        var visible = PartitionLayout.VisibleFiles(hourDirectory, OnLinkIgnored);
        var inputs = PartitionLayout.Tables.Append(MetricsTable.Name).ToDictionary(t => t, t => visible.TryGetValue(t, out var files) ? (IReadOnlyList<string>)files : []);
        if (inputs.Values.All(files => files.Count <= 1))
        {
            return new CompactionResult(0, 0, 0, 0);
        }
        var watch = Stopwatch.StartNew();
        var stamp = nowUtc.Ticks.ToString("x", CultureInfo.InvariantCulture);
        var outputs = new List<string>();
        using (var connection = _duck.Connect())
        {
            var options = ParquetFileWriter.CopyOptions(_options.CompactedRowGroupSize);
            foreach (var (table, files) in inputs)
            {
                if (files.Count == 0)
                {
                    continue;
                }
                var output = Path.Combine(hourDirectory, $"{table}-compact-{stamp}{PartitionLayout.FileExtension}");
                var temp = Path.Combine(hourDirectory, PartitionLayout.TempName(Path.GetFileName(output)));
                // Without hive_partitioning = false DuckDB detects tenant=/hour= in the paths and
                // writes them into the output as two extra columns (found by the benchmark's
                // parquet_metadata listing): compacted files had another schema than flushed ones.
                var source = $"read_parquet([{string.Join(", ", files.Select(ParquetFileWriter.Literal))}], hive_partitioning = false)";
                var select = table switch
                {
                    SamplesTable.Name => $"SELECT * FROM {source} ORDER BY {SamplesTable.SortOrder}",
                    SeriesTable.Name => $"SELECT DISTINCT ON ({SeriesTable.SeriesId}) * FROM {source} ORDER BY {SeriesTable.SortOrder}",
                    StacksTable.Name => $"SELECT DISTINCT ON ({StacksTable.StackId}) * FROM {source} ORDER BY {StacksTable.SortOrder}",
                    MetricsTable.Name => MetricsFileWriter.CompactionSelect(source),
                    _ => $"SELECT DISTINCT ON ({FunctionsTable.FunctionId}) * FROM {source} ORDER BY {FunctionsTable.SortOrder}",
                };
                connection.Execute($"COPY ({select}) TO {ParquetFileWriter.Literal(temp)} ({options})");
                using (var handle = File.OpenHandle(temp, FileMode.Open, FileAccess.ReadWrite))
                {
                    RandomAccess.FlushToDisk(handle);
                }
                outputs.Add(output);
            }
        }
        var manifest = new CompactionManifest(
            [.. inputs.Values.SelectMany(f => f).Select(Path.GetFileName).OfType<string>()],
            [.. outputs.Select(Path.GetFileName).OfType<string>()])
        {
            CommittedUtc = nowUtc,
        };
        var manifestPath = Path.Combine(hourDirectory, $"{PartitionLayout.CompactionManifestPrefix}{stamp}.json");
        manifest.WriteAtomically(manifestPath);
        foreach (var output in outputs)
        {
            File.Move(Path.Combine(hourDirectory, PartitionLayout.TempName(Path.GetFileName(output))), output);
        }
        AtomicFile.SyncDirectory(hourDirectory);
        _log.LogInformation("Compacted {Inputs} files into {Outputs} in {Dir} in {Elapsed} ms.",
            manifest.Inputs.Count, outputs.Count, hourDirectory, watch.ElapsedMilliseconds);
        var (finished, removed) = (0, 0);
        if (_options.CompactionGracePeriod <= TimeSpan.Zero)
        {
            (finished, removed, _) = FinishManifests(hourDirectory, nowUtc);
        }
        return new CompactionResult(1, removed, outputs.Count, finished);
    }

    /// <summary>
    /// For each manifest in the directory: committed and past the grace period → delete inputs, then
    /// the manifest; not committed (a crash between manifest and renames) → roll forward if the
    /// temporary outputs exist, otherwise roll back. Returns whether a committed one is still waiting.
    /// </summary>
    private (int Finished, int Removed, bool Pending) FinishManifests(string hourDirectory, DateTime nowUtc)
    {
        int finished = 0, removed = 0;
        var pending = false;
        if (!Directory.Exists(hourDirectory))
        {
            return (0, 0, false);
        }
        foreach (var path in Directory.EnumerateFiles(hourDirectory, PartitionLayout.CompactionManifestPrefix + "*").ToList())
        {
            if (CompactionManifest.TryRead(path) is not { } manifest)
            {
                continue;
            }
            var committed = manifest.Outputs.All(o => File.Exists(Path.Combine(hourDirectory, o)));
            if (!committed)
            {
                var temps = manifest.Outputs.Select(o => Path.Combine(hourDirectory, PartitionLayout.TempName(o))).ToList();
                var canRollForward = manifest.Outputs.All(o =>
                    File.Exists(Path.Combine(hourDirectory, o)) || File.Exists(Path.Combine(hourDirectory, PartitionLayout.TempName(o))));
                if (canRollForward)
                {
                    foreach (var o in manifest.Outputs.Where(o => !File.Exists(Path.Combine(hourDirectory, o))))
                    {
                        File.Move(Path.Combine(hourDirectory, PartitionLayout.TempName(o)), Path.Combine(hourDirectory, o));
                    }
                    _log.LogWarning("Finished an interrupted compaction in {Dir}.", hourDirectory);
                    pending = true;
                    continue;
                }
                foreach (var o in manifest.Outputs)
                {
                    File.Delete(Path.Combine(hourDirectory, o));
                }
                temps.ForEach(File.Delete);
                File.Delete(path);
                _log.LogWarning("Rolled back an interrupted compaction in {Dir}; its inputs stay.", hourDirectory);
                continue;
            }
            var committedUtc = manifest.CommittedUtc ?? File.GetLastWriteTimeUtc(path);
            if (_options.CompactionGracePeriod > TimeSpan.Zero && nowUtc - committedUtc < _options.CompactionGracePeriod)
            {
                pending = true;
                continue;
            }
            foreach (var input in manifest.Inputs)
            {
                var inputPath = Path.Combine(hourDirectory, input);
                if (File.Exists(inputPath))
                {
                    File.Delete(inputPath);
                    removed++;
                }
            }
            File.Delete(path);
            finished++;
        }
        RemoveAbandonedTemporaries(hourDirectory);
        return (finished, removed, pending);
    }

    /// <summary>
    /// A compaction's temporary output, <c>.tmp-{table}-compact-{stamp}.parquet</c> for any table (the
    /// stamp is the commit clock's ticks in hex, 15 digits today), or its manifest's temporary
    /// (<c>.tmp-compaction-{stamp}.json-{suffix}</c>). Never a flush's temporary: those end in a
    /// 12-digit sequence, which also keeps a writer named <c>compact</c> out.
    /// </summary>
    private static readonly Regex CompactionTemporary = new(
        @"^\.tmp-(?:[a-z_]+-compact-(?!\d{12}\.parquet$)[0-9a-f]+\.parquet|compaction-[0-9a-f]+\.json-[^/]+)$",
        RegexOptions.CultureInvariant | RegexOptions.Compiled);

    /// <summary>
    /// Deletes what a compaction killed before its manifest was committed leaves behind: temporary
    /// outputs (mostly half-written, so unreadable) and the manifest's own temporary. After the
    /// manifests above were rolled forward or back none names a temporary any more, and compaction
    /// rounds run one at a time, so none belongs to a compaction in progress. Before this, every
    /// kill inside a compaction's COPY left a partial file of up to the hour's size for good (found
    /// by the crash command, docs/reliability.md "Crashes").
    /// </summary>
    private void RemoveAbandonedTemporaries(string hourDirectory)
    {
        var abandoned = Directory.EnumerateFiles(hourDirectory, PartitionLayout.TempPrefix + "*")
            .Where(path => CompactionTemporary.IsMatch(Path.GetFileName(path)))
            .ToList();
        foreach (var path in abandoned)
        {
            File.Delete(path);
        }
        if (abandoned.Count > 0)
        {
            AtomicFile.SyncDirectory(hourDirectory);
            _log.LogWarning("Removed {Count} temporary files of an interrupted compaction in {Dir}.", abandoned.Count, hourDirectory);
        }
    }

    public void Dispose() => _duck.Dispose();
}
