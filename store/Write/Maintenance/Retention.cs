using GrafanaProfiles.Store.Partitions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrafanaProfiles.Store.Maintenance;

/// <summary>
/// Deletes whole hour partitions older than the retention. A partition is first renamed out of the
/// layout (one atomic step, after which no listing sees it), then removed.
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
                var dir = layout.HourDirectory(tenant, hour);
                var doomed = Path.Combine(Path.GetDirectoryName(dir)!, PartitionLayout.TempPrefix + "deleting-" + Path.GetFileName(dir) + "-" + Guid.NewGuid().ToString("N")[..8]);
                try
                {
                    Directory.Move(dir, doomed);
                    Directory.Delete(doomed, recursive: true);
                    deleted++;
                }
                catch (IOException e)
                {
                    _log.LogWarning(e, "Could not delete expired partition {Dir}; will try again.", dir);
                }
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
}
