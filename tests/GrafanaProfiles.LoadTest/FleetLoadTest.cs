using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using GrafanaProfiles.Collector.Demo;

namespace GrafanaProfiles.LoadTest;

/// <summary>
/// Sustained ingest of the demo's fleet: generated Go-like pprof profiles (2–7 samples each) sent
/// to /ingest from N concurrent senders for the given time; reports profiles/s and samples/s,
/// latency percentiles, refusals and the collector's RSS.
/// </summary>
internal static class FleetLoadTest
{
    public static async Task<int> RunAsync(int seconds, int concurrency)
    {
        await using var collector = await CollectorProcess.StartAsync(new Dictionary<string, string>
        {
            ["GP_LIMITS__INGESTION_RATE_BYTES"] = "10000000000", // measure the collector, not the tenant limit
            ["GP_LIMITS__INGESTION_BURST_BYTES"] = "10000000000",
            ["GP_LIMITS__MAX_SERIES_PER_TENANT"] = "100000",
        });
        var http = collector.Client;

        // Pre-generate bodies so the senders measure the collector, not the generator.
        var fleet = Workload.Fleet();
        var random = new Random(7);
        var now = DateTime.UtcNow;
        var bodies = Enumerable.Range(0, 200).Select(i =>
        {
            var w = fleet[i % fleet.Count];
            var start = now.AddSeconds(-10 * (i / fleet.Count));
            var memory = i % 2 == 1;
            var body = w.Profile(memory, start, TimeSpan.FromSeconds(10), random);
            var name = Uri.EscapeDataString($"{w.Service}{{version={w.Version},pod={w.Pod}-{i % 40}}}");
            return (Body: body, Query: $"/ingest?name={name}&format=pprof", Samples: SdkUpload.ParseProfile(body).Sample.Count);
        }).ToArray();

        long profiles = 0, samples = 0, refused = 0, failed = 0;
        var latencies = new List<double>[concurrency];
        var peakRss = 0L;
        var stop = DateTime.UtcNow.AddSeconds(seconds);
        var watch = Stopwatch.StartNew();
        var rssSampler = Task.Run(async () =>
        {
            while (DateTime.UtcNow < stop)
            {
                peakRss = Math.Max(peakRss, collector.Rss());
                await Task.Delay(250);
            }
        });
        var senders = Enumerable.Range(0, concurrency).Select(s => Task.Run(async () =>
        {
            latencies[s] = [];
            var i = s;
            while (DateTime.UtcNow < stop)
            {
                var (body, query, count) = bodies[i++ % bodies.Length];
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                var t = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.PostAsync(query, content);
                    var ms = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                    if (response.IsSuccessStatusCode)
                    {
                        latencies[s].Add(ms);
                        Interlocked.Increment(ref profiles);
                        Interlocked.Add(ref samples, count);
                    }
                    else if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    {
                        Interlocked.Increment(ref refused);
                        await Task.Delay(50);
                    }
                    else
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })).ToArray();
        await Task.WhenAll(senders);
        var elapsed = watch.Elapsed.TotalSeconds;
        await rssSampler;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double Percentile(double p) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)(p * all.Length))];
        var idleRss = collector.Rss();

        Console.WriteLine($"Load test: {concurrency} concurrent senders for {seconds} s against the collector (fsync write-ahead log), {Environment.ProcessorCount} cores");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  accepted profiles   {profiles,10}   {profiles / elapsed,10:0.0} profiles/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  accepted samples    {samples,10}   {samples / elapsed,10:0} samples/s (pprof samples)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  latency             p50 {Percentile(0.50):0.0} ms   p99 {Percentile(0.99):0.0} ms   max {(all.Length == 0 ? 0 : all[^1]):0.0} ms"));
        Console.WriteLine($"  refused (429)       {refused,10}");
        Console.WriteLine($"  failed              {failed,10}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  collector RSS       peak {peakRss / 1048576.0:0} MiB, after the run {idleRss / 1048576.0:0} MiB"));
        return failed == 0 ? 0 : 1;
    }
}
