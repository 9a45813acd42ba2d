using System.Diagnostics;

namespace GrafanaProfiles.Collector.Ingest;

/// <summary>
/// Tells a standing queue (sustained overload) from a burst by how long requests wait for a
/// decoding slot, after CoDel's sojourn-time criterion: the queue stands once every request for
/// <see cref="Interval"/> has waited at least <see cref="Target"/>; it stops standing when a
/// request finds a free slot at once. While it stands, requests wait at most the target, so the
/// accepted ones keep their latency and the rest are refused at once; a burst still gets the
/// longer <c>ingest_queue_wait</c>.
/// </summary>
internal sealed class StandingQueue(TimeSpan target, TimeSpan interval)
{
    /// <summary>Timestamp of the first of an unbroken run of waits at or over the target; 0 when the last wait was shorter.</summary>
    private long _overSince;
    private volatile bool _standing;

    public TimeSpan Target { get; } = target;

    public TimeSpan Interval { get; } = interval;

    public bool Standing => _standing;

    /// <summary>A request took a slot without waiting: there is no queue.</summary>
    public void NoWait()
    {
        Interlocked.Exchange(ref _overSince, 0);
        _standing = false;
    }

    /// <summary>A request took a slot after waiting <paramref name="waited"/>, at <paramref name="now"/> (a <see cref="Stopwatch"/> timestamp). True when this made the queue standing.</summary>
    public bool Waited(TimeSpan waited, long now)
    {
        if (waited < Target)
        {
            Interlocked.Exchange(ref _overSince, 0);
            return false;
        }
        var since = Interlocked.CompareExchange(ref _overSince, now, 0);
        if (since == 0 || _standing || Stopwatch.GetElapsedTime(since, now) < Interval)
        {
            return false;
        }
        _standing = true;
        return true;
    }
}
