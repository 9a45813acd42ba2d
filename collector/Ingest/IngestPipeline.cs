using System.Buffers;
using System.Diagnostics;
using GrafanaProfiles.Collector.Auth;
using GrafanaProfiles.Collector.Hosting;
using GrafanaProfiles.Collector.Limits;
using GrafanaProfiles.Collector.Telemetry;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Write;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Collector.Ingest;

/// <summary>What an API's decoder sees of a request (the body already freed of any Content-Encoding).</summary>
public sealed record IngestRequest(string Tenant, string? ContentType, ReadOnlyMemory<byte> Body, IQueryCollection Query, IHeaderDictionary Headers)
{
    /// <summary>Set by the pipeline: counts profiles a decoder left out of an otherwise accepted request (partial success).</summary>
    public Action<RejectionReason, int> ReportPartialRejection { get; init; } = (_, _) => { };
}

/// <summary>How a request ended: accepted (with counts) or refused (with reason and message).</summary>
public sealed record IngestOutcome(int Profiles, int Samples, RejectionReason? Reason = null, string? Message = null, TimeSpan? RetryAfter = null)
{
    public bool Accepted => Reason is null;

    public int StatusCode => Reason is { } r ? Rejections.StatusCode(r) : 200;
}

/// <summary>
/// The steps every ingest API shares, in order: ready, tenant and credentials, body size, tenant
/// rate, a bounded number of requests decoding at once (so memory stays flat under overload),
/// decode, active-series limit, then one all-or-nothing append to the store. Every refusal is
/// counted by reason; nothing of a refused request is stored.
/// </summary>
public sealed class IngestPipeline(
    StoreService store,
    CollectorSettings settings,
    CollectorMetrics metrics,
    TenantAuthenticator auth,
    SeriesLimiter series,
    TimeProvider clock,
    ILogger<IngestPipeline> log) : IDisposable
{
    private readonly TenantRateLimiter _rate = new(settings.Limits.IngestionRateBytes, settings.Limits.IngestionBurstBytes, clock);
    private readonly SemaphoreSlim _decoding = new(settings.Limits.MaxConcurrentIngests, settings.Limits.MaxConcurrentIngests);

    public IngestLimits Limits { get; } = settings.Limits.ToIngestLimits();

    public void Dispose() => _decoding.Dispose();

    public TimeProvider Clock => clock;

    public SeriesLimiter Series => series;

    public async Task<IngestOutcome> RunAsync(HttpContext http, string api, Func<IngestRequest, IReadOnlyList<WalAppend>> decode)
    {
        var started = Stopwatch.GetTimestamp();
        var tenant = "unknown";
        try
        {
            if (!store.IsReady)
            {
                throw new IngestRejectedException(RejectionReason.NotReady,
                    store.Failure is { } e ? $"The store could not be opened: {e.Message}" : "The collector is starting (replaying its write-ahead log); retry shortly.",
                    TimeSpan.FromSeconds(1));
            }
            tenant = auth.Authenticate(http.Request.Headers[TenantAuthenticator.TenantHeader], http.Request.Headers.Authorization);
            var (buffer, length) = await ReadBodyAsync(http.Request, settings.Limits.MaxBodyBytes, http.RequestAborted);
            try
            {
                if (!_rate.TryTake(tenant, length, out var wait))
                {
                    throw new IngestRejectedException(RejectionReason.RateLimited,
                        $"Tenant '{tenant}' is over its ingestion rate limit ingestion_rate_bytes={settings.Limits.IngestionRateBytes}/s (burst {settings.Limits.IngestionBurstBytes}); this request has {length} bytes. Retry after {wait.TotalSeconds:0} s.",
                        wait);
                }
                if (!await _decoding.WaitAsync(settings.Limits.IngestQueueWait, http.RequestAborted))
                {
                    throw new IngestRejectedException(RejectionReason.Overloaded,
                        $"{settings.Limits.MaxConcurrentIngests} requests are being decoded already (max_concurrent_ingests); retry shortly.",
                        TimeSpan.FromSeconds(1));
                }
                PooledBytes inflated = default;
                var decoding = true;
                try
                {
                    ReadOnlyMemory<byte> body = buffer.AsMemory(0, length);
                    var encoding = http.Request.Headers.ContentEncoding.ToString();
                    if (encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase))
                    {
                        inflated = GzipInflater.Inflate(body.Span, settings.Limits.MaxBodyBytes);
                        body = inflated.Memory;
                    }
                    else if (encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
                    {
                        throw new IngestRejectedException(RejectionReason.UnsupportedMediaType,
                            $"Content-Encoding '{encoding}' is not supported: send the body uncompressed or gzip-encoded.");
                    }
                    var tenantName = tenant;
                    var request = new IngestRequest(tenant, http.Request.ContentType, body, http.Request.Query, http.Request.Headers)
                    {
                        ReportPartialRejection = (reason, count) => metrics.Rejected.Inc(count, tenantName, Rejections.Name(reason)),
                    };
                    var records = decode(request);
                    AdmitSeries(tenant, records);
                    var walStarted = Stopwatch.GetTimestamp();
                    var appended = store.Writer.AppendAllAsync(tenant, records, http.RequestAborted);
                    // The records are in the log's queue and the write buffer (the request's bytes
                    // were copied): the decoding slot goes to the next request while this one waits
                    // for its fsync. Held across the wait, the slots (4 on 2 cores) capped the
                    // collector at 4 requests per commit: the load test's 16 senders reached half the
                    // rate with a 1 ms group-commit delay.
                    inflated.Dispose();
                    inflated = default;
                    _decoding.Release();
                    decoding = false;
                    await appended;
                    metrics.WalDuration.Observe(Stopwatch.GetElapsedTime(walStarted).TotalSeconds);
                    var profiles = records.Sum(r => r.Batch.Profiles.Count);
                    var samples = records.Sum(r => r.Batch.SampleCount);
                    metrics.Profiles.Inc(profiles, tenant, api);
                    metrics.Samples.Inc(samples, tenant, api);
                    metrics.Bytes.Inc(length, tenant, api);
                    metrics.Requests.Inc(1, api, "200");
                    metrics.Duration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds, api);
                    return new IngestOutcome(profiles, samples);
                }
                finally
                {
                    inflated.Dispose();
                    if (decoding)
                    {
                        _decoding.Release();
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (Exception e) when (AsRejection(e) is { } rejection)
        {
            metrics.Rejected.Inc(1, tenant, Rejections.Name(rejection.Reason));
            metrics.Requests.Inc(1, api, Rejections.StatusCode(rejection.Reason).ToString(System.Globalization.CultureInfo.InvariantCulture));
            log.LogInformation("Refused {Api} request of tenant {Tenant}: {Reason}: {Message}", api, tenant, Rejections.Name(rejection.Reason), rejection.Message);
            return new IngestOutcome(0, 0, rejection.Reason, rejection.Message, rejection.RetryAfter);
        }
    }

    private void AdmitSeries(string tenant, IReadOnlyList<WalAppend> records)
    {
        var ids = records.SelectMany(r => r.Batch.Profiles).Select(p => p.SeriesId).ToHashSet();
        if (!Series.TryAdmit(tenant, ids, out var active, out var added))
        {
            throw new IngestRejectedException(RejectionReason.SeriesLimit,
                $"Tenant '{tenant}' has {active} active series; this request adds {added} more, over the limit max_series_per_tenant={settings.Limits.MaxSeriesPerTenant}. Reduce label cardinality or raise the limit.",
                TimeSpan.FromMinutes(1));
        }
    }

    private static IngestRejectedException? AsRejection(Exception e) => e switch
    {
        IngestRejectedException r => r,
        ProfileRejectedException p => new IngestRejectedException(Rejections.From(p.Reason), p.Message),
        StoreOverloadedException o => new IngestRejectedException(RejectionReason.Overloaded, o.Message, TimeSpan.FromSeconds(1)),
        BadHttpRequestException b when b.StatusCode == 413 => new IngestRejectedException(RejectionReason.BodyTooLarge, b.Message),
        _ => null,
    };

    /// <summary>Reads the body into a pooled buffer, refusing it as soon as it passes the limit.</summary>
    private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } declared && declared > maxBytes)
        {
            throw new IngestRejectedException(RejectionReason.BodyTooLarge,
                $"The request body is {declared} bytes, over the limit max_body_bytes={maxBytes}.");
        }
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(request.ContentLength ?? 64 * 1024, maxBytes) + 1);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxBytes)
                    {
                        throw new IngestRejectedException(RejectionReason.BodyTooLarge, $"The request body is over the limit max_body_bytes={maxBytes}.");
                    }
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }
                length += read;
                if (length > maxBytes)
                {
                    throw new IngestRejectedException(RejectionReason.BodyTooLarge, $"The request body is over the limit max_body_bytes={maxBytes}.");
                }
            }
            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}
