using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using GrafanaProfiles.Collector.Ingest.Auth;
using GrafanaProfiles.Collector.Ingest.Limits;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Write;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrafanaProfiles.Collector.Ingest;

/// <summary>
/// The one door every ingest path passes through — Pyroscope's /ingest, the push API, OTLP and
/// scraping — with its steps in order: ready → tenant and credentials → body within
/// <c>max_body_bytes</c> → tenant rate → a bounded number of requests decoding at once (memory
/// stays flat under overload) → the one Content-Encoding step → the API's decoder → active-series
/// limit → one all-or-nothing append to the store, acknowledged once it is in the write-ahead log.
/// Every refusal has a reason from the one closed set (<see cref="RejectReason"/>), its HTTP status
/// from the one table (<see cref="Rejections"/>), a message naming the limit, and a count at the
/// <see cref="IIngestObserver"/>; nothing of a refused request is stored. See README.md here.
/// </summary>
public sealed partial class IngestDoor : IDisposable
{
    private readonly IIngestStore _store;
    private readonly IngestPolicy _policy;
    private readonly IIngestObserver _observer;
    private readonly TimeProvider _clock;
    private readonly ILogger _log;
    private readonly TenantAuthenticator _auth;
    private readonly TenantRateLimiter _rate;
    private readonly SemaphoreSlim _decoding;
    private readonly Func<long> _residentBytes;
    /// <summary>Body bytes read and not yet handed to the log (<c>max_inflight_bytes</c>).</summary>
    private long _inflightBytes;
    private readonly StandingQueue _queue;
    /// <summary>The same criterion over the write-ahead log's queueing delay (<see cref="ProfileWriter.WalBacklog"/>).</summary>
    private readonly StandingQueue _logQueue;
    private long _residentCheckedAt;
    private long _resident;
    private long _lastCollectAt;

    public IngestDoor(IIngestStore store, IngestPolicy policy, IIngestObserver? observer = null, TimeProvider? clock = null, ILogger? log = null,
        Func<long>? residentBytes = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(policy);
        _store = store;
        _policy = policy;
        _observer = observer ?? NoIngestObserver.Instance;
        _clock = clock ?? TimeProvider.System;
        _log = log ?? NullLogger.Instance;
        _auth = new TenantAuthenticator(policy.Auth);
        _rate = new TenantRateLimiter(policy.IngestionRateBytes, policy.IngestionBurstBytes, _clock);
        _decoding = new SemaphoreSlim(policy.MaxConcurrentIngests, policy.MaxConcurrentIngests);
        _residentBytes = residentBytes ?? ResidentMemory.Bytes;
        _queue = new StandingQueue(policy.IngestQueueTarget, StandingQueueTime);
        _logQueue = new StandingQueue(policy.IngestQueueTarget, StandingQueueTime, LogQueueMemory);
        Series = new SeriesLimiter(policy.MaxSeriesPerTenant, policy.SeriesIdleTime, _clock);
    }

    public IngestPolicy Policy => _policy;

    /// <summary>The decoders' limits.</summary>
    public IngestLimits Limits => _policy.Decode;

    /// <summary>Active series per tenant (for <c>max_series_per_tenant</c>).</summary>
    public SeriesLimiter Series { get; }

    /// <summary>True while a standing queue shortens the wait for a decoding slot to <c>ingest_queue_target</c>.</summary>
    public bool QueueStanding => _queue.Standing;

    /// <summary>True while a standing queue in the write-ahead log has uploads refused at the door's entry.</summary>
    public bool LogQueueStanding => _logQueue.Standing;

    /// <summary>Body bytes read and not yet handed to the log.</summary>
    public long InflightBytes => Interlocked.Read(ref _inflightBytes);

    public void Dispose() => _decoding.Dispose();

    /// <summary>
    /// Takes one request through every step. Returns how it ended: refusals are results, never
    /// exceptions; what throws is a failure of the collector itself (the log could not be written)
    /// or cancellation.
    /// </summary>
    public async Task<IngestResult> IngestAsync(IngestRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.GetTimestamp();
        var tenant = "unknown";
        byte[]? rented = null;
        var holdsSlot = false;
        long reserved = 0;
        try
        {
            var writer = _store.Writer ?? throw NotReady();
            tenant = request.TrustedTenant is { } trusted ? Trusted(trusted) : _auth.Authenticate(request.TenantHeader, request.Authorization);
            CheckMemory(writer);
            CheckLogQueue(writer);
            ReadOnlyMemory<byte> body;
            if (request.BodyStream is { } stream)
            {
                reserved = Reserve(request.ContentLength ?? 64 * 1024);
                (rented, var length) = await ReadBodyAsync(stream, request.ContentLength, cancellationToken).ConfigureAwait(false);
                reserved = Adjust(reserved, rented.Length);
                body = rented.AsMemory(0, length);
            }
            else
            {
                body = request.Body;
                CheckBodySize(body.Length);
            }
            if (!_rate.TryTake(tenant, body.Length, out var wait))
            {
                throw new ProfileRejectedException(RejectReason.RateLimited,
                    $"Tenant '{tenant}' is over its ingestion rate limit ingestion_rate_bytes={_policy.IngestionRateBytes}/s (burst {_policy.IngestionBurstBytes}); this request has {body.Length} bytes. Retry after {wait.TotalSeconds:0} s.")
                { RetryAfter = wait };
            }
            await TakeSlotAsync(cancellationToken).ConfigureAwait(false);
            holdsSlot = true;
            var (appended, decoded) = DecodeAndAppend(writer, request, tenant, body, cancellationToken);
            // The records are in the log's queue and the write buffer, their bytes copied: the body
            // goes back to its pool and the decoding slot to the next request while this one waits
            // for its group commit. Held across the wait, the slots (4 on 2 cores) capped the
            // collector at 4 requests per commit (docs/benchmarks.md, change 28).
            ReturnBody(ref rented);
            Release(ref reserved);
            _decoding.Release();
            holdsSlot = false;
            var logStarted = Stopwatch.GetTimestamp();
            await appended.ConfigureAwait(false);
            var logDuration = Stopwatch.GetElapsedTime(logStarted);
            if (decoded.Dropped.Count > 0)
            {
                foreach (var (reason, count) in decoded.Dropped)
                {
                    _observer.ProfilesDropped(request.Api, tenant, reason, count);
                }
            }
            _observer.Accepted(request.Api, tenant, decoded.Profiles, decoded.Samples, body.Length, Stopwatch.GetElapsedTime(started), logDuration);
            return IngestResult.Stored(decoded.Profiles, decoded.Samples, decoded.DroppedProfiles, decoded.DroppedMessage);
        }
        catch (Exception e) when (AsRejection(e) is { } rejection)
        {
            _observer.Refused(request.Api, tenant, rejection.Reason);
            _log.LogInformation("Refused {Api} request of tenant {Tenant}: {Reason}: {Message}", ApiName(request.Api), tenant, Rejections.Name(rejection.Reason), rejection.Message);
            return IngestResult.Refused(rejection.Reason, rejection.Message, rejection.RetryAfter);
        }
        finally
        {
            ReturnBody(ref rented);
            Release(ref reserved);
            if (holdsSlot)
            {
                _decoding.Release();
            }
        }
    }

    /// <summary>The API's name as the metrics and logs give it.</summary>
    public static string ApiName(IngestApi api) => api switch
    {
        IngestApi.Pyroscope => "pyroscope",
        IngestApi.Push => "push",
        IngestApi.Otlp => "otlp",
        IngestApi.Scrape => "scrape",
        _ => api.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// Content-Encoding, decode, series limit, and the append up to the point where the records are
    /// queued (the returned task completes when they are durable). The decoded body is returned to
    /// its pool before this returns: the writer has copied what it logs.
    /// </summary>
    private (Task Appended, DecodedRecords Decoded) DecodeAndAppend(ProfileWriter writer, IngestRequest request, string tenant, ReadOnlyMemory<byte> body,
        CancellationToken cancellationToken)
    {
        using var content = ContentEncoding.Decode(request.ContentEncoding, body, Limits);
        var decoded = DecodeGuarded(request, tenant, content.Body);
        if (decoded.Records.Count == 0)
        {
            // Accepted with nothing to keep: an empty body, a legacy span profile, profiles of zeros.
            return (Task.CompletedTask, decoded);
        }
        AdmitSeries(tenant, decoded.Records);
        return (writer.AppendAllAsync(tenant, decoded.Records, cancellationToken), decoded);
    }

    /// <summary>
    /// The decode step, where nothing but a refusal may come out: a decoder's exception that is not
    /// one (a bug, or input no check foresaw) refuses the request as invalid, 400, and is logged
    /// with its stack as a warning, instead of answering the sender 500 for its own bytes.
    /// </summary>
    private DecodedRecords DecodeGuarded(IngestRequest request, string tenant, ReadOnlyMemory<byte> body)
    {
        try
        {
            return Decode(request, body);
        }
        catch (Exception e) when (e is not (ProfileRejectedException or OperationCanceledException or OutOfMemoryException))
        {
            _log.LogWarning(e, "The {Api} decoder failed on a request of tenant {Tenant}; the request is refused as invalid.", ApiName(request.Api), tenant);
            throw new ProfileRejectedException(RejectReason.InvalidRequest,
                $"The {ApiName(request.Api)} request body could not be decoded ({e.GetType().Name}): {e.Message}", e);
        }
    }

    private void AdmitSeries(string tenant, IReadOnlyList<WalAppend> records)
    {
        var ids = new HashSet<ulong>();
        foreach (var record in records)
        {
            foreach (var profile in record.Batch.Profiles)
            {
                ids.Add(profile.SeriesId);
            }
        }
        if (!Series.TryAdmit(tenant, ids, out var active, out var added))
        {
            throw new ProfileRejectedException(RejectReason.SeriesLimit,
                $"Tenant '{tenant}' has {active} active series; this request adds {added} more, over the limit max_series_per_tenant={_policy.MaxSeriesPerTenant}. Reduce label cardinality or raise the limit.")
            { RetryAfter = TimeSpan.FromMinutes(1) };
        }
    }

    /// <summary>Retry-After of a refusal for a disk that cannot keep data.</summary>
    internal static readonly TimeSpan StorageRetryAfter = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Waits for a decoding slot: at once without a queue, up to <c>ingest_queue_wait</c> in a
    /// burst, and at most <c>ingest_queue_target</c> while the queue stands (<see cref="StandingQueue"/>).
    /// </summary>
    private async Task TakeSlotAsync(CancellationToken cancellationToken)
    {
        if (_decoding.Wait(0, CancellationToken.None))
        {
            _queue.NoWait();
            return;
        }
        var standing = _queue.Standing;
        var started = Stopwatch.GetTimestamp();
        if (!await _decoding.WaitAsync(standing ? _policy.IngestQueueTarget : _policy.IngestQueueWait, cancellationToken).ConfigureAwait(false))
        {
            throw new ProfileRejectedException(RejectReason.Overloaded, standing
                ? $"The collector is overloaded: requests have waited over ingest_queue_target={_policy.IngestQueueTarget.TotalMilliseconds:0} ms for one of max_concurrent_ingests={_policy.MaxConcurrentIngests} decoding slots for a while; retry shortly."
                : $"{_policy.MaxConcurrentIngests} requests are being decoded already (max_concurrent_ingests) and none finished within ingest_queue_wait={_policy.IngestQueueWait.TotalSeconds:0.###} s; retry shortly.")
            { RetryAfter = TimeSpan.FromSeconds(1) };
        }
        var now = Stopwatch.GetTimestamp();
        if (_queue.Waited(Stopwatch.GetElapsedTime(started, now), now))
        {
            _log.LogWarning("Ingest is overloaded: every request has waited at least {Target} ms for a decoding slot for {Time} ms; requests now wait at most that long.",
                _policy.IngestQueueTarget.TotalMilliseconds, StandingQueueTime.TotalMilliseconds);
        }
    }

    /// <summary>
    /// Refuses an upload, before its body is read, while the write-ahead log has a standing queue:
    /// its oldest append not yet durable has waited, without a break for
    /// <see cref="StandingQueueTime"/>, at least <c>ingest_queue_target</c> and at least twice the
    /// log's fastest recent commit (what a record waits when the log keeps up: the commit under
    /// way, then its own — so a slow disk that keeps up is not taken for overload; the fastest, not
    /// the last, because a commit's time grows with the batch a queue makes). The decoding slots are given
    /// back before a request waits for its commit, so under sustained overload the queue forms
    /// here, where the log's writer competes with the decoders for the CPU: admitted, an upload
    /// would wait behind every one accepted before it (hundreds of milliseconds, growing with what
    /// the senders keep in flight). Refused at once, it costs little, and the uploads that are
    /// accepted keep their latency. A burst that the log commits within the interval is accepted
    /// whole; the queue stops standing as soon as the log's delay falls below the threshold.
    /// </summary>
    private void CheckLogQueue(ProfileWriter writer)
    {
        var backlog = writer.WalBacklog;
        var commit = writer.WalFastestRecentCommit;
        var threshold = commit + commit > _policy.IngestQueueTarget ? commit + commit : _policy.IngestQueueTarget;
        if (backlog < threshold)
        {
            _logQueue.NoWait();
            return;
        }
        if (_logQueue.Waited(backlog, Stopwatch.GetTimestamp()))
        {
            _log.LogWarning("Ingest is overloaded: the write-ahead log's oldest append has waited at least {Threshold} ms for {Time} ms; uploads are refused until it catches up.",
                threshold.TotalMilliseconds, StandingQueueTime.TotalMilliseconds);
        }
        if (_logQueue.Standing)
        {
            throw new ProfileRejectedException(RejectReason.Overloaded,
                $"The collector is overloaded: its write-ahead log has been more than {threshold.TotalMilliseconds:0} ms behind for a while (ingest_queue_target={_policy.IngestQueueTarget.TotalMilliseconds:0} ms, or twice its fastest recent commit); retry shortly.")
            { RetryAfter = TimeSpan.FromSeconds(1) };
        }
    }

    /// <summary>How soon after the log's queue stopped standing it stands again at once when its delay returns (CoDel's re-entry).</summary>
    internal static readonly TimeSpan LogQueueMemory = TimeSpan.FromSeconds(1);

    /// <summary>How long every request must wait past <c>ingest_queue_target</c> before the queue counts as standing (CoDel's interval).</summary>
    internal static readonly TimeSpan StandingQueueTime = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Refuses an upload while the collector's resident memory is above
    /// <see cref="IngestPolicy.MemoryRefusalShare"/> of <c>memory_limit</c>, and then asks the
    /// store to flush (its buffer is most of what an upload adds) and, at most once a second, the
    /// runtime for a full compacting collection that returns free memory to the system.
    /// The resident size is read at most every 20 ms.
    /// </summary>
    private void CheckMemory(ProfileWriter writer)
    {
        if (_policy.MemoryLimitBytes <= 0)
        {
            return;
        }
        var now = Stopwatch.GetTimestamp();
        if (Stopwatch.GetElapsedTime(Interlocked.Read(ref _residentCheckedAt), now) >= TimeSpan.FromMilliseconds(20))
        {
            Interlocked.Exchange(ref _resident, _residentBytes());
            Interlocked.Exchange(ref _residentCheckedAt, now);
        }
        var resident = Interlocked.Read(ref _resident);
        var threshold = (long)(_policy.MemoryLimitBytes * IngestPolicy.MemoryRefusalShare);
        if (resident < threshold)
        {
            return;
        }
        writer.RequestFlush();
        var last = Interlocked.Read(ref _lastCollectAt);
        if (Stopwatch.GetElapsedTime(last, now) >= TimeSpan.FromSeconds(1) && Interlocked.CompareExchange(ref _lastCollectAt, now, last) == last)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static _ => GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true), null);
        }
        throw new ProfileRejectedException(RejectReason.Overloaded,
            $"The collector uses {resident / 1048576} MiB of memory, at its limit (refusing above {IngestPolicy.MemoryRefusalShare:P0} of memory_limit={_policy.MemoryLimitBytes / 1048576} MiB); retry shortly.")
        { RetryAfter = TimeSpan.FromSeconds(1) };
    }

    /// <summary>Reserves <paramref name="bytes"/> of <c>max_inflight_bytes</c> for a body about to be read; a body alone may pass the limit.</summary>
    private long Reserve(long bytes)
    {
        var after = Interlocked.Add(ref _inflightBytes, bytes);
        if (after > _policy.MaxInflightBytes && after != bytes)
        {
            Interlocked.Add(ref _inflightBytes, -bytes);
            throw new ProfileRejectedException(RejectReason.Overloaded,
                $"{after - bytes} bytes of request bodies are being read or decoded already; this one would pass max_inflight_bytes={_policy.MaxInflightBytes}. Retry shortly.")
            { RetryAfter = TimeSpan.FromSeconds(1) };
        }
        return bytes;
    }

    /// <summary>Moves a reservation to the size of the buffer the body was read into.</summary>
    private long Adjust(long reserved, long actual)
    {
        Interlocked.Add(ref _inflightBytes, actual - reserved);
        return actual;
    }

    private void Release(ref long reserved)
    {
        if (reserved != 0)
        {
            Interlocked.Add(ref _inflightBytes, -reserved);
            reserved = 0;
        }
    }

    private ProfileRejectedException NotReady() => new(RejectReason.NotReady,
        _store.Failure is { } e ? $"The store could not be opened: {e.Message}" : "The collector is starting (replaying its write-ahead log); retry shortly.")
    { RetryAfter = TimeSpan.FromSeconds(1) };

    private static string Trusted(string tenant)
    {
        TenantAuthenticator.CheckTenantName(tenant);
        return tenant;
    }

    private static ProfileRejectedException? AsRejection(Exception e) => e switch
    {
        ProfileRejectedException r => r,
        StoreOverloadedException o => new ProfileRejectedException(RejectReason.Overloaded, o.Message) { RetryAfter = TimeSpan.FromSeconds(1) },
        // A disk that is full or read-only recovers in minutes, not milliseconds: ask for a longer pause.
        StoreUnavailableException u => new ProfileRejectedException(RejectReason.StorageUnavailable, u.Message, u) { RetryAfter = StorageRetryAfter },
        _ => null,
    };

    private void CheckBodySize(long length)
    {
        if (length > _policy.MaxBodyBytes)
        {
            throw BodyTooLarge($"The request body is {length.ToString(CultureInfo.InvariantCulture)} bytes, over the limit max_body_bytes={_policy.MaxBodyBytes}.");
        }
    }

    private static ProfileRejectedException BodyTooLarge(string message) => new(RejectReason.BodyTooLarge, message);

    /// <summary>Reads the body into a pooled buffer, refusing it as soon as it passes <c>max_body_bytes</c>.</summary>
    private async Task<(byte[] Buffer, int Length)> ReadBodyAsync(Stream body, long? declared, CancellationToken cancellationToken)
    {
        var maxBytes = _policy.MaxBodyBytes;
        if (declared is { } d)
        {
            CheckBodySize(d);
        }
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(declared ?? 64 * 1024, maxBytes) + 1);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return (buffer, length);
                }
                length += read;
                if (length > maxBytes)
                {
                    throw BodyTooLarge($"The request body is over the limit max_body_bytes={maxBytes}.");
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static void ReturnBody(ref byte[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
            rented = null;
        }
    }
}
