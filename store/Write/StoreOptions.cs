namespace GrafanaProfiles.Store.Write;

/// <summary>Settings of the write side. Every limit is named here with its default.</summary>
public sealed record StoreOptions
{
    /// <summary>Root of the hive-partitioned Parquet files (and of the write-ahead log, under <c>wal/</c>).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Names this writer's files and log; unique among writers that share a data directory.</summary>
    public string WriterId { get; init; } = DefaultWriterId();

    /// <summary>Buffered data is flushed to Parquet at least this often, so it becomes queryable quickly.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A flush starts early once this many sample rows are buffered.</summary>
    public int FlushMaxSamples { get; init; } = 1_000_000;

    /// <summary>Ingest is refused (back-pressure) while this many sample rows wait for a flush.</summary>
    public int MaxBufferedSamples { get; init; } = 4_000_000;

    /// <summary>Rows per Parquet row group in flushed files.</summary>
    public int RowGroupSize { get; init; } = 122_880;

    /// <summary>Rows per Parquet row group in compacted files (fewer, larger groups scan faster).</summary>
    public int CompactedRowGroupSize { get; init; } = 1_048_576;

    /// <summary>Threads DuckDB may use when writing and compacting.</summary>
    public int WriterThreads { get; init; } = 1;

    /// <summary>DuckDB memory limit for writing and compacting, e.g. <c>1GB</c>.</summary>
    public string WriterMemoryLimit { get; init; } = "1GB";

    public WalOptions Wal { get; init; } = new();

    /// <summary>A closed hour (this long past its end) is compacted into few large files.</summary>
    public TimeSpan CompactionDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long inputs of a compaction stay on disk after it commits, for queries that were already reading them.</summary>
    public TimeSpan CompactionGracePeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Hour partitions older than this are deleted. Zero keeps everything.</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Told of every partition a flush writes, to record metrics from its profiles into the
    /// partition's <c>metrics</c> file in the same commit (the collector's recording rules); none by default.
    /// </summary>
    public IFlushObserver? FlushObserver { get; init; }

    public string WalDirectory => Path.Combine(DataDirectory, "wal", WriterId);

    private static string DefaultWriterId()
    {
        var name = new string(Environment.MachineName.ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c) || c == '-').ToArray());
        return name.Length == 0 ? "writer" : name;
    }

    /// <summary>The longest wal_sync_delay accepted: the log holds acknowledgements that long.</summary>
    public static readonly TimeSpan MaxWalWait = TimeSpan.FromSeconds(1);

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            throw new ArgumentException("data_directory must be set.");
        }
        if (WriterId.Length == 0 || !WriterId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException($"writer_id '{WriterId}' may use only letters, digits, '-' and '_'.");
        }
        if (FlushInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"flush_interval must be positive, got {FlushInterval}.");
        }
        if (FlushMaxSamples <= 0 || MaxBufferedSamples < FlushMaxSamples)
        {
            throw new ArgumentException($"flush_max_samples ({FlushMaxSamples}) must be positive and at most max_buffered_samples ({MaxBufferedSamples}).");
        }
        if (Wal.SyncDelay < TimeSpan.Zero || Wal.SyncDelay > MaxWalWait)
        {
            throw new ArgumentException($"wal_sync_delay must be between 0 and {MaxWalWait.TotalSeconds:0} s (concurrent acknowledgements wait it), got {Wal.SyncDelay}.");
        }
        if (Wal.SyncInterval < TimeSpan.Zero || Wal.SyncInterval > MaxWalWait)
        {
            throw new ArgumentException($"wal_sync_interval must be between 0 and {MaxWalWait.TotalSeconds:0} s (acknowledgements wait up to it), got {Wal.SyncInterval}.");
        }
    }
}
