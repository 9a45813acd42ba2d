using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using GrafanaProfiles.Collector.Demo;

// Usage: dotnet run -c Release --project tests/GrafanaProfiles.LoadTest -- [seconds=30] [concurrency=8]
// Starts the collector executable on loopback with a temporary data directory, sends generated
// Go-like pprof profiles to /ingest from N concurrent senders for the given time, and reports
// sustained profiles/s and samples/s, latency percentiles, refusals, and the collector's RSS.
var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;

var collector = Path.Combine(AppContext.BaseDirectory, "grafana-profiles-collector.dll");
var data = Path.Combine(Path.GetTempPath(), "gp-loadtest-" + Guid.NewGuid().ToString("N")[..8]);
int port;
using (var probe = new TcpListener(IPAddress.Loopback, 0))
{
    probe.Start();
    port = ((IPEndPoint)probe.LocalEndpoint).Port;
}
var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
foreach (var a in new[] { collector, "serve", "--listen", $"http://127.0.0.1:{port}", "--data-dir", data })
{
    psi.ArgumentList.Add(a);
}
psi.Environment["GP_LIMITS__INGESTION_RATE_BYTES"] = "10000000000"; // measure the collector, not the tenant limit
psi.Environment["GP_LIMITS__INGESTION_BURST_BYTES"] = "10000000000";
psi.Environment["GP_LIMITS__MAX_SERIES_PER_TENANT"] = "100000";
using var process = Process.Start(psi)!;
process.OutputDataReceived += (_, _) => { };
process.ErrorDataReceived += (_, _) => { };
process.BeginOutputReadLine();
process.BeginErrorReadLine();
using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
while (true)
{
    try
    {
        if ((await http.GetAsync("/ready")).IsSuccessStatusCode)
        {
            break;
        }
    }
    catch (HttpRequestException)
    {
    }
    await Task.Delay(100);
}

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
    return (Body: body, Query: $"/ingest?name={name}&format=pprof", Samples: CountSamples(body));
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
        peakRss = Math.Max(peakRss, Rss(process.Id));
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
var idleRss = Rss(process.Id);

Console.WriteLine($"Load test: {concurrency} concurrent senders for {seconds} s against the collector (fsync write-ahead log), {Environment.ProcessorCount} cores");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  accepted profiles   {profiles,10}   {profiles / elapsed,10:0.0} profiles/s"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  accepted samples    {samples,10}   {samples / elapsed,10:0} samples/s (pprof samples)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  latency             p50 {Percentile(0.50):0.0} ms   p99 {Percentile(0.99):0.0} ms   max {(all.Length == 0 ? 0 : all[^1]):0.0} ms"));
Console.WriteLine($"  refused (429)       {refused,10}");
Console.WriteLine($"  failed              {failed,10}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  collector RSS       peak {peakRss / 1048576.0:0} MiB, after the run {idleRss / 1048576.0:0} MiB"));

_ = Posix.kill(process.Id, 15);
await process.WaitForExitAsync();
Directory.Delete(data, recursive: true);
return failed == 0 ? 0 : 1;

static long Rss(int pid)
{
    foreach (var line in File.ReadLines($"/proc/{pid}/status"))
    {
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
        {
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
    }
    return 0;
}

static int CountSamples(byte[] gzipped)
{
    using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(gzipped), System.IO.Compression.CompressionMode.Decompress);
    return GrafanaProfiles.Schema.Pprof.Profile.Parser.ParseFrom(gzip).Sample.Count;
}

internal static partial class Posix
{
    [System.Runtime.InteropServices.LibraryImport("libc")]
    internal static partial int kill(int pid, int signal);
}
