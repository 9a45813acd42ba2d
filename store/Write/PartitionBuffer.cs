using GrafanaProfiles.Store.Model;
using Layout = GrafanaProfiles.Store.Partitions.PartitionLayout;

namespace GrafanaProfiles.Store.Write;

/// <summary>Identifies one hour partition of one tenant.</summary>
public readonly record struct PartitionKey(string Tenant, DateTime Hour);

/// <summary>The series a partition's rows belong to (service name and labels), written once per series.</summary>
public sealed record SeriesInfo(ulong SeriesId, string ServiceName, LabelSet Labels);

/// <summary>
/// Rows waiting to be written to one partition, held column by column so the flush can hand them
/// to DuckDB as whole vectors.
/// </summary>
public sealed class PartitionBuffer(PartitionKey key)
{
    public PartitionKey Key { get; } = key;
    public List<long> TimeMicros { get; } = [];
    public List<long> DurationNanos { get; } = [];
    public List<string> ProfileTypes { get; } = [];
    public List<ulong> SeriesIds { get; } = [];
    public List<ulong> StackIds { get; } = [];
    public List<long> Values { get; } = [];
    public List<ulong> SpanIds { get; } = [];
    public Dictionary<ulong, SeriesInfo> Series { get; } = [];
    public Dictionary<ulong, ulong[]> Stacks { get; } = [];
    public Dictionary<ulong, FunctionInfo> Functions { get; } = [];

    public int RowCount => StackIds.Count;

    public void Add(SeriesProfile profile, ProfileBatch batch)
    {
        Series.TryAdd(profile.SeriesId, new SeriesInfo(profile.SeriesId, profile.ServiceName, profile.Labels));
        var time = profile.TimeNanos / 1000;
        foreach (var sample in profile.Samples)
        {
            TimeMicros.Add(time);
            DurationNanos.Add(profile.DurationNanos);
            ProfileTypes.Add(profile.ProfileType);
            SeriesIds.Add(profile.SeriesId);
            StackIds.Add(sample.StackId);
            Values.Add(sample.Value);
            SpanIds.Add(sample.SpanId);
            if (!Stacks.ContainsKey(sample.StackId) && batch.Stacks.TryGetValue(sample.StackId, out var frames))
            {
                Stacks[sample.StackId] = frames;
                foreach (var f in frames)
                {
                    if (!Functions.ContainsKey(f) && batch.Functions.TryGetValue(f, out var function))
                    {
                        Functions[f] = function;
                    }
                }
            }
        }
    }

    /// <summary>Moves rows of another buffer of the same partition into this one (used when a failed flush is retried).</summary>
    public void Absorb(PartitionBuffer other)
    {
        TimeMicros.AddRange(other.TimeMicros);
        DurationNanos.AddRange(other.DurationNanos);
        ProfileTypes.AddRange(other.ProfileTypes);
        SeriesIds.AddRange(other.SeriesIds);
        StackIds.AddRange(other.StackIds);
        Values.AddRange(other.Values);
        SpanIds.AddRange(other.SpanIds);
        foreach (var (k, v) in other.Series)
        {
            Series.TryAdd(k, v);
        }
        foreach (var (k, v) in other.Stacks)
        {
            Stacks.TryAdd(k, v);
        }
        foreach (var (k, v) in other.Functions)
        {
            Functions.TryAdd(k, v);
        }
    }
}

/// <summary>Everything buffered since the last flush, by partition, and the last log sequence it contains.</summary>
public sealed class WriteBuffer
{
    public Dictionary<PartitionKey, PartitionBuffer> Partitions { get; } = [];
    public long LastSequence { get; set; }
    public int RowCount { get; private set; }
    public DateTime FirstAppendUtc { get; private set; } = DateTime.MaxValue;

    public void Add(string tenant, ProfileBatch batch, long sequence, DateTime nowUtc)
    {
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
            partition.Add(profile, batch);
            RowCount += profile.Samples.Count;
        }
        LastSequence = Math.Max(LastSequence, sequence);
        if (FirstAppendUtc == DateTime.MaxValue)
        {
            FirstAppendUtc = nowUtc;
        }
    }

    public void Absorb(WriteBuffer older)
    {
        foreach (var (key, partition) in older.Partitions)
        {
            if (Partitions.TryGetValue(key, out var existing))
            {
                existing.Absorb(partition);
            }
            else
            {
                Partitions[key] = partition;
            }
            RowCount += partition.RowCount;
        }
        LastSequence = Math.Max(LastSequence, older.LastSequence);
        FirstAppendUtc = older.FirstAppendUtc < FirstAppendUtc ? older.FirstAppendUtc : FirstAppendUtc;
    }
}
