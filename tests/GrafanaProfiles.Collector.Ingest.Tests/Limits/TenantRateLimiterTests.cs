using GrafanaProfiles.Collector.Ingest.Limits;

namespace GrafanaProfiles.Collector.Ingest.Tests.Limits;

public sealed class TenantRateLimiterTests
{
    /// <summary>A clock the test moves by hand.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _ticks;
        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    [Fact]
    public void Bucket_RefillsAtTheRate_AndRefusesWithTheWaitNeeded()
    {
        var clock = new ManualClock();
        var limiter = new TenantRateLimiter(bytesPerSecond: 1000, burstBytes: 2000, clock);
        Assert.True(limiter.TryTake("t", 1500, out _));
        Assert.True(limiter.TryTake("t", 500, out _));
        Assert.False(limiter.TryTake("t", 1000, out var wait));
        Assert.Equal(TimeSpan.FromSeconds(1), wait);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limiter.TryTake("t", 1000, out _));
        // Other tenants have their own buckets.
        Assert.True(limiter.TryTake("u", 2000, out _));
    }

    [Fact]
    public void RequestLargerThanTheBurst_PassesOnAFullBucket_AndItsDebtThrottlesTheNext()
    {
        var clock = new ManualClock();
        var limiter = new TenantRateLimiter(bytesPerSecond: 1000, burstBytes: 1000, clock);
        Assert.True(limiter.TryTake("t", 5000, out _));
        Assert.False(limiter.TryTake("t", 10, out var wait));
        Assert.Equal(TimeSpan.FromSeconds(5), wait); // 4000 bytes of debt plus the 10 asked, at 1000/s
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.True(limiter.TryTake("t", 10, out _));
    }

    [Fact]
    public void Bucket_NeverHoldsMoreThanTheBurst()
    {
        var clock = new ManualClock();
        var limiter = new TenantRateLimiter(bytesPerSecond: 1000, burstBytes: 1000, clock);
        clock.Advance(TimeSpan.FromHours(1));
        Assert.True(limiter.TryTake("t", 1000, out _));
        Assert.False(limiter.TryTake("t", 1, out _));
    }
}
