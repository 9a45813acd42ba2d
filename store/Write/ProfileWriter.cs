using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Partitions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrafanaProfiles.Store.Write;

/// <summary>One record of <see cref="ProfileWriter.AppendAllAsync"/>: the decoded batch and what the log keeps of it.</summary>
public sealed record WalAppend(ProfileBatch Batch, WalRecordKind Kind, ReadOnlyMemory<byte> Payload)
{
    /// <summary>
    /// Logged just before <see cref="Payload"/>: the record's decoder reads the two as one payload.
    /// Lets a codec log its own few header bytes and the original bytes without joining them into
    /// a new array first (the writer copies both once, into a pooled buffer).
    /// </summary>
    public ReadOnlyMemory<byte> Header { get; init; }
}

/// <summary>The store is buffering as much as it may; the caller should retry later (HTTP 429).</summary>
public sealed class StoreOverloadedException(string message) : Exception(message)
{
    public StoreOverloadedException() : this("The store is overloaded.") { }
    public StoreOverloadedException(string message, Exception inner) : this(message + " " + inner.Message) { }
}

/// <summary>
/// The store cannot keep what it is given: the write-ahead log cannot be written (the disk is full
/// or read-only), or the buffer is full because flushes keep failing for the same reason. Nothing
/// of the append was kept; the caller may retry once the disk recovers (HTTP 503).
/// </summary>
public sealed class StoreUnavailableException : IOException
{
    public StoreUnavailableException() : this("The store cannot write to its disk.") { }
    public StoreUnavailableException(string message) : base(message) { }
    public StoreUnavailableException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// The write side of the store. An append is acknowledged once it is in the write-ahead log;
/// buffered rows are flushed to Parquet on size or age; start-up replays the log beyond the last
/// flush. See docs/architecture.md, "Write path".
/// </summary>
public sealed partial class ProfileWriter : IAsyncDisposable
{
    private readonly StoreOptions _options;
    private readonly ILogger _log;
    private readonly PartitionLayout _layout;
    private readonly DuckDbDatabase _duck;
    /// <summary>The flushes' Parquet writer, created by the first flush (flushes run one at a time).</summary>
    private ParquetFileWriter? _parquet;
    private readonly Lock _bufferLock = new();
    private readonly SemaphoreSlim _flushLock = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<PartitionKey, WrittenSymbols> _written = [];
    private WriteAheadLog _wal = null!;
    private WriteBuffer _buffer = new();
    private WriterCheckpoint _checkpoint;
    private Task _flushLoop = Task.CompletedTask;

    private ProfileWriter(StoreOptions options, ILogger log, WriterCheckpoint checkpoint)
    {
        _options = options;
        _log = log;
        _layout = new PartitionLayout(options.DataDirectory);
        _checkpoint = checkpoint;
        _duck = DuckDbDatabase.Open(settings: new Dictionary<string, string>
        {
            ["threads"] = options.WriterThreads.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["memory_limit"] = options.WriterMemoryLimit,
            // DuckDB's default, stated: the series COPY keeps its rows in the order they are listed (see ParquetFileWriter).
            ["preserve_insertion_order"] = "true",
        });
    }

    public StoreOptions Options => _options;

    public PartitionLayout Layout => _layout;

    public WriterStats Stats { get; } = new();

    /// <summary>What start-up found in the log.</summary>
    public WalReplayResult Replay { get; private set; } = new(0, 0, 0, 1);

    /// <summary>
    /// Opens the writer: finishes a flush interrupted by a crash, replays the log beyond the last
    /// flush (decoding records with <paramref name="decoders"/> by kind; <see cref="WalRecordDecoders.Default"/>
    /// when null), flushes what it replayed, and starts the background flush loop. A record of a
    /// kind with no decoder stops the opening with an <see cref="InvalidDataException"/> naming the
    /// record and its kind, and leaves the log as it is.
    /// </summary>
    public static async Task<ProfileWriter> OpenAsync(StoreOptions options, WalRecordDecoders? decoders = null,
        ILogger? log = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var logger = log ?? NullLogger.Instance;
        Directory.CreateDirectory(options.DataDirectory);
        Directory.CreateDirectory(options.WalDirectory);
        var checkpoint = RecoverInterruptedFlush(options.WalDirectory, logger);
        RemoveLeftoverTemporaries(options.WalDirectory, logger);
        var writer = new ProfileWriter(options, logger, checkpoint);
        var registry = decoders ?? WalRecordDecoders.Default;
        writer._wal = WriteAheadLog.Open(options.WalDirectory, options.Wal, checkpoint.Sequence, record => writer.ReplayRecord(record, registry),
            out var replay, logger);
        writer.Replay = replay;
        if (writer._buffer.RowCount > 0)
        {
            try
            {
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or DuckDbException)
            {
                // A full or read-only disk: the replayed rows stay buffered (and in the log), the
                // flush loop tries again, and appends get refused until the disk recovers.
                logger.LogError(e, "Flushing the replayed log failed; the writer opens anyway and tries again in the background.");
            }
        }
        writer._flushLoop = Task.Run(() => writer.FlushLoopAsync(writer._stopping.Token), CancellationToken.None);
        return writer;
    }

    private static WriterCheckpoint RecoverInterruptedFlush(string walDirectory, ILogger log)
    {
        if (FlushManifest.TryRead(walDirectory) is { } manifest)
        {
            log.LogWarning("Finishing a flush that was interrupted: {Count} file(s) up to log sequence {Sequence}.",
                manifest.Renames.Count, manifest.Checkpoint.Sequence);
            manifest.Apply();
            manifest.Checkpoint.Write(walDirectory);
            FlushManifest.Delete(walDirectory);
        }
        return WriterCheckpoint.Read(walDirectory);
    }

    /// <summary>
    /// Deletes the temporaries a kill left in the log's folder (a checkpoint or flush manifest
    /// written to a temporary name and never renamed): a few hundred bytes each, never read, but
    /// one more at every such kill. Only this writer writes there, and it is not running yet.
    /// </summary>
    private static void RemoveLeftoverTemporaries(string walDirectory, ILogger log)
    {
        foreach (var temp in Directory.EnumerateFiles(walDirectory, PartitionLayout.TempPrefix + "*"))
        {
            try
            {
                File.Delete(temp);
                log.LogInformation("Removed {File}, a temporary left by an interrupted write.", Path.GetFileName(temp));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log.LogWarning(e, "Could not remove the leftover temporary {File}.", temp);
            }
        }
    }

    private void ReplayRecord(WalRecord record, WalRecordDecoders decoders)
    {
        if (DecodeReplayed(record, decoders, _log, _options.WalDirectory) is not var (tenant, batch))
        {
            Stats.ReplaySkipped++;
            return;
        }
        _buffer.Add(tenant, batch, record.Sequence, DateTime.UtcNow);
    }

    /// <summary>
    /// Decodes one replayed log record into its tenant and batch; null (with a log line) for a record
    /// that cannot be decoded again, which replay skips. <see cref="InvalidDataException"/> is kept for
    /// a record a newer build wrote (a kind no decoder handles, a codec version unknown here): it stops
    /// the start rather than drop acknowledged data, so decoders report damage with other exceptions.
    /// </summary>
    internal static (string Tenant, ProfileBatch Batch)? DecodeReplayed(WalRecord record, WalRecordDecoders decoders,
        ILogger log, string walDirectory)
    {
        var kind = (WalRecordKind)record.Kind;
        if (!decoders.TryGet(kind, out var decode))
        {
            throw new InvalidDataException(
                $"Log record {record.Sequence} has kind {WalRecordDecoders.Describe(kind)}, which no decoder handles; start the collector version that wrote it, or remove {walDirectory}.");
        }
        try
        {
            var (tenant, payload) = SplitEnvelope(record.Payload, record.Sequence);
            return (tenant, decode(payload));
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            log.LogError(e, "Log record {Sequence} could not be decoded again and is skipped.", record.Sequence);
            return null;
        }
    }

    /// <summary>Appends a batch, logged in the store's own encoding.</summary>
    public Task AppendAsync(string tenant, ProfileBatch batch, CancellationToken cancellationToken = default) =>
        AppendAsync(tenant, batch, WalRecordKind.Batch, ProfileBatchCodec.Encode(batch), cancellationToken);

    /// <summary>
    /// Appends a decoded batch whose original bytes (<paramref name="payload"/>, of a format a decoder
    /// of <paramref name="kind"/> reads) go into the log. Completes when the record is durable.
    /// </summary>
    public Task AppendAsync(string tenant, ProfileBatch batch, WalRecordKind kind, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
        AppendAllAsync(tenant, [new WalAppend(batch, kind, payload)], cancellationToken);

    /// <summary>
    /// Appends several records of one request, all or none: the buffer limit is checked for their
    /// sum before any is logged. Completes when all are durable.
    /// </summary>
    public async Task AppendAllAsync(string tenant, IReadOnlyList<WalAppend> records, CancellationToken cancellationToken = default)
    {
        PartitionLayout.ValidateTenant(tenant);
        // Each record's envelope is built once, in a pooled buffer that the log returns after
        // writing it. Before, a pprof append allocated three copies of its ~17 KB of gzipped bytes
        // (the codec's stream and array, the envelope); with the stack interner this took the
        // scale-1 benchmark from about 145 to 101 KiB allocated per ingested profile.
        var envelopes = new (byte[] Buffer, int Length)[records.Count];
        var handedOver = 0;
        try
        {
            for (var i = 0; i < records.Count; i++)
            {
                envelopes[i] = Envelope(tenant, records[i].Header.Span, records[i].Payload.Span);
            }
            var rows = 0;
            foreach (var r in records)
            {
                rows += r.Batch.SampleCount;
            }
            var durable = new Task[records.Count];
            lock (_bufferLock)
            {
                // Rows of a flush that failed wait too: while flushes fail, memory stays within the one limit.
                var waiting = _buffer.RowCount + (_failedFlush?.RowCount ?? 0);
                if (waiting + rows > _options.MaxBufferedSamples && waiting > 0)
                {
                    if (_flushFailure is { } failure)
                    {
                        // Not a passing peak: the rows cannot leave memory until the disk recovers.
                        Stats.Unavailable++;
                        throw new StoreUnavailableException(
                            $"{waiting} sample rows are waiting (the limit max_buffered_samples is {_options.MaxBufferedSamples}) because flushing them to Parquet fails ({failure}). Retry once the disk has room and is writable.");
                    }
                    // Full for this append, though perhaps below flush_max_samples (the two may be
                    // equal): the refusal starts the flush the retry needs, or every retry would be
                    // refused until flush_interval passed.
                    _flushRequested = true;
                    _flushSignal.TrySetResult();
                    Stats.Overloaded++;
                    throw new StoreOverloadedException(
                        $"{waiting} sample rows are waiting to be flushed, the limit max_buffered_samples is {_options.MaxBufferedSamples}; retry shortly.");
                }
                for (var i = 0; i < records.Count; i++)
                {
                    handedOver++;
                    var sequence = _wal.AppendRented((byte)records[i].Kind, envelopes[i].Buffer, envelopes[i].Length, out durable[i]);
                    // Buffered before it is durable, so that "everything up to sequence N is in this
                    // buffer" holds; if the log write fails, the flush drops these rows (FailedThrough).
                    _buffer.Add(tenant, records[i].Batch, sequence, DateTime.UtcNow, durable[i]);
                }
            }
            foreach (var r in records)
            {
                Stats.Appended(r.Batch.SampleCount, r.Header.Length + r.Payload.Length);
            }
            if (_buffer.RowCount >= _options.FlushMaxSamples)
            {
                _flushSignal.TrySetResult();
            }
            // One record (every pprof push and /ingest request): await it directly, without the
            // WhenAll task and its continuation in between.
            await (durable.Length == 1 ? durable[0] : Task.WhenAll(durable)).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Buffers not handed to the log (a refused or failed append) go back to the pool here.
            for (var i = handedOver; i < envelopes.Length; i++)
            {
                if (envelopes[i].Buffer is { } buffer)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
    }

    private static (byte[] Buffer, int Length) Envelope(string tenant, ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        var tenantLength = Encoding.UTF8.GetByteCount(tenant);
        var length = 2 + tenantLength + header.Length + payload.Length;
        var envelope = ArrayPool<byte>.Shared.Rent(length);
        BinaryPrimitives.WriteUInt16LittleEndian(envelope, (ushort)tenantLength);
        Encoding.UTF8.GetBytes(tenant, envelope.AsSpan(2, tenantLength));
        header.CopyTo(envelope.AsSpan(2 + tenantLength));
        payload.CopyTo(envelope.AsSpan(2 + tenantLength + header.Length));
        return (envelope, length);
    }

    /// <summary>The tenant and the codec's payload of a record <see cref="Envelope"/> made; a damaged one throws <see cref="FormatException"/>.</summary>
    private static (string Tenant, ReadOnlyMemory<byte> Payload) SplitEnvelope(ReadOnlyMemory<byte> envelope, long sequence)
    {
        var span = envelope.Span;
        if (span.Length < 2)
        {
            throw new FormatException($"Log record {sequence} is {span.Length} bytes, shorter than its 2-byte tenant length.");
        }
        var length = BinaryPrimitives.ReadUInt16LittleEndian(span);
        if (length > span.Length - 2)
        {
            throw new FormatException($"Log record {sequence} declares a tenant name of {length} bytes, more than the {span.Length - 2} bytes after it.");
        }
        var tenant = Encoding.UTF8.GetString(span.Slice(2, length));
        // The tenant becomes a directory name when the record is flushed: a damaged one is skipped here.
        if (!PartitionLayout.IsValidTenant(tenant))
        {
            throw new FormatException($"Log record {sequence} names tenant '{tenant}', which is not a valid tenant name.");
        }
        return (tenant, envelope[(2 + length)..]);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _flushSignal.TrySetResult();
        try
        {
            await _flushLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        // Graceful shutdown: everything acknowledged goes to Parquet now, not at the next start.
        try
        {
            await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or DuckDbException)
        {
            _log.LogError(e, "The final flush failed; the write-ahead log keeps the data for the next start.");
        }
        await _wal.DisposeAsync().ConfigureAwait(false);
        _parquet?.Dispose();
        _duck.Dispose();
        _flushLock.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Symbols already written to a partition by this writer, so later files need not repeat them.</summary>
    private sealed class WrittenSymbols
    {
        public HashSet<ulong> Series { get; } = [];
        public HashSet<ulong> Stacks { get; } = [];
        public HashSet<ulong> Functions { get; } = [];
        public DateTime LastWrittenUtc { get; set; }
    }

    /// <summary>A partition that received nothing for this long forgets which symbols it already has.</summary>
    private static readonly TimeSpan SymbolSetIdleTime = TimeSpan.FromMinutes(65);
}

/// <summary>Counters of the write side (exported as metrics by the hosts).</summary>
public sealed class WriterStats
{
    private long _profiles;
    private long _samples;
    private long _bytes;

    public long ProfilesAppended => Interlocked.Read(ref _profiles);
    public long SamplesAppended => Interlocked.Read(ref _samples);
    public long BytesAppended => Interlocked.Read(ref _bytes);
    public long Flushes { get; internal set; }
    public long FlushFailures { get; internal set; }
    public long FilesWritten { get; internal set; }
    public long RowsFlushed { get; internal set; }
    public TimeSpan LastFlushDuration { get; internal set; }
    /// <summary>Time spent writing Parquet files since start (the benchmark splits ingest time with it).</summary>
    public TimeSpan TotalFlushDuration { get; internal set; }
    /// <summary>
    /// CPU time of the flushes' threads since start (0 where the thread clock is not available).
    /// DuckDB's part (the series file) is included while <see cref="StoreOptions.WriterThreads"/>
    /// is 1, the default, when DuckDB runs it on the flush's thread; its own worker threads are not.
    /// </summary>
    public TimeSpan TotalFlushCpu { get; internal set; }
    public long Overloaded { get; internal set; }
    public long ReplaySkipped { get; internal set; }
    /// <summary>Buffered rows of appends whose log write failed, dropped at the flush instead of being written.</summary>
    public long FailedAppendRowsDropped { get; internal set; }
    /// <summary>Appends refused because the disk could not keep them (<see cref="StoreUnavailableException"/>) before reaching the log.</summary>
    public long Unavailable { get; internal set; }

    internal void Appended(int samples, int bytes)
    {
        Interlocked.Increment(ref _profiles);
        Interlocked.Add(ref _samples, samples);
        Interlocked.Add(ref _bytes, bytes);
    }
}
