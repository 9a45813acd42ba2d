using System.Diagnostics;

namespace GrafanaProfiles.Collector.Ingest.Tests.Door;

/// <summary>The standing-queue criterion, and its re-entry memory (what the door uses for the write-ahead log's queue).</summary>
public sealed class StandingQueueTests
{
    private static readonly TimeSpan Target = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private static long At(long start, double ms) => start + (long)(ms * Stopwatch.Frequency / 1000);

    [Fact]
    public void StandsOnlyAfterAnIntervalOfWaitsOverTheTarget_AndStopsAtTheFirstShortOne()
    {
        var queue = new StandingQueue(Target, Interval);
        var start = Stopwatch.GetTimestamp();
        Assert.False(queue.Waited(TimeSpan.FromMilliseconds(60), At(start, 0)));
        Assert.False(queue.Waited(TimeSpan.FromMilliseconds(60), At(start, 50)));
        Assert.False(queue.Standing);
        Assert.True(queue.Waited(TimeSpan.FromMilliseconds(60), At(start, 101)));
        Assert.True(queue.Standing);
        queue.NoWait();
        Assert.False(queue.Standing);
        // Without a memory, a new run of long waits needs a whole interval again.
        Assert.False(queue.Waited(TimeSpan.FromMilliseconds(60), Stopwatch.GetTimestamp()));
        Assert.False(queue.Standing);
    }

    [Fact]
    public void WithAMemory_AQueueThatStoodMomentsAgo_StandsAgainAtTheFirstLongWait_WithoutAnnouncingIt()
    {
        var queue = new StandingQueue(Target, Interval, TimeSpan.FromSeconds(30));
        var start = Stopwatch.GetTimestamp();
        // Never stood: the memory changes nothing.
        Assert.False(queue.Waited(TimeSpan.FromMilliseconds(60), At(start, 0)));
        Assert.False(queue.Standing);
        Assert.True(queue.Waited(TimeSpan.FromMilliseconds(60), At(start, 101)));
        queue.NoWait();
        Assert.False(queue.Standing);
        // A wait under the target leaves it down; the next one over it puts it back at once.
        Assert.False(queue.Waited(TimeSpan.FromMilliseconds(10), Stopwatch.GetTimestamp()));
        Assert.False(queue.Standing);
        Assert.False(queue.Waited(TimeSpan.FromMilliseconds(60), Stopwatch.GetTimestamp()));
        Assert.True(queue.Standing);
    }
}
