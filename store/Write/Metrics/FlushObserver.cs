using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Store.Write;

/// <summary>
/// Told of every partition a flush writes, on the flush's thread and before the flush commits, and
/// of the commit afterwards. The points it returns for a partition are written as that partition's
/// <c>metrics</c> file in the same commit as its samples, so a crash neither loses nor doubles them:
/// what the log replays is flushed, and so evaluated, again; what was flushed is not replayed.
/// </summary>
public interface IFlushObserver
{
    /// <summary>
    /// The points to record for one partition of the flush. <paramref name="partition"/> is valid only
    /// during the call. An exception is logged and leaves this flush without the partition's points
    /// (derived data never holds back the profiles).
    /// </summary>
    IReadOnlyList<MetricPoint> PartitionFlushing(FlushedPartition partition);

    /// <summary>After the flush committed: the points it wrote, per partition (none when no partition had any).</summary>
    void FlushCommitted(IReadOnlyList<FlushedMetrics> metrics);
}

/// <summary>
/// One point of a metric recorded from profiles: the summed value of a step for one series (the
/// metric name with its labels), and how many profile windows contributed.
/// </summary>
public sealed record MetricPoint(string MetricName, string ProfileType, LabelSet Labels, DateTime Time, TimeSpan Step, long Value, long Profiles)
{
    /// <summary>The series identity in the <c>metrics</c> table: the store's series hash of the metric name and labels.</summary>
    public ulong SeriesId { get; } = ContentHash.Series(MetricName, Labels);
}

/// <summary>The points a committed flush wrote into one hour partition of one tenant.</summary>
public sealed record FlushedMetrics(string Tenant, DateTime Hour, IReadOnlyList<MetricPoint> Points);

/// <summary>One profile window of a flushed partition: its series, time and rows (<see cref="FlushedPartition.Row"/>).</summary>
public readonly record struct ProfileWindow(int SeriesIndex, DateTime Time, long DurationNanos, int FirstRow, int RowCount);

/// <summary>
/// A read-only view of one partition's buffered rows while a flush writes them: the series (service,
/// profile type, labels), the profile windows with their rows, and the stacks and functions the rows
/// reference. No copy is made; the view must not be kept past <see cref="IFlushObserver.PartitionFlushing"/>.
/// </summary>
public sealed class FlushedPartition
{
    private readonly PartitionBuffer _buffer;

    internal FlushedPartition(PartitionBuffer buffer) => _buffer = buffer;

    public string Tenant => _buffer.Key.Tenant;

    /// <summary>The hour (UTC) the partition holds.</summary>
    public DateTime Hour => _buffer.Key.Hour;

    /// <summary>The series of the partition's windows, indexed by <see cref="ProfileWindow.SeriesIndex"/>; one per (series, profile type).</summary>
    public IReadOnlyList<RowKey> Series => _buffer.Keys;

    public int WindowCount => _buffer.Runs.Count;

    public int RowCount => _buffer.RowCount;

    public ProfileWindow Window(int index)
    {
        var run = _buffer.Runs[index];
        return new ProfileWindow(run.Key, DateTime.UnixEpoch.AddTicks(run.TimeMicros * 10), run.DurationNanos, run.Start, run.Count);
    }

    /// <summary>The sample row at <paramref name="index"/> (a window's rows are <see cref="ProfileWindow.FirstRow"/> on).</summary>
    public SampleRow Row(int index) => _buffer.Rows[index];

    /// <summary>The frames (function ids, root first) of a stack the rows reference.</summary>
    public bool TryGetStack(ulong stackId, out ulong[] frames) => _buffer.Stacks.TryGetValue(stackId, out frames!);

    /// <summary>The functions the partition's stacks reference, by id.</summary>
    public IReadOnlyDictionary<ulong, FunctionInfo> Functions => _buffer.Functions;
}
