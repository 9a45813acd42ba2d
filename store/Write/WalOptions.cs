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
    /// How long the log waits to gather more appends into one fsync while appends arrive
    /// concurrently (more than one is waiting, or the previous commit held more than one); a lone
    /// append is committed at once. Zero commits only what is already waiting. Each fsync costs about
    /// 90 µs of kernel CPU on the benchmark machine: with 16 concurrent senders, 1 ms took the
    /// appends per fsync from 3–6 to 12–13 (docs/benchmarks.md, change 26). Pyroscope clients send
    /// every 10–15 s in the background, so a millisecond of acknowledgement latency is not seen.
    /// </summary>
    public TimeSpan SyncDelay { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// In <see cref="WalSyncMode.Fsync"/>, the shortest time between the end of one commit and the
    /// start of the next: an append that arrives sooner waits for the rest of it and shares the next
    /// fsync with whatever arrives meanwhile, while an append after a quiet interval is committed at
    /// once. Zero commits whenever appends wait. At a steady rate, where appends arrive one at a
    /// time, this is what lets them share an fsync.
    /// </summary>
    public TimeSpan SyncInterval { get; init; }

    /// <summary>Bytes written per group commit at most.</summary>
    public int MaxBatchBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>A segment file is closed and a new one started past this size.</summary>
    public long SegmentBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Largest single record; larger appends are refused (they could not be told from garbage on replay).</summary>
    public int MaxRecordBytes { get; init; } = 256 * 1024 * 1024;
}
