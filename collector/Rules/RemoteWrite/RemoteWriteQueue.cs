namespace GrafanaProfiles.Collector.Rules.RemoteWrite;

/// <summary>
/// The samples waiting to be sent, at most <c>max_queue_samples</c>: a sample that finds the queue
/// full is dropped and counted (<see cref="Dropped"/>), so a receiver that is down or slow never
/// holds memory without bound, and nothing that evaluates rules ever waits for it. Thread-safe.
/// </summary>
public sealed class RemoteWriteQueue(int capacity)
{
    private readonly Lock _lock = new();
    private readonly Queue<SealedSample> _samples = new();
    private long _dropped;
    private long _enqueued;

    public int Capacity { get; } = capacity;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _samples.Count;
            }
        }
    }

    /// <summary>Samples dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public long Enqueued => Interlocked.Read(ref _enqueued);

    /// <summary>Adds what fits; returns how many were dropped.</summary>
    public int Enqueue(IReadOnlyList<SealedSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var dropped = 0;
        lock (_lock)
        {
            foreach (var sample in samples)
            {
                if (_samples.Count >= Capacity)
                {
                    dropped++;
                    continue;
                }
                _samples.Enqueue(sample);
                _enqueued++;
            }
            _dropped += dropped;
        }
        return dropped;
    }

    /// <summary>Takes up to <paramref name="max"/> samples, oldest first.</summary>
    public List<SealedSample> Take(int max)
    {
        lock (_lock)
        {
            var batch = new List<SealedSample>(Math.Min(max, _samples.Count));
            while (batch.Count < max && _samples.TryDequeue(out var sample))
            {
                batch.Add(sample);
            }
            return batch;
        }
    }
}
