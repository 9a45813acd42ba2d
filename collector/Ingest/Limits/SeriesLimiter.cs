namespace GrafanaProfiles.Collector.Ingest.Limits;

/// <summary>
/// Counts a tenant's active series (seen within the idle time) and refuses a request that would
/// take the tenant over its limit. Either all of a request's series are admitted or none.
/// </summary>
public sealed class SeriesLimiter(int maxSeriesPerTenant, TimeSpan idleTime, TimeProvider clock)
{
    private readonly Dictionary<string, Dictionary<ulong, DateTimeOffset>> _tenants = new(StringComparer.Ordinal);

    /// <summary>Admits the series, or returns false with the tenant's active count and how many are new.</summary>
    public bool TryAdmit(string tenant, IReadOnlyCollection<ulong> seriesIds, out int active, out int added)
    {
        var now = clock.GetUtcNow();
        lock (_tenants)
        {
            if (!_tenants.TryGetValue(tenant, out var seen))
            {
                seen = [];
                _tenants[tenant] = seen;
            }
            if (seen.Count + seriesIds.Count > maxSeriesPerTenant)
            {
                foreach (var (id, last) in seen.Where(p => now - p.Value > idleTime).ToList())
                {
                    seen.Remove(id);
                }
            }
            added = seriesIds.Count(id => !seen.ContainsKey(id));
            active = seen.Count;
            if (added > 0 && active + added > maxSeriesPerTenant)
            {
                return false;
            }
            foreach (var id in seriesIds)
            {
                seen[id] = now;
            }
            active = seen.Count;
            return true;
        }
    }

    public int ActiveSeries(string tenant)
    {
        lock (_tenants)
        {
            return _tenants.TryGetValue(tenant, out var seen) ? seen.Count : 0;
        }
    }

    public IReadOnlyDictionary<string, int> ActiveSeriesByTenant()
    {
        lock (_tenants)
        {
            return _tenants.ToDictionary(p => p.Key, p => p.Value.Count);
        }
    }
}
