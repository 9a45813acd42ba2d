using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using GrafanaProfiles.Store.Diagnostics;
using GrafanaProfiles.Store.Partitions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace GrafanaProfiles.Store.Write;

/// <summary>
/// An append-only log of ingests, in segment files named by their first sequence number.
/// Record layout (little-endian): <c>u32 bodyLength | u32 crc32c(body) | body</c>, where
/// <c>body = u64 sequence | u8 kind | payload</c>. Appends are written in sequence order by one
/// writer loop that batches whatever is waiting into one write and one fsync (group commit).
/// The writer loop has a thread of its own: it blocks in write and fsync, and on the thread pool
/// it would hold one of the few workers (two on a two-core machine) that decode the next appends
/// for as long as the disk takes (change 23 in docs/benchmarks.md).
/// </summary>
internal sealed partial class WriteAheadLog : IAsyncDisposable
{
    public const string SegmentExtension = ".wal";
    internal const int HeaderBytes = 8;
    internal const int BodyPrefixBytes = 9;

    private readonly string _directory;
    private readonly WalOptions _options;
    private readonly ILogger _log;
    /// <summary>Guards <see cref="_queue"/>, <see cref="_nextSequence"/> and <see cref="_closed"/>; the writer thread waits on it.</summary>
    private readonly object _queueGate = new();
    private readonly Queue<PendingAppend> _queue = new();
    private bool _closed;
    private bool _writerWaiting;
    private readonly Lock _segmentsLock = new();
    private readonly List<long> _segments = []; // first sequence of each segment, ascending
    private readonly TaskCompletionSource _writerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextSequence;
    private long _commits;
    /// <summary>Records of the last commit (writer thread only): more than one means appends arrive concurrently.</summary>
    private int _lastCommitRecords;
    /// <summary>When the last commit finished (<see cref="Stopwatch"/> ticks; writer thread only), for <see cref="WalOptions.SyncInterval"/>.</summary>
    private long _lastCommitEnd;
    private long _recordsWritten;
    /// <summary>When the oldest record of the batch being written was queued (<see cref="Stopwatch"/> ticks; 0 between batches; guarded by <see cref="_queueGate"/>).</summary>
    private long _writingSince;
    private readonly WindowedMinimum _commitPace = new(Stopwatch.Frequency * 10);
    private long _writerCpuNanos;
    /// <summary>The segment being written: a bare handle, written at explicit offsets (<see cref="_activeBytes"/>).</summary>
    private SafeFileHandle? _active;
    /// <summary>Bytes written to the active segment: the offset of the next write.</summary>
    private long _activeBytes;
    /// <summary>The pieces of one gathering write (writer thread only).</summary>
    private readonly List<ReadOnlyMemory<byte>> _pieces = [];
    private long _activeFirstSequence = -1;
    /// <summary>Sequences whose write failed since the last <see cref="ForgetFailedThrough"/>, ascending (guarded by itself).</summary>
    private readonly List<long> _failed = [];
    private long _writeFailures;
    /// <summary>The error of the last failed write, until a write succeeds again (null while writes succeed).</summary>
    private volatile string? _failing;

    private WriteAheadLog(string directory, WalOptions options, ILogger log, long nextSequence, List<long> segments)
    {
        _directory = directory;
        _options = options;
        _log = log;
        _nextSequence = nextSequence;
        _segments = segments;
        new Thread(WriteLoop) { IsBackground = true, Name = "wal-writer" }.Start();
    }

    /// <summary>The sequence number the next append will get.</summary>
    public long NextSequence
    {
        get
        {
            lock (_queueGate)
            {
                return _nextSequence;
            }
        }
    }

    /// <summary>
    /// How much longer than <see cref="WalOptions.SyncInterval"/> the oldest record not yet durable
    /// has waited (zero when every record is durable): the log's queueing delay, which grows
    /// without bound when appends arrive faster than the disk and the writer's share of the CPU
    /// can commit them.
    /// </summary>
    public TimeSpan Backlog
    {
        get
        {
            long oldest;
            lock (_queueGate)
            {
                oldest = _writingSince != 0 ? _writingSince : _queue.TryPeek(out var head) ? head.QueuedAt : 0;
            }
            if (oldest == 0)
            {
                return TimeSpan.Zero;
            }
            var waited = Stopwatch.GetElapsedTime(oldest) - (_options.SyncMode == WalSyncMode.Fsync ? _options.SyncInterval : TimeSpan.Zero);
            return waited > TimeSpan.Zero ? waited : TimeSpan.Zero;
        }
    }

    /// <summary>
    /// The shortest commit (one write and its fsync) of the last 10–20 s: what the disk needs for a
    /// commit of its own, whatever the size of the batches queued behind it. Against it
    /// <see cref="Backlog"/> is judged: a slow disk that keeps up is not a standing queue.
    /// </summary>
    public TimeSpan FastestRecentCommit => Stopwatch.GetElapsedTime(0, _commitPace.Value);

    /// <summary>Batches written so far (group commits: one write, and one fsync in <see cref="WalSyncMode.Fsync"/>, each).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Records written so far.</summary>
    public long RecordsWritten => Interlocked.Read(ref _recordsWritten);

    /// <summary>CPU time of the writer thread so far, as of its last commit (0 where the thread clock is not available).</summary>
    public TimeSpan WriterCpu => TimeSpan.FromTicks(Interlocked.Read(ref _writerCpuNanos) / 100);

    /// <summary>Batches whose write or fsync failed so far (each failed its appends, which nothing replays).</summary>
    public long WriteFailures => Interlocked.Read(ref _writeFailures);

    /// <summary>Why the last write failed, while writes keep failing; null once one succeeds again.</summary>
    public string? Failing => _failing;

    /// <summary>
    /// The sequences at or below <paramref name="sequence"/> whose write failed: their appends were
    /// told so, their bytes were cut off the segment, and the rows buffered for them must not be
    /// flushed. Complete only once every append up to <paramref name="sequence"/> has finished.
    /// </summary>
    public IReadOnlyList<long> FailedThrough(long sequence)
    {
        lock (_failed)
        {
            var count = 0;
            while (count < _failed.Count && _failed[count] <= sequence)
            {
                count++;
            }
            return count == 0 ? [] : _failed.GetRange(0, count);
        }
    }

    /// <summary>Forgets the failed sequences at or below <paramref name="sequence"/> (a flush has passed them).</summary>
    public void ForgetFailedThrough(long sequence)
    {
        lock (_failed)
        {
            var count = 0;
            while (count < _failed.Count && _failed[count] <= sequence)
            {
                count++;
            }
            _failed.RemoveRange(0, count);
        }
    }

    /// <summary>Segment files currently on disk.</summary>
    public int SegmentCount
    {
        get
        {
            lock (_segmentsLock)
            {
                return _segments.Count;
            }
        }
    }

    /// <summary>
    /// Queues a record. The sequence is assigned at once, in call order; the returned task completes
    /// when the record is durable (per <see cref="WalOptions.SyncMode"/>) and faults if writing failed.
    /// </summary>
    public long Append(byte kind, ReadOnlyMemory<byte> payload, out Task durable)
    {
        CheckSize(payload.Length);
        return Queue(new PendingAppend(kind, payload, null), out durable);
    }

    /// <summary>
    /// Queues a record whose payload is the first <paramref name="length"/> bytes of
    /// <paramref name="rented"/>, an array from <see cref="ArrayPool{T}.Shared"/> that the log now
    /// owns and returns to the pool once the record is written (or failed).
    /// </summary>
    internal long AppendRented(byte kind, byte[] rented, int length, out Task durable)
    {
        try
        {
            CheckSize(length);
            return Queue(new PendingAppend(kind, rented.AsMemory(0, length), rented), out durable);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(rented);
            throw;
        }
    }

    private void CheckSize(int payloadLength)
    {
        if (payloadLength + BodyPrefixBytes > _options.MaxRecordBytes)
        {
            throw new ArgumentException(
                $"A log record of {payloadLength + BodyPrefixBytes} bytes is over the limit wal_max_record_bytes={_options.MaxRecordBytes}.", nameof(payloadLength));
        }
    }

    private long Queue(PendingAppend pending, out Task durable)
    {
        lock (_queueGate)
        {
            if (_closed)
            {
                throw new ObjectDisposedException(nameof(WriteAheadLog), "The write-ahead log is closed.");
            }
            pending.Sequence = _nextSequence++;
            pending.QueuedAt = Stopwatch.GetTimestamp();
            _queue.Enqueue(pending);
            if (_writerWaiting)
            {
                Monitor.Pulse(_queueGate);
            }
        }
        durable = pending.Completion.Task;
        return pending.Sequence;
    }

    /// <summary>Deletes the segments whose records all have sequences at or below <paramref name="checkpoint"/>.</summary>
    public int RemoveThrough(long checkpoint)
    {
        var removed = 0;
        lock (_segmentsLock)
        {
            // Segment i holds [segments[i], segments[i+1]); the active (last) segment is never removed.
            while (_segments.Count > 1 && _segments[1] <= checkpoint + 1)
            {
                var path = SegmentPath(_segments[0]);
                try
                {
                    File.Delete(path);
                }
                catch (IOException e)
                {
                    _log.LogWarning(e, "Could not delete log segment {Path}; will try again after the next flush.", path);
                    break;
                }
                _segments.RemoveAt(0);
                removed++;
            }
        }
        return removed;
    }

    private string SegmentPath(long firstSequence) =>
        Path.Combine(_directory, firstSequence.ToString("D20", CultureInfo.InvariantCulture) + SegmentExtension);

    private void WriteLoop()
    {
        var batch = new List<PendingAppend>();
        try
        {
            while (Take(batch, out var bytes))
            {
                try
                {
                    var writeStarted = Stopwatch.GetTimestamp();
                    WriteBatch(batch, bytes);
                    _commitPace.Add(Stopwatch.GetTimestamp() - writeStarted, writeStarted);
                    if (_failing is not null)
                    {
                        _log.LogInformation("The write-ahead log is written again after {Failures} failed writes.", WriteFailures);
                        _failing = null;
                    }
                    Interlocked.Increment(ref _commits);
                    Interlocked.Add(ref _recordsWritten, batch.Count);
                    Interlocked.Exchange(ref _writerCpuNanos, ThreadCpu.Nanoseconds());
                    _lastCommitRecords = batch.Count;
                    _lastCommitEnd = Stopwatch.GetTimestamp();
                    foreach (var p in batch)
                    {
                        p.Completion.TrySetResult();
                    }
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref _writeFailures);
                    if (_failing is null)
                    {
                        _log.LogError(e, "Writing {Count} records to the write-ahead log failed; their appends are refused, and later appends try again.", batch.Count);
                    }
                    _failing = StorageErrors.Describe(e);
                    DiscardFailedBatch();
                    lock (_failed)
                    {
                        foreach (var p in batch)
                        {
                            _failed.Add(p.Sequence);
                        }
                    }
                    foreach (var p in batch)
                    {
                        p.Completion.TrySetException(new StoreUnavailableException(
                            $"The write-ahead log could not be written ({StorageErrors.Describe(e)}); nothing of this request was kept. Retry once the disk has room and is writable.", e));
                    }
                }
                lock (_queueGate)
                {
                    _writingSince = 0;
                }
                foreach (var p in batch)
                {
                    p.ReturnRented();
                }
                batch.Clear();
            }
            CloseActive();
            _writerDone.TrySetResult();
        }
        catch (Exception e)
        {
            // Only a bug gets here (write failures are handled per batch); fail the waiters rather than hang them.
            _log.LogCritical(e, "The write-ahead log's writer stopped.");
            lock (_queueGate)
            {
                _closed = true;
                batch.AddRange(_queue);
                _queue.Clear();
            }
            foreach (var p in batch)
            {
                p.Completion.TrySetException(new IOException("The write-ahead log's writer stopped: " + e.Message, e));
            }
            _writerDone.TrySetException(e);
        }
    }

    /// <summary>
    /// Waits for appends and moves the waiting ones (up to <see cref="WalOptions.MaxBatchBytes"/>,
    /// at least one) into <paramref name="batch"/>. False once the log is closed and drained.
    /// </summary>
    private bool Take(List<PendingAppend> batch, out int bytes)
    {
        bytes = 0;
        int waiting;
        bool gathered;
        lock (_queueGate)
        {
            while (_queue.Count == 0)
            {
                if (_closed)
                {
                    return false;
                }
                _writerWaiting = true;
                Monitor.Wait(_queueGate);
                _writerWaiting = false;
            }
            waiting = _queue.Count;
            gathered = WaitForSyncInterval();
        }
        // After the sync interval's wait the appends that arrived meanwhile are already gathered.
        if (!gathered && _options.SyncDelay > TimeSpan.Zero && (waiting > 1 || _lastCommitRecords > 1))
        {
            // Appends are arriving concurrently: gather the ones that arrive meanwhile into the same fsync.
            Thread.Sleep(_options.SyncDelay);
        }
        lock (_queueGate)
        {
            while (_queue.TryPeek(out var next) && (batch.Count == 0 || bytes + RecordBytes(next) <= _options.MaxBatchBytes))
            {
                batch.Add(_queue.Dequeue());
                bytes += RecordBytes(next);
            }
            _writingSince = batch[0].QueuedAt;
        }
        return true;
    }

    /// <summary>
    /// With <see cref="WalOptions.SyncInterval"/>, waits on the gate (called holding it; the wait
    /// releases it, so appends go on queueing) until the interval since the last commit has passed
    /// or the log closes, so that appends arriving meanwhile share the next fsync. True if it waited.
    /// </summary>
    private bool WaitForSyncInterval()
    {
        if (_options.SyncMode != WalSyncMode.Fsync || _options.SyncInterval <= TimeSpan.Zero || _lastCommitEnd == 0)
        {
            return false;
        }
        var waited = false;
        while (!_closed)
        {
            var remaining = _options.SyncInterval - Stopwatch.GetElapsedTime(_lastCommitEnd);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }
            // Not _writerWaiting: appends queue without waking the writer; Close still pulses.
            Monitor.Wait(_queueGate, remaining);
            waited = true;
        }
        return waited;
    }

    private static int RecordBytes(PendingAppend p) => HeaderBytes + BodyPrefixBytes + p.Payload.Length;

    /// <summary>
    /// Writes a batch with one gathering write (<c>pwritev</c>): each record's few header bytes and
    /// its payload where it already is, instead of copying every payload into one buffer first (a
    /// second copy of each ingest's bytes, about 17 KB per profile in the benchmark, on top of the
    /// kernel's own; docs/benchmarks.md, change 32).
    /// </summary>
    private void WriteBatch(List<PendingAppend> batch, int bytes)
    {
        var segment = ActiveSegment(batch[0].Sequence, bytes);
        const int prefixBytes = HeaderBytes + BodyPrefixBytes;
        var prefixes = ArrayPool<byte>.Shared.Rent(batch.Count * prefixBytes);
        try
        {
            _pieces.Clear();
            for (var i = 0; i < batch.Count; i++)
            {
                var prefix = prefixes.AsMemory(i * prefixBytes, prefixBytes);
                EncodePrefix(batch[i], prefix.Span);
                _pieces.Add(prefix);
                _pieces.Add(batch[i].Payload);
            }
            RandomAccess.Write(segment, _pieces, _activeBytes);
            _activeBytes += bytes;
            if (_options.SyncMode == WalSyncMode.Fsync)
            {
                RandomAccess.FlushToDisk(segment);
            }
        }
        finally
        {
            _pieces.Clear();
            ArrayPool<byte>.Shared.Return(prefixes);
        }
    }

    /// <summary>The record's header and body prefix (<see cref="HeaderBytes"/> + <see cref="BodyPrefixBytes"/>); the payload follows it on disk.</summary>
    private static void EncodePrefix(PendingAppend p, Span<byte> destination)
    {
        var bodyLength = BodyPrefixBytes + p.Payload.Length;
        var bodyPrefix = destination.Slice(HeaderBytes, BodyPrefixBytes);
        BinaryPrimitives.WriteInt64LittleEndian(bodyPrefix, p.Sequence);
        bodyPrefix[8] = p.Kind;
        var crc = Crc32C.Append(Crc32C.Append(Crc32C.Start, bodyPrefix), p.Payload.Span);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)bodyLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Crc32C.Finish(crc));
    }

    private SafeFileHandle ActiveSegment(long firstSequence, int incomingBytes)
    {
        if (_active is not null && _activeBytes > 0 && _activeBytes + incomingBytes > _options.SegmentBytes)
        {
            CloseActive();
        }
        if (_active is null)
        {
            var path = SegmentPath(firstSequence);
            _active = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
            _activeBytes = 0;
            _activeFirstSequence = firstSequence;
            lock (_segmentsLock)
            {
                _segments.Add(firstSequence);
            }
            // A failure here fails the batch; the empty segment stays the active one for the next.
            AtomicFile.SyncDirectory(_directory);
        }
        return _active;
    }

    /// <summary>
    /// After a failed write or fsync: cuts the active segment back to where the batch began, so that
    /// none of its records (told they failed) can be replayed, and makes the cut durable. Shrinking
    /// a file needs no free space. If even that fails, the segment is closed and the next batch
    /// starts a new one; replay then drops a torn tail, but complete records of the failed batch
    /// could survive there, and the error log line says so.
    /// </summary>
    private void DiscardFailedBatch()
    {
        if (_active is null)
        {
            return;
        }
        try
        {
            RandomAccess.SetLength(_active, _activeBytes);
            RandomAccess.FlushToDisk(_active);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.LogError(e, "Cutting log segment {First} back to {Bytes} bytes after a failed write failed too; records of the failed appends may be replayed at the next start.",
                _activeFirstSequence, _activeBytes);
            try
            {
                _active.Dispose();
            }
            finally
            {
                _active = null;
            }
        }
    }

    private void CloseActive()
    {
        if (_active is null)
        {
            return;
        }
        try
        {
            RandomAccess.FlushToDisk(_active);
        }
        catch (IOException e)
        {
            _log.LogWarning(e, "Closing log segment {First} failed.", _activeFirstSequence);
        }
        _active.Dispose();
        _active = null;
    }

    public async ValueTask DisposeAsync()
    {
        lock (_queueGate)
        {
            _closed = true;
            Monitor.Pulse(_queueGate);
        }
        await _writerDone.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// The minimum of the values added over the last one or two windows (two buckets: the window
    /// under way and the one before it), as a pace estimate that forgets an old fast value within
    /// two windows. Written by one thread, read by any.
    /// </summary>
    internal sealed class WindowedMinimum(long window)
    {
        private long _windowStart;
        private long _current = long.MaxValue;
        private long _previous = long.MaxValue;

        public void Add(long value, long now)
        {
            if (now - Volatile.Read(ref _windowStart) >= window)
            {
                Volatile.Write(ref _previous, Volatile.Read(ref _current));
                Volatile.Write(ref _current, value);
                Volatile.Write(ref _windowStart, now);
            }
            else if (value < Volatile.Read(ref _current))
            {
                Volatile.Write(ref _current, value);
            }
        }

        /// <summary>The minimum (0 before anything was added).</summary>
        public long Value => Math.Min(Volatile.Read(ref _current), Volatile.Read(ref _previous)) is var v and not long.MaxValue ? v : 0;
    }

    private sealed class PendingAppend(byte kind, ReadOnlyMemory<byte> payload, byte[]? rented)
    {
        private byte[]? _rented = rented;

        public byte Kind { get; } = kind;
        public ReadOnlyMemory<byte> Payload { get; } = payload;

        public void ReturnRented()
        {
            if (_rented is { } array)
            {
                _rented = null;
                ArrayPool<byte>.Shared.Return(array);
            }
        }

        public long Sequence { get; set; }
        public long QueuedAt { get; set; }
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    internal static ILogger OrNull(ILogger? log) => log ?? NullLogger.Instance;
}
