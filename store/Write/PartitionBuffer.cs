using System.Buffers;
using System.Runtime.InteropServices;
using GrafanaProfiles.Store.Model;
using Layout = GrafanaProfiles.Store.Partitions.PartitionLayout;

namespace GrafanaProfiles.Store.Write;

/// <summary>Identifies one hour partition of one tenant.</summary>
internal readonly record struct PartitionKey(string Tenant, DateTime Hour);

/// <summary>What the rows of one profile window share: the series (service name, labels) and the profile type.</summary>
public sealed record RowKey(ulong SeriesId, string ServiceName, string ProfileType, LabelSet Labels);

/// <summary>The rows of one profile window: contiguous in <see cref="PartitionBuffer.Rows"/>; <paramref name="Sequence"/> is the log record they came with.</summary>
internal readonly record struct ProfileRun(int Key, long TimeMicros, long DurationNanos, int Start, int Count, long Sequence);

/// <summary>
/// Rows waiting to be written to one partition. A profile window's rows are copied in one block
/// and share one <see cref="ProfileRun"/> (time, duration, series and type), so there is no string
/// per row: the samples file's series columns are looked up by key (see <see cref="SamplesFileWriter"/>).
/// </summary>
internal sealed class PartitionBuffer(PartitionKey key) : IDisposable
{
    private readonly Dictionary<(ulong SeriesId, string ProfileType), int> _keyIndex = [];

    /// <summary>The shared stacks this buffer took, so that a batch's stacks it holds skip <see cref="Stacks"/>.</summary>
    private readonly HeldStacks _held = new();

    public PartitionKey Key { get; } = key;
    public List<RowKey> Keys { get; } = [];
    public List<ProfileRun> Runs { get; } = [];
    public RowSegments Rows { get; } = new();
    public Dictionary<ulong, ulong[]> Stacks { get; } = [];
    public Dictionary<ulong, FunctionInfo> Functions { get; } = [];

    /// <summary>Rows of <see cref="Runs"/>: <see cref="Rows"/> less those of removed runs.</summary>
    public int RowCount => Rows.Count - _removedRows;

    private int _removedRows;

    public void Add(SeriesProfile profile, ProfileBatch batch, long sequence)
    {
        var key = KeyOf(new RowKey(profile.SeriesId, profile.ServiceName, profile.ProfileType, profile.Labels));
        var samples = CollectionsMarshal.AsSpan(profile.Samples);
        Runs.Add(new ProfileRun(key, profile.TimeNanos / 1000, profile.DurationNanos, Rows.Count, samples.Length, sequence));
        Rows.AddRange(samples);
    }

    /// <summary>
    /// Drops the windows of the given log records (ascending; their log write failed). Their rows
    /// stay in <see cref="Rows"/> unreferenced, and their stacks, functions and series may be written
    /// without samples, which no query counts. Returns the rows dropped.
    /// </summary>
    public int RemoveRuns(IReadOnlyList<long> sequences)
    {
        var before = RowCount;
        Runs.RemoveAll(run => Contains(sequences, run.Sequence));
        var kept = 0;
        foreach (var run in Runs)
        {
            kept += run.Count;
        }
        _removedRows = Rows.Count - kept;
        return before - RowCount;

        static bool Contains(IReadOnlyList<long> sorted, long value)
        {
            int lo = 0, hi = sorted.Count - 1;
            while (lo <= hi)
            {
                var mid = (lo + hi) >>> 1;
                if (sorted[mid] == value)
                {
                    return true;
                }
                if (sorted[mid] < value)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }
            return false;
        }
    }

    /// <summary>
    /// Takes the stacks and functions of a batch whose profiles were added: once per batch (its
    /// profiles of several sample types share the stacks), not once per sample.
    /// </summary>
    public void AddSymbols(ProfileBatch batch)
    {
        if (batch.SharedStacks is { } shared)
        {
            for (var i = 0; i < shared.Count; i++)
            {
                var stack = shared[i];
                if (!_held.CheckAndMark(stack))
                {
                    AddStack(stack.Id, stack.Frames, batch);
                }
            }
            return;
        }
        foreach (var (stackId, frames) in batch.IndexStacks())
        {
            AddStack(stackId, frames, batch);
        }
    }

    private void AddStack(ulong stackId, ulong[] frames, ProfileBatch batch)
    {
        ref var known = ref CollectionsMarshal.GetValueRefOrAddDefault(Stacks, stackId, out var exists);
        if (exists)
        {
            return;
        }
        known = frames;
        foreach (var f in frames)
        {
            if (!Functions.ContainsKey(f) && batch.TryGetFunction(f, out var function))
            {
                Functions[f] = function;
            }
        }
    }

    private int KeyOf(RowKey key)
    {
        ref var index = ref CollectionsMarshal.GetValueRefOrAddDefault(_keyIndex, (key.SeriesId, key.ProfileType), out var exists);
        if (!exists)
        {
            index = Keys.Count;
            Keys.Add(key);
        }
        return index;
    }

    /// <summary>Returns the rows' segments and the held-stack bits to the pool.</summary>
    public void Dispose()
    {
        Rows.Dispose();
        _held.Dispose();
    }

    /// <summary>
    /// The rows in the samples table's sort order (service_name, profile_type, series_id, time,
    /// stack_id), as (row index, run index) pairs: windows are ordered by key and time, and the
    /// rows of windows with the same key and time by stack id. The first <see cref="RowCount"/>
    /// entries count; the arrays are rented from <see cref="ArrayPool{T}.Shared"/> and go back with
    /// <see cref="ReturnSortedOrder"/>. Compiled optimized at once: it runs once per partition and
    /// flush, too seldom for tiered compilation to optimize it, over a million rows each time (the
    /// benchmark's perf profile found 6.7% of all ingest CPU here in tier-0 and on-stack-replacement
    /// code).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public (int[] Rows, int[] Runs) SortedOrder()
    {
        var keyOrder = Enumerable.Range(0, Keys.Count).ToArray();
        Array.Sort(keyOrder, (a, b) =>
        {
            var c = string.CompareOrdinal(Keys[a].ServiceName, Keys[b].ServiceName);
            c = c != 0 ? c : string.CompareOrdinal(Keys[a].ProfileType, Keys[b].ProfileType);
            return c != 0 ? c : Keys[a].SeriesId.CompareTo(Keys[b].SeriesId);
        });
        var rank = new int[Keys.Count];
        for (var i = 0; i < keyOrder.Length; i++)
        {
            rank[keyOrder[i]] = i;
        }
        var runs = CollectionsMarshal.AsSpan(Runs);
        var runOrder = new int[runs.Length];
        var runKeys = new (int Rank, long Time, int Index)[runs.Length];
        for (var r = 0; r < runs.Length; r++)
        {
            runOrder[r] = r;
            runKeys[r] = (rank[runs[r].Key], runs[r].TimeMicros, r);
        }
        Array.Sort(runKeys, runOrder);
        var rows = ArrayPool<int>.Shared.Rent(RowCount);
        var rowRuns = ArrayPool<int>.Shared.Rent(RowCount);
        var stackIds = ArrayPool<ulong>.Shared.Rent(RowCount);
        var all = Rows;
        var position = 0;
        for (var g = 0; g < runOrder.Length;)
        {
            // One group: the windows with the same key and time (usually exactly one).
            var end = g + 1;
            while (end < runOrder.Length && runKeys[end].Rank == runKeys[g].Rank && runKeys[end].Time == runKeys[g].Time)
            {
                end++;
            }
            var groupStart = position;
            for (var i = g; i < end; i++)
            {
                var run = runs[runOrder[i]];
                var runRows = rows.AsSpan(position, run.Count);
                for (var j = 0; j < runRows.Length; j++)
                {
                    runRows[j] = run.Start + j;
                }
                rowRuns.AsSpan(position, run.Count).Fill(runOrder[i]);
                all.CopyStackIds(run.Start, stackIds.AsSpan(position, run.Count));
                position += run.Count;
            }
            if (end - g == 1)
            {
                // Decoders that emit each window's rows in stack id order (pprof does, once for all
                // of a profile's sample types) leave nothing to sort here.
                var ids = stackIds.AsSpan(groupStart, position - groupStart);
                if (!IdSort.IsSorted(ids))
                {
                    IdSort.Sort(ids, rows.AsSpan(groupStart, position - groupStart));
                }
            }
            else
            {
                // Rows of several windows: keep each row's run with it through the sort.
                var pairs = new (ulong Stack, int Row, int Run)[position - groupStart];
                for (var i = 0; i < pairs.Length; i++)
                {
                    pairs[i] = (stackIds[groupStart + i], rows[groupStart + i], rowRuns[groupStart + i]);
                }
                Array.Sort(pairs);
                for (var i = 0; i < pairs.Length; i++)
                {
                    (_, rows[groupStart + i], rowRuns[groupStart + i]) = pairs[i];
                }
            }
            g = end;
        }
        ArrayPool<ulong>.Shared.Return(stackIds);
        return (rows, rowRuns);
    }

    /// <summary>Gives the arrays of <see cref="SortedOrder"/> back.</summary>
    public static void ReturnSortedOrder((int[] Rows, int[] Runs) order)
    {
        ArrayPool<int>.Shared.Return(order.Rows);
        ArrayPool<int>.Shared.Return(order.Runs);
    }
}

/// <summary>Everything buffered since the last flush, by partition, and the last log sequence it contains.</summary>
internal sealed class WriteBuffer : IDisposable
{
    public Dictionary<PartitionKey, PartitionBuffer> Partitions { get; } = [];
    public long LastSequence { get; set; }
    public int RowCount { get; private set; }
    public DateTime FirstAppendUtc { get; private set; } = DateTime.MaxValue;

    /// <summary>
    /// Completes (or faults) when the log has finished the record of <see cref="LastSequence"/>; the
    /// log finishes records in sequence order, so every record of this buffer is finished then.
    /// </summary>
    public Task LastLogged { get; private set; } = Task.CompletedTask;

    public void Add(string tenant, ProfileBatch batch, long sequence, DateTime nowUtc, Task logged)
    {
        if (sequence >= LastSequence)
        {
            LastLogged = logged;
        }
        Add(tenant, batch, sequence, nowUtc);
    }

    /// <summary>Drops the rows of the given log records (ascending), whose log write failed; returns the rows dropped.</summary>
    public int RemoveFailed(IReadOnlyList<long> sequences)
    {
        var dropped = 0;
        foreach (var (key, partition) in Partitions.ToList())
        {
            dropped += partition.RemoveRuns(sequences);
            if (partition.RowCount == 0)
            {
                partition.Dispose();
                Partitions.Remove(key);
            }
        }
        RowCount -= dropped;
        return dropped;
    }

    public void Add(string tenant, ProfileBatch batch, long sequence, DateTime nowUtc)
    {
        PartitionBuffer? lastPartition = null;
        foreach (var profile in batch.Profiles)
        {
            if (profile.Samples.Count == 0)
            {
                continue;
            }
            var key = new PartitionKey(tenant, Layout.HourOfNanos(profile.TimeNanos));
            if (!Partitions.TryGetValue(key, out var partition))
            {
                partition = new PartitionBuffer(key);
                Partitions[key] = partition;
            }
            partition.Add(profile, batch, sequence);
            RowCount += profile.Samples.Count;
            if (!ReferenceEquals(partition, lastPartition))
            {
                partition.AddSymbols(batch);
                lastPartition = partition;
            }
        }
        LastSequence = Math.Max(LastSequence, sequence);
        if (FirstAppendUtc == DateTime.MaxValue)
        {
            FirstAppendUtc = nowUtc;
        }
    }

    /// <summary>Returns every partition's row segments to the pool (after the buffer was written).</summary>
    public void Dispose()
    {
        foreach (var partition in Partitions.Values)
        {
            partition.Dispose();
        }
    }
}
