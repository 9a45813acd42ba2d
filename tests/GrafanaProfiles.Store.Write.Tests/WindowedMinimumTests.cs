namespace GrafanaProfiles.Store.Write.Tests;

/// <summary>The write-ahead log's pace estimate: the fastest commit of the last one or two windows.</summary>
public sealed class WindowedMinimumTests
{
    [Fact]
    public void KeepsTheMinimumOfTheWindowUnderWayAndTheOneBefore_AndForgetsOlderOnes()
    {
        var pace = new WriteAheadLog.WindowedMinimum(window: 1000);
        Assert.Equal(0, pace.Value);
        pace.Add(50, now: 10_000);
        pace.Add(5, now: 10_100);
        pace.Add(80, now: 10_200);
        Assert.Equal(5, pace.Value);
        // A new window: the fast commit of the last one still counts.
        pace.Add(90, now: 11_100);
        Assert.Equal(5, pace.Value);
        // Two windows on, it is forgotten: big batches' slow commits are the pace now.
        pace.Add(70, now: 12_200);
        Assert.Equal(70, pace.Value);
        pace.Add(60, now: 12_300);
        Assert.Equal(60, pace.Value);
    }
}
