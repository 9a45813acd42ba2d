namespace GrafanaProfiles.Store.Write;

/// <summary>How the write-ahead log makes appends durable.</summary>
public enum WalSyncMode
{
    /// <summary>fsync before acknowledging; appends that arrive together share one fsync (group commit).</summary>
    Fsync,
    /// <summary>Acknowledge once the bytes are handed to the operating system (survives a process crash, not a power loss).</summary>
    None,
}

public sealed record WalOptions
{
    public WalSyncMode SyncMode { get; init; } = WalSyncMode.Fsync;

    /// <summary>
    /// How long the log waits to gather more appends into one fsync. Zero batches only what is
    /// already waiting, which keeps latency lowest; a few milliseconds raise throughput on slow disks.
    /// </summary>
    public TimeSpan SyncDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Bytes written per group commit at most.</summary>
    public int MaxBatchBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>A segment file is closed and a new one started past this size.</summary>
    public long SegmentBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Largest single record; larger appends are refused (they could not be told from garbage on replay).</summary>
    public int MaxRecordBytes { get; init; } = 256 * 1024 * 1024;
}
