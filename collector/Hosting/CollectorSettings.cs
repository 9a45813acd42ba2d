using System.Globalization;
using GrafanaProfiles.Collector.Ingest;
using GrafanaProfiles.Collector.Ingest.Auth;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Write;
using Microsoft.Extensions.Configuration;

namespace GrafanaProfiles.Collector.Hosting;

/// <summary>
/// The collector's settings, bound from (in rising priority) defaults, a JSON config file, GP_*
/// environment variables (<c>GP_LIMITS__MAX_SAMPLES_PER_PROFILE=20000</c>) and command-line options.
/// Names are snake_case as in the README.
/// </summary>
public sealed class CollectorSettings
{
    /// <summary>HTTP listen address; Pyroscope's port by default so clients need no change.</summary>
    [ConfigurationKeyName("listen")] public string Listen { get; set; } = "http://0.0.0.0:4040";
    [ConfigurationKeyName("data_dir")] public string DataDirectory { get; set; } = "data";
    [ConfigurationKeyName("writer_id")] public string? WriterId { get; set; }
    [ConfigurationKeyName("flush_interval")] public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);
    [ConfigurationKeyName("flush_max_samples")] public int FlushMaxSamples { get; set; } = 1_000_000;
    [ConfigurationKeyName("max_buffered_samples")] public int MaxBufferedSamples { get; set; } = 4_000_000;
    /// <summary><c>fsync</c> (acknowledge after fsync) or <c>none</c>.</summary>
    [ConfigurationKeyName("wal_sync")] public string WalSync { get; set; } = "fsync";
    [ConfigurationKeyName("wal_sync_delay")] public TimeSpan WalSyncDelay { get; set; } = new WalOptions().SyncDelay;
    [ConfigurationKeyName("wal_sync_interval")] public TimeSpan WalSyncInterval { get; set; } = new WalOptions().SyncInterval;
    [ConfigurationKeyName("retention")] public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);
    [ConfigurationKeyName("compaction_delay")] public TimeSpan CompactionDelay { get; set; } = TimeSpan.FromMinutes(5);
    [ConfigurationKeyName("maintenance_interval")] public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>
    /// The resident memory the collector stays under: above 85 % of it uploads get 429 until it
    /// falls, and the store's DuckDB may use half of it. 0 turns the check off.
    /// </summary>
    [ConfigurationKeyName("memory_limit")] public long MemoryLimit { get; set; } = 1024L * 1024 * 1024;
    /// <summary>How often opening the store is tried again after its disk refused (read-only, full, not permitted).</summary>
    [ConfigurationKeyName("store_open_retry_interval")] public TimeSpan StoreOpenRetryInterval { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary><c>text</c> or <c>json</c> (one JSON object per line).</summary>
    [ConfigurationKeyName("log_format")] public string LogFormat { get; set; } = "text";
    [ConfigurationKeyName("limits")] public LimitSettings Limits { get; set; } = new();
    [ConfigurationKeyName("auth")] public AuthSettings Auth { get; set; } = new();

    /// <summary>Scrape jobs resolved from the <c>scrape</c> section (see collector/Scrape/README.md).</summary>
    public IReadOnlyList<Scrape.ScrapeJob> ScrapeJobs { get; set; } = [];

    /// <summary>Recording rules resolved from the <c>recording_rules</c> section (see collector/Rules/README.md).</summary>
    public Rules.RecordingRuleSet RecordingRules { get; set; } = Rules.RecordingRuleSet.Empty;

    public StoreOptions ToStoreOptions()
    {
        var options = new StoreOptions
        {
            DataDirectory = Path.GetFullPath(DataDirectory),
            FlushInterval = FlushInterval,
            FlushMaxSamples = FlushMaxSamples,
            MaxBufferedSamples = MaxBufferedSamples,
            Retention = Retention,
            CompactionDelay = CompactionDelay,
            Wal = new WalOptions
            {
                SyncMode = WalSync.ToLowerInvariant() switch
                {
                    "fsync" => WalSyncMode.Fsync,
                    "none" => WalSyncMode.None,
                    _ => throw new SettingsException($"wal_sync must be 'fsync' or 'none', not '{WalSync}'."),
                },
                SyncDelay = WalSyncDelay,
                SyncInterval = WalSyncInterval,
            },
        };
        if (MemoryLimit > 0)
        {
            // DuckDB (the series files' COPY, compaction's merge) may use half of the collector's memory.
            options = options with { WriterMemoryLimit = (MemoryLimit / 2 / (1024 * 1024)).ToString(CultureInfo.InvariantCulture) + "MB" };
        }
        return WriterId is { Length: > 0 } id ? options with { WriterId = id } : options;
    }

    public void Validate()
    {
        if (!Uri.TryCreate(Listen, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new SettingsException($"listen must be an http URL such as http://0.0.0.0:4040, not '{Listen}'.");
        }
        if (LogFormat is not ("text" or "json"))
        {
            throw new SettingsException($"log_format must be 'text' or 'json', not '{LogFormat}'.");
        }
        if (MemoryLimit is < 0 or (> 0 and < 64L * 1024 * 1024))
        {
            throw new SettingsException($"memory_limit must be 0 (no limit) or at least 64 MiB (67108864), not {MemoryLimit.ToString(CultureInfo.InvariantCulture)}.");
        }
        if (StoreOpenRetryInterval <= TimeSpan.Zero || StoreOpenRetryInterval > TimeSpan.FromHours(1))
        {
            throw new SettingsException($"store_open_retry_interval must be above 0 and at most 1 hour, not {StoreOpenRetryInterval}.");
        }
        Limits.Validate();
        Auth.Validate();
        try
        {
            ToStoreOptions().Validate();
        }
        catch (ArgumentException e)
        {
            throw new SettingsException(e.Message);
        }
    }
}

/// <summary>Limits on what senders may send. Defaults follow Pyroscope's.</summary>
public sealed class LimitSettings
{
    /// <summary>Largest request body as received (Pyroscope: distributor.ingestion-body-limit-mb = 256 MB).</summary>
    [ConfigurationKeyName("max_body_bytes")] public long MaxBodyBytes { get; set; } = 256L * 1024 * 1024;
    /// <summary>Largest request body once its Content-Encoding is undone (a gzip bomb stops here).</summary>
    [ConfigurationKeyName("max_request_bytes")] public long MaxRequestBytes { get; set; } = IngestLimits.Default.MaxRequestBytes;
    [ConfigurationKeyName("max_decompressed_bytes")] public long MaxDecompressedBytes { get; set; } = IngestLimits.Default.MaxDecompressedBytes;
    [ConfigurationKeyName("max_samples_per_profile")] public int MaxSamplesPerProfile { get; set; } = IngestLimits.Default.MaxSamplesPerProfile;
    [ConfigurationKeyName("max_stack_depth")] public int MaxStackDepth { get; set; } = IngestLimits.Default.MaxStackDepth;
    [ConfigurationKeyName("max_labels_per_series")] public int MaxLabelsPerSeries { get; set; } = IngestLimits.Default.MaxLabelsPerSeries;
    [ConfigurationKeyName("max_label_name_length")] public int MaxLabelNameLength { get; set; } = IngestLimits.Default.MaxLabelNameLength;
    [ConfigurationKeyName("max_label_value_length")] public int MaxLabelValueLength { get; set; } = IngestLimits.Default.MaxLabelValueLength;
    [ConfigurationKeyName("max_symbol_length")] public int MaxSymbolLength { get; set; } = IngestLimits.Default.MaxSymbolLength;
    /// <summary>Active series per tenant (Pyroscope: ingester.max-global-series-per-tenant).</summary>
    [ConfigurationKeyName("max_series_per_tenant")] public int MaxSeriesPerTenant { get; set; } = 5_000;
    /// <summary>A series not seen for this long no longer counts as active.</summary>
    [ConfigurationKeyName("series_idle_time")] public TimeSpan SeriesIdleTime { get; set; } = TimeSpan.FromHours(1);
    /// <summary>Request body bytes per second per tenant (Pyroscope: ingestion-rate-limit-mb = 4).</summary>
    [ConfigurationKeyName("ingestion_rate_bytes")] public long IngestionRateBytes { get; set; } = 4L * 1024 * 1024;
    /// <summary>Bytes a tenant may send at once above the rate (Pyroscope: ingestion-burst-size-mb = 2).</summary>
    [ConfigurationKeyName("ingestion_burst_bytes")] public long IngestionBurstBytes { get; set; } = 2L * 1024 * 1024;
    /// <summary>Requests decoded at the same time; more wait briefly, then get 429 (keeps memory flat under overload).</summary>
    [ConfigurationKeyName("max_concurrent_ingests")] public int MaxConcurrentIngests { get; set; } = Math.Max(4, Environment.ProcessorCount * 2);
    [ConfigurationKeyName("ingest_queue_wait")] public TimeSpan IngestQueueWait { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Under a standing queue (sustained overload), the longest a request waits for a decoding slot.</summary>
    [ConfigurationKeyName("ingest_queue_target")] public TimeSpan IngestQueueTarget { get; set; } = TimeSpan.FromMilliseconds(50);
    /// <summary>Body bytes of requests read but not yet in the log, over all requests.</summary>
    [ConfigurationKeyName("max_inflight_bytes")] public long MaxInflightBytes { get; set; } = 64L * 1024 * 1024;

    public IngestLimits ToIngestLimits() => new()
    {
        MaxDecompressedBytes = MaxDecompressedBytes,
        MaxSamplesPerProfile = MaxSamplesPerProfile,
        MaxStackDepth = MaxStackDepth,
        MaxLabelsPerSeries = MaxLabelsPerSeries,
        MaxLabelNameLength = MaxLabelNameLength,
        MaxLabelValueLength = MaxLabelValueLength,
        MaxSymbolLength = MaxSymbolLength,
        MaxRequestBytes = MaxRequestBytes,
    };

    /// <summary>What the ingest door enforces, from these settings and <paramref name="auth"/>.</summary>
    public IngestPolicy ToIngestPolicy(AuthSettings auth) => new()
    {
        Decode = ToIngestLimits(),
        MaxBodyBytes = MaxBodyBytes,
        IngestionRateBytes = IngestionRateBytes,
        IngestionBurstBytes = IngestionBurstBytes,
        MaxSeriesPerTenant = MaxSeriesPerTenant,
        SeriesIdleTime = SeriesIdleTime,
        MaxConcurrentIngests = MaxConcurrentIngests,
        IngestQueueWait = IngestQueueWait,
        IngestQueueTarget = IngestQueueTarget,
        MaxInflightBytes = MaxInflightBytes,
        Auth = auth.ToAuthPolicy(),
    };

    public void Validate()
    {
        foreach (var (name, value) in new (string, long)[]
        {
            ("limits.max_body_bytes", MaxBodyBytes), ("limits.max_request_bytes", MaxRequestBytes), ("limits.max_decompressed_bytes", MaxDecompressedBytes),
            ("limits.max_samples_per_profile", MaxSamplesPerProfile), ("limits.max_stack_depth", MaxStackDepth),
            ("limits.max_labels_per_series", MaxLabelsPerSeries), ("limits.max_label_name_length", MaxLabelNameLength),
            ("limits.max_label_value_length", MaxLabelValueLength), ("limits.max_symbol_length", MaxSymbolLength),
            ("limits.max_series_per_tenant", MaxSeriesPerTenant), ("limits.ingestion_rate_bytes", IngestionRateBytes),
            ("limits.ingestion_burst_bytes", IngestionBurstBytes), ("limits.max_concurrent_ingests", MaxConcurrentIngests),
            ("limits.max_inflight_bytes", MaxInflightBytes),
        })
        {
            if (value <= 0)
            {
                throw new SettingsException($"{name} must be positive, got {value.ToString(CultureInfo.InvariantCulture)}.");
            }
        }
    }
}

/// <summary>Optional credentials per tenant. With auth enabled, a request without valid credentials for its tenant gets 401.</summary>
public sealed class AuthSettings
{
    [ConfigurationKeyName("enabled")] public bool Enabled { get; set; }
    [ConfigurationKeyName("tenants")] public Dictionary<string, TenantCredentials> Tenants { get; set; } = [];

    public AuthPolicy ToAuthPolicy() => new(Enabled, Tenants.ToDictionary(t => t.Key,
        t => new TenantCredentialSet([.. t.Value.BearerTokens], [.. t.Value.Basic.Select(b => (b.Username, b.Password))]), StringComparer.Ordinal));

    public void Validate()
    {
        if (Enabled && Tenants.Count == 0)
        {
            throw new SettingsException("auth.enabled is true but auth.tenants names no tenant: no request could ever be accepted.");
        }
        foreach (var (tenant, credentials) in Tenants)
        {
            if (!Store.Partitions.PartitionLayout.IsValidTenant(tenant))
            {
                throw new SettingsException($"auth.tenants: '{tenant}' is not a valid tenant name (letters, digits, '-', '_', '.').");
            }
            if (credentials.BearerTokens.Count == 0 && credentials.Basic.Count == 0)
            {
                throw new SettingsException($"auth.tenants.{tenant} has neither bearer_tokens nor basic credentials.");
            }
        }
    }
}

public sealed class TenantCredentials
{
    [ConfigurationKeyName("bearer_tokens")] public List<string> BearerTokens { get; set; } = [];
    [ConfigurationKeyName("basic")] public List<BasicCredential> Basic { get; set; } = [];
}

public sealed class BasicCredential
{
    [ConfigurationKeyName("username")] public string Username { get; set; } = "";
    [ConfigurationKeyName("password")] public string Password { get; set; } = "";
}

/// <summary>A setting is wrong; the message names it.</summary>
public sealed class SettingsException(string message) : Exception(message)
{
    public SettingsException() : this("The settings are not valid.") { }
    public SettingsException(string message, Exception inner) : this(message + " " + inner.Message) { }
}
