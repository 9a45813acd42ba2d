using GrafanaProfiles.Store.Partitions;
using GrafanaProfiles.Store.Write;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrafanaProfiles.Store.Maintenance;

/// <summary>
/// Runs compaction and retention in the background of a host (the collector's service), one round
/// every <paramref name="interval"/>. A failed round is logged and tried again next time.
/// </summary>
public sealed class StoreMaintenance(StoreOptions options, TimeSpan interval, ILogger? log = null) : IAsyncDisposable
{
    private readonly ILogger _log = log ?? NullLogger.Instance;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public long Rounds { get; private set; }
    internal CompactionResult LastCompaction { get; private set; } = new(0, 0, 0, 0);
    public long CompactedPartitions { get; private set; }
    public long RemovedFiles { get; private set; }
    public long PartitionsExpired { get; private set; }

    public void Start() => _loop = Task.Run(() => LoopAsync(_stop.Token));

    /// <summary>One round now: compaction of closed hours, then retention.</summary>
    public void RunOnce(DateTime nowUtc, CancellationToken cancellationToken = default)
    {
        using (var compactor = new Compactor(options, _log))
        {
            LastCompaction = compactor.RunOnce(nowUtc, cancellationToken);
            CompactedPartitions += LastCompaction.PartitionsCompacted;
            RemovedFiles += LastCompaction.FilesRemoved;
        }
        PartitionsExpired += new Retention(new PartitionLayout(options.DataDirectory), options.Retention, _log).RunOnce(nowUtc);
        Rounds++;
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
                RunOnce(DateTime.UtcNow, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _log.LogError(e, "Store maintenance (compaction, retention) failed; trying again in {Interval}.", interval);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
