using GrafanaProfiles.Store.Partitions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrafanaProfiles.Store.Maintenance;

/// <summary>
/// Deletes whole hour partitions (with their rollups) older than the retention, and day rollups
/// whose first hour is gone. A partition is first renamed out of the layout (one atomic step, after
/// which no listing sees it), then removed.
/// </summary>
public sealed class Retention(PartitionLayout layout, TimeSpan retention, ILogger? log = null)
{
    private readonly ILogger _log = log ?? NullLogger.Instance;

    /// <summary>Deletes partitions whose hour ended before <c>now - retention</c>; returns how many.</summary>
    public int RunOnce(DateTime nowUtc)
    {
        if (retention <= TimeSpan.Zero)
        {
            return 0;
        }
        var cutoff = nowUtc - retention;
        var deleted = 0;
        foreach (var tenant in layout.Tenants().ToList())
        {
            foreach (var hour in layout.Hours(tenant).Where(h => h.AddHours(1) <= cutoff))
            {
                deleted += Delete(layout.HourDirectory(tenant, hour)) ? 1 : 0;
            }
            // A day's rollup sums all its hours: once its first hour is gone it no longer holds (readers
            // read the remaining hours one by one), and it goes too. It is not counted as a partition.
            foreach (var day in layout.Days(tenant).Where(d => d.AddHours(1) <= cutoff))
            {
                Delete(layout.DayDirectory(tenant, day));
            }
            // Leftovers of a deletion interrupted by a crash.
            foreach (var leftover in Directory.EnumerateDirectories(layout.TenantDirectory(tenant), PartitionLayout.TempPrefix + "deleting-*").ToList())
            {
                Directory.Delete(leftover, recursive: true);
            }
        }
        if (deleted > 0)
        {
            _log.LogInformation("Retention deleted {Count} hour partitions older than {Cutoff:u}.", deleted, cutoff);
        }
        return deleted;
    }

    /// <summary>Renames a partition directory out of the layout (atomic: no listing sees it after), then removes it.</summary>
    private bool Delete(string dir)
    {
        var doomed = Path.Combine(Path.GetDirectoryName(dir)!, PartitionLayout.TempPrefix + "deleting-" + Path.GetFileName(dir) + "-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.Move(dir, doomed);
            Directory.Delete(doomed, recursive: true);
            return true;
        }
        catch (IOException e)
        {
            _log.LogWarning(e, "Could not delete expired partition {Dir}; will try again.", dir);
            return false;
        }
    }
}
