using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;

namespace GrafanaProfiles.Collector.Scrape;

/// <summary>
/// Scrapes one profile of one target every interval until stopped. Ticks are spread over the
/// interval by a hash of the URL (as Prometheus does), so that targets are not all hit at once.
/// A scrape that runs past its tick starts the next one at once (a delta CPU profile of
/// interval seconds lasts a whole interval); one that runs past a whole interval skips ticks.
/// </summary>
internal sealed class ScrapeLoop
{
    private readonly ScrapeJob _job;
    private readonly TargetClient _client;
    private readonly ScrapeProfile _profile;
    private readonly IScrapeSink _sink;
    private readonly IngestLimits _limits;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Uri _url;

    public ScrapeLoop(ScrapeJob job, TargetClient client, ScrapeProfile profile, IScrapeSink sink, IngestLimits limits, TimeProvider time, ILogger logger)
    {
        _job = job;
        _client = client;
        _profile = profile;
        _sink = sink;
        _limits = limits;
        _time = time;
        _logger = logger;
        _url = job.UrlOf(client.Target, profile);
        Health = new ProfileHealthTracker(profile.Key, _url.ToString());
    }

    public ProfileHealthTracker Health { get; }

    public ScrapeProfile Profile => _profile;

    public async Task RunAsync(CancellationToken stopping)
    {
        var interval = _job.Interval;
        var offset = TimeSpan.FromTicks((long)(ContentHash.XxHash64(System.Text.Encoding.UTF8.GetBytes(_url.ToString())) % (ulong)interval.Ticks));
        var next = _time.GetUtcNow() + offset;
        while (!stopping.IsCancellationRequested)
        {
            var wait = next - _time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, _time, stopping);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
            }
            await ScrapeOnceAsync(stopping);
            next += interval;
            var now = _time.GetUtcNow();
            if (next + interval <= now)
            {
                next = now;
            }
        }
    }

    internal async Task ScrapeOnceAsync(CancellationToken stopping)
    {
        var started = _time.GetUtcNow();
        var clock = _time.GetTimestamp();
        try
        {
            var body = await _client.FetchAsync(_url, stopping);
            var received = _time.GetUtcNow();
            await _sink.AppendAsync(_job.Tenant, body.Bytes, body.ContentEncoding, DecodeOptions(received), stopping);
            Health.Succeeded(started, _time.GetElapsedTime(clock));
            _logger.LogDebug("Scraped {Url} ({Bytes} bytes) in {Duration}.", _url, body.Bytes.Length, _time.GetElapsedTime(clock));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutdown: not a failure of the target.
        }
        catch (Exception e)
        {
            var skipped = e is BrokenCircuitException; // IsolatedCircuitException included
            var error = ScrapeFailures.Describe(e, _job, skipped ? _client.OpenedBy : null);
            var failures = Health.Failed(started, _time.GetElapsedTime(clock), error, skipped);
            if (skipped)
            {
                _logger.LogDebug("Scrape of {Url} {Error}.", _url, error);
            }
            else if (failures == 1 || failures % 10 == 0)
            {
                // The first failure and every tenth: a dead target must not flood the log.
                _logger.LogWarning("Scrape of {Url} failed ({Failures} in a row): {Error}.", _url, failures, error);
            }
        }
    }

    private PprofDecodeOptions DecodeOptions(DateTimeOffset received)
    {
        var options = new PprofDecodeOptions
        {
            ServiceName = _client.Target.ServiceName,
            Labels = _client.Target.Labels,
            ProfileName = _profile.ProfileName,
            Clock = _time,
            Limits = _limits,
        };
        if (_profile.DeltaSeconds is not { } seconds)
        {
            return options;
        }
        // The target profiled the seconds before it answered.
        var until = (received.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        return options with { FromUnixNanos = until - (seconds * 1_000_000_000L), UntilUnixNanos = until };
    }
}
