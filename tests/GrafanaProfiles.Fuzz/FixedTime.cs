namespace GrafanaProfiles.Fuzz;

/// <summary>A stopped clock, so that a saved input decodes the same way on every rerun.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public static FixedTime Clock { get; } = new(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));

    public override DateTimeOffset GetUtcNow() => now;
}
