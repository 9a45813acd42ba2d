using GrafanaProfiles.Collector.Ingest;
using GrafanaProfiles.Store.Maintenance;
using GrafanaProfiles.Store.Write;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Collector.Hosting;

/// <summary>
/// Owns the store's writer for the service's lifetime: opens it (replaying the write-ahead log)
/// after the HTTP server is already answering health checks, runs compaction and retention, and on
/// shutdown flushes everything acknowledged before the process exits.
/// </summary>
/// <param name="flushObserver">Told of every flush (the recording rules), from the replay at start-up on.</param>
public sealed class StoreService(CollectorSettings settings, ILogger<StoreService> log, IFlushObserver? flushObserver = null)
    : IHostedService, IAsyncDisposable, IIngestStore
{
    private readonly TaskCompletionSource<ProfileWriter> _writer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StoreMaintenance? _maintenance;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _opening;
    private volatile Exception? _failure;
    private bool _stopped;

    public StoreOptions Options { get; } = settings.ToStoreOptions() with { FlushObserver = flushObserver };

    /// <summary>True once the log is replayed and ingest is accepted.</summary>
    public bool IsReady => _writer.Task.IsCompletedSuccessfully;

    /// <summary>Why the store could not open, while it is not open (the last attempt's error).</summary>
    public Exception? Failure => IsReady ? null : _failure;

    public StoreMaintenance? Maintenance => _maintenance;

    public ProfileWriter Writer => _writer.Task.IsCompletedSuccessfully
        ? _writer.Task.Result
        : throw new InvalidOperationException("The store is not open yet.");

    ProfileWriter? IIngestStore.Writer => _writer.Task.IsCompletedSuccessfully ? _writer.Task.Result : null;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _opening = Task.Run(OpenAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Opens the writer; while the disk refuses (a read-only or full data directory, missing
    /// permissions), tries again every <c>store_open_retry_interval</c>, so the collector becomes
    /// ready by itself once the disk is fixed. Other failures (a log written by a newer version)
    /// are final.
    /// </summary>
    private async Task OpenAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var writer = await ProfileWriter.OpenAsync(Options, WalDecoders.All, log, CancellationToken.None);
                log.LogInformation("Store open at {DataDirectory}: replayed {Replayed} log records ({Torn} torn dropped).",
                    Options.DataDirectory, writer.Replay.RecordsReplayed, writer.Replay.TornRecordsDropped);
                _maintenance = new StoreMaintenance(Options, settings.MaintenanceInterval, log);
                _maintenance.Start();
                _failure = null;
                _writer.SetResult(writer);
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _failure = e;
                if (attempt == 1)
                {
                    log.LogError(e, "The store at {DataDirectory} could not be opened; trying again every {Interval}.", Options.DataDirectory, settings.StoreOpenRetryInterval);
                }
                try
                {
                    await Task.Delay(settings.StoreOpenRetryInterval, _stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    _writer.TrySetException(e);
                    return;
                }
            }
            catch (Exception e)
            {
                log.LogCritical(e, "The store at {DataDirectory} could not be opened.", Options.DataDirectory);
                _failure = e;
                _writer.SetException(e);
                return;
            }
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_opening is not null)
        {
            await _opening.ConfigureAwait(false);
        }
        if (_maintenance is not null)
        {
            await _maintenance.DisposeAsync().ConfigureAwait(false);
            _maintenance = null;
        }
        if (_writer.Task.IsCompletedSuccessfully && !_stopped)
        {
            _stopped = true;
            var writer = _writer.Task.Result;
            log.LogInformation("Shutting down: flushing {Rows} buffered rows.", writer.BufferedRows);
            await writer.DisposeAsync().ConfigureAwait(false);
        }
    }
}
