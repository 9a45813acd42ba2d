namespace GrafanaProfiles.Collector.Scrape;

/// <summary>The outcome of the last scrape: none yet, succeeded, failed (or skipped by an open circuit).</summary>
public enum ScrapeState
{
    Unknown,
    Up,
    Down,
}

/// <summary>A target's circuit breaker: closed (scraping), open (skipping), half-open (one trial scrape), isolated (held open by hand).</summary>
public enum TargetCircuitState
{
    Closed,
    Open,
    HalfOpen,
    Isolated,
}

/// <summary>Scrape health of every target at one moment, for /metrics and status pages.</summary>
public sealed partial record ScrapeHealthSnapshot(DateTimeOffset Taken, IReadOnlyList<TargetHealth> Targets);

/// <summary>One target of one job: Down when any of its profiles' last scrape failed.</summary>
public sealed record TargetHealth(string Job, string Instance, string Tenant, TargetCircuitState Circuit, IReadOnlyList<ProfileScrapeHealth> Profiles)
{
    public ScrapeState State =>
        Profiles.Any(p => p.State == ScrapeState.Down) ? ScrapeState.Down
        : Profiles.Any(p => p.State == ScrapeState.Up) ? ScrapeState.Up
        : ScrapeState.Unknown;

    public DateTimeOffset? LastScrape => Profiles.Max(p => p.LastScrape);

    /// <summary>The error of the most recent failed scrape of any profile still failing.</summary>
    public string? LastError => Profiles.Where(p => p.State == ScrapeState.Down).OrderByDescending(p => p.LastScrape).FirstOrDefault()?.LastError;

    public int ConsecutiveFailures => Profiles.Count == 0 ? 0 : Profiles.Max(p => p.ConsecutiveFailures);
}

/// <summary>One profile endpoint of one target.</summary>
/// <param name="LastScrape">When the last scrape started.</param>
/// <param name="LastDuration">How long it took, retries included.</param>
/// <param name="LastError">Why the last scrape failed; null after a success.</param>
/// <param name="Skipped">Scrapes not attempted because the target's circuit was open.</param>
public sealed record ProfileScrapeHealth(
    string Profile,
    string Url,
    ScrapeState State,
    DateTimeOffset? LastScrape,
    TimeSpan? LastDuration,
    string? LastError,
    DateTimeOffset? LastSuccess,
    int ConsecutiveFailures,
    long Scrapes,
    long Failures,
    long Skipped);

/// <summary>The mutable health of one scrape loop; written by the loop, read by snapshots.</summary>
internal sealed class ProfileHealthTracker(string profile, string url)
{
    private readonly Lock _lock = new();
    private ScrapeState _state;
    private DateTimeOffset? _lastScrape;
    private TimeSpan? _lastDuration;
    private string? _lastError;
    private DateTimeOffset? _lastSuccess;
    private int _consecutiveFailures;
    private long _scrapes;
    private long _failures;
    private long _skipped;

    public void Succeeded(DateTimeOffset started, TimeSpan duration)
    {
        lock (_lock)
        {
            _state = ScrapeState.Up;
            _lastScrape = started;
            _lastDuration = duration;
            _lastError = null;
            _lastSuccess = started;
            _consecutiveFailures = 0;
            _scrapes++;
        }
    }

    /// <returns>The number of consecutive failures, this one included.</returns>
    public int Failed(DateTimeOffset started, TimeSpan duration, string error, bool skipped)
    {
        lock (_lock)
        {
            _state = ScrapeState.Down;
            _lastScrape = started;
            _lastDuration = duration;
            _lastError = error;
            _scrapes++;
            _failures++;
            if (skipped)
            {
                _skipped++;
            }
            return ++_consecutiveFailures;
        }
    }

    public ProfileScrapeHealth Snapshot()
    {
        lock (_lock)
        {
            return new ProfileScrapeHealth(profile, url, _state, _lastScrape, _lastDuration, _lastError, _lastSuccess,
                _consecutiveFailures, _scrapes, _failures, _skipped);
        }
    }
}
