using GrafanaProfiles.Collector.Ingest.Auth;
using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest;

/// <summary>
/// The limits the door enforces, each a named setting of the collector (the names its messages
/// use). Defaults follow Pyroscope's.
/// </summary>
public sealed record IngestPolicy
{
    /// <summary>Limits of the decoders: profile and request sizes, samples, labels, symbols.</summary>
    public IngestLimits Decode { get; init; } = IngestLimits.Default;

    /// <summary><c>max_body_bytes</c>: the request body as received (Pyroscope: distributor.ingestion-body-limit-mb = 256 MB).</summary>
    public long MaxBodyBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary><c>ingestion_rate_bytes</c>: body bytes per second per tenant (Pyroscope: ingestion-rate-limit-mb = 4).</summary>
    public long IngestionRateBytes { get; init; } = 4L * 1024 * 1024;

    /// <summary><c>ingestion_burst_bytes</c>: bytes a tenant may send at once above the rate (Pyroscope: ingestion-burst-size-mb = 2).</summary>
    public long IngestionBurstBytes { get; init; } = 2L * 1024 * 1024;

    /// <summary><c>max_series_per_tenant</c>: active series per tenant (Pyroscope: ingester.max-global-series-per-tenant).</summary>
    public int MaxSeriesPerTenant { get; init; } = 5_000;

    /// <summary><c>series_idle_time</c>: a series not seen for this long no longer counts as active.</summary>
    public TimeSpan SeriesIdleTime { get; init; } = TimeSpan.FromHours(1);

    /// <summary><c>max_concurrent_ingests</c>: requests decoded at the same time; more wait briefly, then are refused (memory stays flat under overload).</summary>
    public int MaxConcurrentIngests { get; init; } = Math.Max(4, Environment.ProcessorCount * 2);

    /// <summary><c>ingest_queue_wait</c>: how long a request waits for a decoding slot (absorbs bursts).</summary>
    public TimeSpan IngestQueueWait { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// <c>ingest_queue_target</c>: once every request has had to wait at least this long for a slot
    /// for a while (a standing queue: sustained overload, not a burst), requests wait at most this
    /// long, so that the accepted ones keep their latency and the rest get 429 at once.
    /// </summary>
    public TimeSpan IngestQueueTarget { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary><c>max_inflight_bytes</c>: body bytes of requests read but not yet handed to the log, over all requests.</summary>
    public long MaxInflightBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// <c>memory_limit</c>: the resident memory the collector stays under. Above
    /// <see cref="MemoryRefusalShare"/> of it, uploads are refused (429) until it falls again. 0: no limit.
    /// </summary>
    public long MemoryLimitBytes { get; init; }

    /// <summary>Share of <see cref="MemoryLimitBytes"/> above which uploads are refused: the rest is headroom for the requests already admitted.</summary>
    public const double MemoryRefusalShare = 0.85;

    /// <summary>Credentials per tenant (<c>auth</c>).</summary>
    public AuthPolicy Auth { get; init; } = AuthPolicy.None;
}
