using System.Diagnostics;
using GrafanaProfiles.Store.Diagnostics;
using GrafanaProfiles.Store.Partitions;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Store.Write;

public sealed partial class ProfileWriter
{
    private TaskCompletionSource _flushSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WriteBuffer? _failedFlush;

    /// <summary>Why the last flush failed, until one succeeds (null while flushes succeed).</summary>
    private volatile string? _flushFailure;

    /// <summary>An append was refused for a full buffer: flush at the next round whatever the threshold and age (guarded by the buffer lock).</summary>
    private bool _flushRequested;

    /// <summary>Rows buffered and not yet in Parquet.</summary>
    public int BufferedRows
    {
        get
        {
            lock (_bufferLock)
            {
                return _buffer.RowCount + (_failedFlush?.RowCount ?? 0);
            }
        }
    }

    /// <summary>Batches the write-ahead log failed to write (disk full, read-only, I/O error); their appends were refused.</summary>
    public long WalWriteFailures => _wal.WriteFailures;

    /// <summary>
    /// Why the store cannot keep data right now (the log's or the flush's last write failed and none
    /// has succeeded since), without paths; null while it can. Clears by itself once writes succeed.
    /// </summary>
    public string? StorageFailure => _wal.Failing is { } wal ? "writing the log: " + wal : _flushFailure is { } flush ? "flushing: " + flush : null;

    /// <summary>Starts a flush soon, whatever the buffer's size and age (the collector asks when its memory runs short).</summary>
    public void RequestFlush()
    {
        lock (_bufferLock)
        {
            if (_buffer.RowCount == 0)
            {
                return;
            }
            _flushRequested = true;
            _flushSignal.TrySetResult();
        }
    }

    /// <summary>Log sequence up to which everything is in Parquet.</summary>
    public long CheckpointSequence => _checkpoint.Sequence;

    /// <summary>Group commits of the write-ahead log so far (each one write, and one fsync in <see cref="WalSyncMode.Fsync"/>).</summary>
    public long WalCommits => _wal.Commits;

    /// <summary>Records the write-ahead log has written so far; divided by <see cref="WalCommits"/>, the appends that shared a commit.</summary>
    public long WalRecordsWritten => _wal.RecordsWritten;

    /// <summary>
    /// How long the oldest append not yet durable has waited for the write-ahead log beyond
    /// <c>wal_sync_interval</c> (zero when none waits): the log's queueing delay, which the
    /// collector's ingest door watches to refuse uploads before they join a standing queue.
    /// </summary>
    public TimeSpan WalBacklog => _wal.Backlog;

    /// <summary>The write-ahead log's shortest commit (one write and its fsync) of the last 10–20 s: what the disk needs for a commit of its own.</summary>
    public TimeSpan WalFastestRecentCommit => _wal.FastestRecentCommit;

    /// <summary>CPU time of the log's writer thread so far (writes and fsyncs; 0 where the thread clock is not available).</summary>
    public TimeSpan WalWriterCpu => _wal.WriterCpu;

    private async Task FlushLoopAsync(CancellationToken cancellationToken)
    {
        var check = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(50).Ticks, _options.FlushInterval.Ticks / 4));
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.WhenAny(Task.Delay(check, cancellationToken), _flushSignal.Task).ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            bool due;
            lock (_bufferLock)
            {
                if (_flushSignal.Task.IsCompleted)
                {
                    _flushSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
                due = _buffer.RowCount >= _options.FlushMaxSamples || _failedFlush is not null || _flushRequested ||
                      (_buffer.RowCount > 0 && DateTime.UtcNow - _buffer.FirstAppendUtc >= _options.FlushInterval);
                _flushRequested = false;
            }
            if (!due)
            {
                continue;
            }
            try
            {
                await FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The data stays buffered and in the log; the next round tries again.
                _log.LogError(e, "Flushing to Parquet failed; retrying in {Delay}.", check);
            }
        }
    }

    /// <summary>Writes everything buffered so far to Parquet and advances the checkpoint.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await _flushLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_failedFlush is { } failed)
            {
                // A flush that failed after its manifest was written may have completed on disk.
                _checkpoint = RecoverInterruptedFlush(_options.WalDirectory, _log);
                if (failed.LastSequence > _checkpoint.Sequence || failed.RowCount == 0)
                {
                    await OnOwnThread(() => WriteSnapshot(failed), cancellationToken).ConfigureAwait(false);
                }
                _flushFailure = null;
                _failedFlush = null;
                failed.Dispose();
            }
            WriteBuffer snapshot;
            lock (_bufferLock)
            {
                snapshot = _buffer;
                _buffer = new WriteBuffer();
            }
            await DropFailedAppendsAsync(snapshot).ConfigureAwait(false);
            if (snapshot.RowCount == 0 && snapshot.LastSequence <= _checkpoint.Sequence)
            {
                return;
            }
            try
            {
                await OnOwnThread(() => WriteSnapshot(snapshot), CancellationToken.None).ConfigureAwait(false);
                _flushFailure = null;
                snapshot.Dispose();
            }
            catch (Exception e)
            {
                _flushFailure = StorageErrors.Describe(e);
                _failedFlush = snapshot;
                Stats.FlushFailures++;
                throw;
            }
        }
        finally
        {
            _flushLock.Release();
        }
    }

    /// <summary>
    /// Rows are buffered before their log record is durable (see <see cref="AppendAllAsync"/>): waits
    /// until the log has finished every record of <paramref name="snapshot"/> (a millisecond or two
    /// at most), then drops the rows of records whose write failed. Their appends were refused, so
    /// a retry sends them again: flushed as well, they would count twice.
    /// </summary>
    private async Task DropFailedAppendsAsync(WriteBuffer snapshot)
    {
        try
        {
            await snapshot.LastLogged.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // That append failed and was told so; FailedThrough lists it.
        }
        var failed = _wal.FailedThrough(snapshot.LastSequence);
        if (failed.Count > 0)
        {
            var dropped = snapshot.RemoveFailed(failed);
            Stats.FailedAppendRowsDropped += dropped;
            _log.LogWarning("Dropped {Rows} buffered rows of {Records} appends whose log write failed (they were refused, not acknowledged).", dropped, failed.Count);
        }
    }

    private void WriteSnapshot(WriteBuffer snapshot)
    {
        var watch = Stopwatch.StartNew();
        var cpu = ThreadCpu.Nanoseconds();
        var fileSequence = _checkpoint.NextFileSequence;
        var renames = new List<FileRename>();
        var temps = new List<string>();
        var newSymbols = new List<(WrittenSymbols Written, List<RowKey> Series, List<ulong> Stacks, List<ulong> Functions)>();
        var metrics = new List<FlushedMetrics>();
        // One writer for every flush (flushes run one at a time): its zstd context and page buffers
        // are reused instead of being allocated and faulted in again each flush. After a failure it
        // is replaced, as a file may have been left half-written.
        var parquet = _parquet ??= new ParquetFileWriter(_duck, _options.RowGroupSize);
        try
        {
            foreach (var (key, partition) in snapshot.Partitions.OrderBy(p => p.Key.Tenant, StringComparer.Ordinal).ThenBy(p => p.Key.Hour))
            {
                var dir = _layout.HourDirectory(key.Tenant, key.Hour);
                Directory.CreateDirectory(dir);
                if (!_written.TryGetValue(key, out var written))
                {
                    written = new WrittenSymbols();
                    _written[key] = written;
                }
                var series = partition.Keys.Where(k => !written.Series.Contains(k.SeriesId)).DistinctBy(k => k.SeriesId).ToList();
                var stacks = partition.Stacks.Keys.Where(id => !written.Stacks.Contains(id)).ToList();
                var functions = partition.Functions.Keys.Where(id => !written.Functions.Contains(id)).ToList();
                string TempPathFor(string table)
                {
                    var temp = Path.Combine(dir, PartitionLayout.TempName(PartitionLayout.FileName(table, _options.WriterId, fileSequence)));
                    File.Delete(temp);
                    temps.Add(temp);
                    return temp;
                }
                var files = parquet.Write(partition, series, stacks, functions, TempPathFor);
                foreach (var (table, temp) in files.Concat(WriteMetrics(partition, TempPathFor, metrics)))
                {
                    FsyncFile(temp);
                    renames.Add(new FileRename(temp, Path.Combine(dir, PartitionLayout.FileName(table, _options.WriterId, fileSequence))));
                }
                written.LastWrittenUtc = DateTime.UtcNow;
                newSymbols.Add((written, series, stacks, functions));
                Stats.RowsFlushed += partition.RowCount;
            }
        }
        catch
        {
            _parquet = null;
            parquet.Dispose();
            // Give the space back (a full disk is a common cause); the retry writes them again.
            foreach (var temp in temps)
            {
                TryDelete(temp);
            }
            throw;
        }
        var checkpoint = new WriterCheckpoint(Math.Max(_checkpoint.Sequence, snapshot.LastSequence), fileSequence + 1);
        var manifest = new FlushManifest(checkpoint, renames);
        // The manifest is the commit point: from here on, a crash rolls this flush forward.
        manifest.Write(_options.WalDirectory);
        manifest.Apply();
        checkpoint.Write(_options.WalDirectory);
        FlushManifest.Delete(_options.WalDirectory);
        _checkpoint = checkpoint;
        foreach (var (written, series, stacks, functions) in newSymbols)
        {
            written.Series.UnionWith(series.Select(k => k.SeriesId));
            written.Stacks.UnionWith(stacks);
            written.Functions.UnionWith(functions);
        }
        ForgetIdlePartitions(DateTime.UtcNow);
        _wal.ForgetFailedThrough(checkpoint.Sequence);
        _wal.RemoveThrough(checkpoint.Sequence);
        MetricsCommitted(metrics);
        Stats.Flushes++;
        Stats.FilesWritten += renames.Count;
        Stats.LastFlushDuration = watch.Elapsed;
        Stats.TotalFlushDuration += watch.Elapsed;
        Stats.TotalFlushCpu += TimeSpan.FromTicks((ThreadCpu.Nanoseconds() - cpu) / 100);
        if (renames.Count > 0)
        {
            _log.LogDebug("Flushed {Rows} rows into {Files} files in {Elapsed} ms.", snapshot.RowCount, renames.Count, watch.ElapsedMilliseconds);
        }
    }

    /// <summary>
    /// The per-partition symbol sets only save repeating stacks in later files of the same hour; for
    /// partitions that stopped receiving data they would only hold memory (a late sample there simply
    /// repeats its stacks in its own file).
    /// </summary>
    private void ForgetIdlePartitions(DateTime nowUtc)
    {
        foreach (var (key, written) in _written.Where(p => nowUtc - p.Value.LastWrittenUtc > SymbolSetIdleTime).ToList())
        {
            _written.Remove(key);
        }
    }

    /// <summary>
    /// Runs a flush on a thread of its own (one thread creation every few seconds): it blocks in
    /// file writes, fsyncs and DuckDB's COPY, which on the thread pool would hold one of the few
    /// workers that decode incoming profiles for as long as the disk takes (change 23).
    /// </summary>
    private static Task OnOwnThread(Action flush, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(flush, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.LogDebug(e, "Could not delete {Path} after a failed flush.", path);
        }
    }

    private static void FsyncFile(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        RandomAccess.FlushToDisk(handle);
    }
}
