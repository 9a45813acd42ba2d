namespace GrafanaProfiles.Collector.Limits;

/// <summary>
/// A token bucket per tenant over request body bytes: <c>rate</c> bytes per second refill, up to
/// <c>burst</c> bytes (or one request's size, so a single request larger than the burst can still
/// pass on an idle tenant — Pyroscope would refuse it forever). A refused request is told how long
/// to wait.
/// </summary>
public sealed class TenantRateLimiter(long bytesPerSecond, long burstBytes, TimeProvider clock)
{
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>Takes <paramref name="bytes"/> from the tenant's bucket, or returns how long until it could.</summary>
    public bool TryTake(string tenant, long bytes, out TimeSpan retryAfter)
    {
        var now = clock.GetTimestamp();
        lock (_buckets)
        {
            if (!_buckets.TryGetValue(tenant, out var bucket))
            {
                bucket = new Bucket { Tokens = burstBytes, Stamp = now };
                _buckets[tenant] = bucket;
            }
            var capacity = Math.Max(burstBytes, bytes);
            var elapsed = clock.GetElapsedTime(bucket.Stamp, now).TotalSeconds;
            bucket.Tokens = Math.Min(capacity, bucket.Tokens + (elapsed * bytesPerSecond));
            bucket.Stamp = now;
            if (bucket.Tokens >= bytes)
            {
                bucket.Tokens -= bytes;
                retryAfter = TimeSpan.Zero;
                return true;
            }
            retryAfter = TimeSpan.FromSeconds(Math.Ceiling((bytes - bucket.Tokens) / bytesPerSecond));
            return false;
        }
    }

    private sealed class Bucket
    {
        public double Tokens { get; set; }
        public long Stamp { get; set; }
    }
}
