using GrafanaProfiles.Store.Ingest;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Collector.Scrape;

/// <summary>
/// Pull-based collection, the Parca way: one loop per (target, profile), all concurrent and
/// independent, each fetching through its target's resilience pipeline (see
/// <see cref="TargetClient"/>) and handing the body to an <see cref="IScrapeSink"/>.
/// An <see cref="IHostedService"/>: the host starts and stops it with the application.
/// </summary>
public sealed class ScrapeManager : IHostedService, IAsyncDisposable
{
    private readonly IReadOnlyList<ScrapeJob> _jobs;
    private readonly IScrapeSink _sink;
    private readonly ILogger _logger;
    private readonly IngestLimits _limits;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private readonly List<(ScrapeJob Job, TargetClient Client, List<ScrapeLoop> Loops)> _targets = [];
    private readonly Lock _lock = new();
    private CancellationTokenSource? _stopping;
    private Task[] _running = [];

    /// <param name="jobs">From <see cref="ScrapeConfig.Resolve"/>.</param>
    /// <param name="limits">Decode limits passed to the sink with every profile.</param>
    /// <param name="time">The clock of schedules, windows and timeouts.</param>
    public ScrapeManager(IReadOnlyList<ScrapeJob> jobs, IScrapeSink sink, ILogger<ScrapeManager> logger, IngestLimits? limits = null, TimeProvider? time = null)
    {
        _jobs = jobs;
        _sink = sink;
        _logger = logger;
        _limits = limits ?? IngestLimits.Default;
        _time = time ?? TimeProvider.System;
        // No proxy: scrape targets are reached directly, as Prometheus and Parca do by default.
        // No automatic decompression: a pprof body is itself a gzip file, kept as served.
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each attempt has the pipeline's scrape_timeout
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("grafana-profiles-scraper/1.0");
        foreach (var job in jobs)
        {
            foreach (var target in job.Targets)
            {
                var client = new TargetClient(_http, job, target, _time, logger);
                var loops = job.Profiles.Select(p => new ScrapeLoop(job, client, p, sink, _limits, _time, logger)).ToList();
                _targets.Add((job, client, loops));
            }
        }
    }

    /// <summary>Starts every loop. Returns at once; the loops run until <see cref="StopAsync"/>.</summary>
    private bool _disposed;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_stopping is not null)
            {
                throw new InvalidOperationException("The scrape manager is already started.");
            }
            _stopping = new CancellationTokenSource();
            var token = _stopping.Token;
            _running = [.. _targets.SelectMany(t => t.Loops).Select(loop => Task.Run(() => loop.RunAsync(token), CancellationToken.None))];
        }
        foreach (var job in _jobs)
        {
            _logger.LogInformation("Scraping job {Job}: {Targets} target(s), profiles {Profiles}, every {Interval}, timeout {Timeout}, tenant {Tenant}.",
                job.Name, job.Targets.Count, string.Join(", ", job.Profiles.Select(p => p.Key)), job.Interval, job.Timeout, job.Tenant);
            if (job.Profiles.Count(p => p.ProfileName == "memory") > 1)
            {
                _logger.LogWarning("Job {Job} scrapes both pprof_config.memory and pprof_config.heap: Go serves the same profile at both paths, so the memory series get every sample twice. Disable one.", job.Name);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>Cancels every loop (in-flight scrapes are abandoned) and waits for them, or until <paramref name="cancellationToken"/>.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task[] running;
        lock (_lock)
        {
            if (_stopping is null || _disposed)
            {
                return;
            }
            if (!_stopping.IsCancellationRequested)
            {
                _stopping.Cancel();
            }
            running = _running;
        }
        await Task.WhenAll(running).WaitAsync(cancellationToken);
    }

    /// <summary>The health of every (target, profile) at this moment.</summary>
    public ScrapeHealthSnapshot Health() => new(
        _time.GetUtcNow(),
        [.. _targets.Select(t => new TargetHealth(t.Job.Name, t.Client.Target.Address, t.Job.Tenant, t.Client.Circuit, [.. t.Loops.Select(l => l.Health.Snapshot())]))]);

    /// <summary>Runs one scrape of one loop now, outside its schedule (tests).</summary>
    internal Task ScrapeOnceAsync(ScrapeTarget target, ScrapeProfile profile, CancellationToken cancellationToken) =>
        _targets.Single(t => t.Client.Target == target).Loops.Single(l => l.Profile == profile).ScrapeOnceAsync(cancellationToken);

    /// <summary>Stops and releases the HTTP client. Safe to call more than once (the host may dispose a hosted service twice).</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
        }
        _stopping?.Dispose();
        _http.Dispose();
    }
}
