namespace GrafanaProfiles.Collector.Ingest.Tests.Support;

internal sealed class StoppedClock(DateTimeOffset now) : TimeProvider
{
    public static readonly DateTimeOffset Instant = new(2024, 5, 1, 10, 0, 0, TimeSpan.Zero);

    public static StoppedClock Default { get; } = new(Instant);

    public static long InstantNanos => (Instant - DateTimeOffset.UnixEpoch).Ticks * 100;

    public override DateTimeOffset GetUtcNow() => now;
}
