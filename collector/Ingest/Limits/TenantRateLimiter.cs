namespace GrafanaProfiles.Collector.Ingest.Limits;

/// <summary>
/// A token bucket per tenant over request body bytes: <c>rate</c> bytes per second refill, up to
/// <c>burst</c> bytes. A request larger than the burst passes when the bucket is full and leaves it
/// in debt, which throttles the requests after it (Pyroscope would refuse such a request forever).
/// A refused request is told how long to wait.
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
            var elapsed = clock.GetElapsedTime(bucket.Stamp, now).TotalSeconds;
            bucket.Tokens = Math.Min(burstBytes, bucket.Tokens + (elapsed * bytesPerSecond));
            bucket.Stamp = now;
            var needed = Math.Min(bytes, burstBytes);
            if (bucket.Tokens >= needed)
            {
                bucket.Tokens -= bytes;
                retryAfter = TimeSpan.Zero;
                return true;
            }
            retryAfter = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling((needed - bucket.Tokens) / bytesPerSecond)));
            return false;
        }
    }

    private sealed class Bucket
    {
        public double Tokens { get; set; }
        public long Stamp { get; set; }
    }
}
