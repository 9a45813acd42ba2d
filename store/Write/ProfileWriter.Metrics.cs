using GrafanaProfiles.Schema.Tables;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Store.Write;

/// <summary>The flush's hook for metrics recorded from profiles (<see cref="StoreOptions.FlushObserver"/>).</summary>
public sealed partial class ProfileWriter
{
    /// <summary>
    /// Asks the flush observer for the partition's points and writes them as its metrics file under
    /// a temporary name (fsynced by the caller with the other files of the flush). Nothing when
    /// there is no observer or no point; an observer's exception is logged and costs only its points.
    /// </summary>
    private IReadOnlyList<(string Table, string Path)> WriteMetrics(PartitionBuffer partition, Func<string, string> tempPathFor,
        List<FlushedMetrics> flushed)
    {
        if (_options.FlushObserver is not { } observer)
        {
            return [];
        }
        IReadOnlyList<MetricPoint> points;
        try
        {
            points = observer.PartitionFlushing(new FlushedPartition(partition));
        }
#pragma warning disable CA1031 // Derived data must not hold back the profiles: the flush goes on without these points.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _log.LogError(e, "Recording metrics for {Tenant} {Hour:yyyy-MM-ddTHH} failed; this flush writes the profiles without them.",
                partition.Key.Tenant, partition.Key.Hour);
            return [];
        }
        if (points.Count == 0)
        {
            return [];
        }
        var path = tempPathFor(MetricsTable.Name);
        using (var connection = _duck.Connect())
        {
            MetricsFileWriter.Write(connection, points, path, _options.RowGroupSize);
        }
        flushed.Add(new FlushedMetrics(partition.Key.Tenant, partition.Key.Hour, points));
        return [(MetricsTable.Name, path)];
    }

    /// <summary>Tells the observer what the committed flush wrote (after the commit, so a reader can already see it).</summary>
    private void MetricsCommitted(List<FlushedMetrics> flushed)
    {
        if (_options.FlushObserver is not { } observer || flushed.Count == 0)
        {
            return;
        }
        try
        {
            observer.FlushCommitted(flushed);
        }
#pragma warning disable CA1031 // The flush has committed; an observer's failure must not make it look failed.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _log.LogError(e, "The flush observer failed after a committed flush.");
        }
    }
}
