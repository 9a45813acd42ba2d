using System.Diagnostics;

namespace GrafanaProfiles.Collector.Ingest;

/// <summary>
/// Tells a standing queue (sustained overload) from a burst by how long requests wait for a
/// decoding slot, after CoDel's sojourn-time criterion: the queue stands once every request for
/// <see cref="Interval"/> has waited at least <see cref="Target"/>; it stops standing when a
/// request finds a free slot at once. While it stands, requests wait at most the target, so the
/// accepted ones keep their latency and the rest are refused at once; a burst still gets the
/// longer <c>ingest_queue_wait</c>. With a <paramref name="memory"/>, a queue that stood less than
/// that long ago stands again at the first wait over the target, as CoDel resumes dropping: a
/// sustained overload that the refusals drained for a moment is not admitted whole for another
/// interval.
/// </summary>
internal sealed class StandingQueue(TimeSpan target, TimeSpan interval, TimeSpan memory = default)
{
    /// <summary>Timestamp of the first of an unbroken run of waits at or over the target; 0 when the last wait was shorter.</summary>
    private long _overSince;
    private volatile bool _standing;
    /// <summary>When the queue last stopped standing (<see cref="Stopwatch"/> ticks; 0: never stood).</summary>
    private long _stoodUntil;

    public TimeSpan Target { get; } = target;

    public TimeSpan Interval { get; } = interval;

    public bool Standing => _standing;

    /// <summary>A request took a slot without waiting: there is no queue.</summary>
    public void NoWait()
    {
        Interlocked.Exchange(ref _overSince, 0);
        if (_standing)
        {
            _standing = false;
            Interlocked.Exchange(ref _stoodUntil, Stopwatch.GetTimestamp());
        }
    }

    /// <summary>A request took a slot after waiting <paramref name="waited"/>, at <paramref name="now"/> (a <see cref="Stopwatch"/> timestamp). True when this made the queue standing (not when it resumed standing within the memory).</summary>
    public bool Waited(TimeSpan waited, long now)
    {
        if (waited < Target)
        {
            Interlocked.Exchange(ref _overSince, 0);
            return false;
        }
        var since = Interlocked.CompareExchange(ref _overSince, now, 0);
        if (_standing)
        {
            return false;
        }
        var resumes = memory > TimeSpan.Zero && Interlocked.Read(ref _stoodUntil) is var until and not 0 && Stopwatch.GetElapsedTime(until, now) < memory;
        if (!resumes && (since == 0 || Stopwatch.GetElapsedTime(since, now) < Interval))
        {
            return false;
        }
        _standing = true;
        // A resumed standing is the same overload going on: only a new one is news.
        return !resumes;
    }
}
