using System.Globalization;
using GrafanaProfiles.Collector.Hosting;
using GrafanaProfiles.Collector.Ingest;
using GrafanaProfiles.Collector.Ingest.Limits;
using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Telemetry;

/// <summary>
/// The collector's metrics, exported on <c>/metrics</c>; the ingest door reports every outcome
/// here (<see cref="IIngestObserver"/>), for every API alike.
/// </summary>
public sealed class CollectorMetrics : IIngestObserver
{
    private SeriesLimiter? _series;
    private IngestDoor? _door;

    public CollectorMetrics(MetricsRegistry registry, StoreService store)
    {
        Registry = registry;
        Profiles = registry.Counter("gp_ingest_profiles_total", "Profiles accepted (one per series and profile type).", "tenant", "api");
        Samples = registry.Counter("gp_ingest_samples_total", "Sample rows accepted (one per profile window, series and stack).", "tenant", "api");
        Bytes = registry.Counter("gp_ingest_bytes_total", "Request body bytes accepted.", "tenant", "api");
        Requests = registry.Counter("gp_ingest_requests_total", "Ingest requests by outcome.", "api", "status");
        Rejected = registry.Counter("gp_ingest_rejected_total", "Requests refused, and profiles an accepted request left out (OTLP partial success), by reason.", "tenant", "reason");
        Duration = registry.Histogram("gp_ingest_duration_seconds", "Time from request start to acknowledgement (decode and write-ahead log).", MetricsRegistry.LatencyBuckets, "api");
        WalDuration = registry.Histogram("gp_wal_append_duration_seconds", "Time for an accepted request's records to become durable in the write-ahead log.", MetricsRegistry.LatencyBuckets);
        registry.AddCollector(text =>
        {
            if (!store.IsReady)
            {
                return;
            }
            var stats = store.Writer.Stats;
            var options = store.Options;
            Write(text, "gp_buffered_samples", "Sample rows waiting to be flushed to Parquet.", "gauge", store.Writer.BufferedRows);
            Write(text, "gp_buffer_fill_ratio", "Buffered rows as a share of max_buffered_samples (1 = ingest is refused).", "gauge", (double)store.Writer.BufferedRows / options.MaxBufferedSamples);
            Write(text, "gp_flushes_total", "Flushes to Parquet.", "counter", stats.Flushes);
            Write(text, "gp_flush_failures_total", "Flushes that failed (the data stays buffered and logged).", "counter", stats.FlushFailures);
            Write(text, "gp_flush_last_duration_seconds", "Duration of the last flush.", "gauge", stats.LastFlushDuration.TotalSeconds);
            Write(text, "gp_flush_cpu_seconds_total", "CPU time of the flushes' threads (sorting, encoding and compressing Parquet, fsyncs).", "counter", stats.TotalFlushCpu.TotalSeconds);
            Write(text, "gp_files_written_total", "Parquet files written by flushes.", "counter", stats.FilesWritten);
            Write(text, "gp_rows_flushed_total", "Sample rows written to Parquet.", "counter", stats.RowsFlushed);
            Write(text, "gp_wal_commits_total", "Group commits of the write-ahead log (one write and one fsync each).", "counter", store.Writer.WalCommits);
            Write(text, "gp_wal_writer_cpu_seconds_total", "CPU time of the write-ahead log's writer thread (writes and fsyncs).", "counter", store.Writer.WalWriterCpu.TotalSeconds);
            Write(text, "gp_wal_records_total", "Records written to the write-ahead log (records / commits = appends sharing an fsync).", "counter", store.Writer.WalRecordsWritten);
            Write(text, "gp_wal_write_failures_total", "Batches the write-ahead log failed to write (disk full, read-only, I/O error); their requests got 503.", "counter", store.Writer.WalWriteFailures);
            Write(text, "gp_storage_available", "1 while the store can write its disk; 0 while the log's or a flush's writes fail (ingest answers 503 then).", "gauge", store.Writer.StorageFailure is null ? 1 : 0);
            Write(text, "gp_failed_append_rows_dropped_total", "Buffered rows of refused appends (their log write failed) dropped instead of flushed.", "counter", stats.FailedAppendRowsDropped);
            Write(text, "gp_wal_checkpoint_sequence", "Write-ahead log sequence up to which everything is in Parquet.", "gauge", store.Writer.CheckpointSequence);
            Write(text, "gp_compactions_total", "Hour partitions compacted.", "counter", store.Maintenance?.CompactedPartitions ?? 0);
            Write(text, "gp_compaction_files_removed_total", "Files removed by compaction.", "counter", store.Maintenance?.RemovedFiles ?? 0);
            Write(text, "gp_gzip_inflations_total", "Gzip inflations (gzipped profiles and Content-Encoding: gzip bodies); one per gzipped upload.", "counter", IngestCounters.Inflations);
            Write(text, "gp_pprof_parses_total", "Passes over a pprof profile's protobuf; one per pprof profile ingested.", "counter", IngestCounters.PprofParses);
            if (_door is { } door)
            {
                Write(text, "gp_memory_limit_bytes", "memory_limit: uploads are refused (429) while the resident memory is above 85 % of it (0: no limit).", "gauge", door.Policy.MemoryLimitBytes);
                Write(text, "gp_resident_memory_bytes", "The collector's resident memory (what memory_limit bounds).", "gauge", ResidentMemory.Bytes());
                var gc = GC.GetGCMemoryInfo();
                Write(text, "gp_gc_heap_bytes", "Managed heap size after the last garbage collection.", "gauge", gc.HeapSizeBytes);
                Write(text, "gp_gc_committed_bytes", "Memory the garbage collector has committed (heap, free space and bookkeeping).", "gauge", gc.TotalCommittedBytes);
                Write(text, "gp_inflight_body_bytes", "Request body bytes read and not yet in the write-ahead log (max_inflight_bytes).", "gauge", door.InflightBytes);
                Write(text, "gp_ingest_queue_standing", "1 while a standing queue (sustained overload) limits the wait for a decoding slot to ingest_queue_target.", "gauge", door.QueueStanding ? 1 : 0);
                Write(text, "gp_wal_queue_standing", "1 while a standing queue in the write-ahead log (sustained overload) has uploads refused before their bodies are read.", "gauge", door.LogQueueStanding ? 1 : 0);
            }
            if (_series is { } series)
            {
                MetricsRegistry.WriteHeader(text, "gp_active_series", "Active series per tenant (for max_series_per_tenant).", "gauge");
                foreach (var (tenant, count) in series.ActiveSeriesByTenant())
                {
                    MetricsRegistry.WriteSample(text, "gp_active_series", count, ("tenant", tenant));
                }
            }
        });
    }

    /// <summary>Exports the door's active series per tenant as <c>gp_active_series</c>.</summary>
    public void WatchSeries(SeriesLimiter series) => _series = series;

    /// <summary>Exports the door's memory, in-flight and queue state.</summary>
    public void WatchDoor(IngestDoor door) => _door = door;

    public void Accepted(IngestApi api, string tenant, int profiles, int samples, long bodyBytes, TimeSpan duration, TimeSpan logDuration)
    {
        var name = IngestDoor.ApiName(api);
        Profiles.Inc(profiles, tenant, name);
        Samples.Inc(samples, tenant, name);
        Bytes.Inc(bodyBytes, tenant, name);
        Requests.Inc(1, name, "200");
        Duration.Observe(duration.TotalSeconds, name);
        WalDuration.Observe(logDuration.TotalSeconds);
    }

    public void Refused(IngestApi api, string tenant, RejectReason reason)
    {
        Rejected.Inc(1, tenant, Rejections.Name(reason));
        Requests.Inc(1, IngestDoor.ApiName(api), Rejections.HttpStatus(reason).ToString(CultureInfo.InvariantCulture));
    }

    public void ProfilesDropped(IngestApi api, string tenant, RejectReason reason, int count) => Rejected.Inc(count, tenant, Rejections.Name(reason));

    public MetricsRegistry Registry { get; }
    public Counter Profiles { get; }
    public Counter Samples { get; }
    public Counter Bytes { get; }
    public Counter Requests { get; }
    public Counter Rejected { get; }
    public Histogram Duration { get; }
    public Histogram WalDuration { get; }

    private static void Write(System.Text.StringBuilder text, string name, string help, string type, double value)
    {
        MetricsRegistry.WriteHeader(text, name, help, type);
        MetricsRegistry.WriteSample(text, name, value);
    }
}
