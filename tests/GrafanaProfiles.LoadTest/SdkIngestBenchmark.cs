using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using GrafanaProfiles.Store.Diagnostics;

namespace GrafanaProfiles.LoadTest;

/// <summary>The settings of <c>sdk</c> runs (see docs/benchmarks.md, "One ingest door: the SDK's HTTP path").</summary>
internal sealed record SdkBenchmarkOptions
{
    public int Seconds { get; init; } = 20;
    public int WarmupSeconds { get; init; } = 5;
    public int Clients { get; init; } = 8;
    public int Rate { get; init; } = 200;
    public bool Closed { get; init; } = true;
    public bool Steady { get; init; } = true;
    public int Pods { get; init; } = 400;
    public int Runs { get; init; } = 1;
    public bool RawBody { get; init; }
    public int? Samples { get; init; }
    public string Profile { get; init; } = Path.Combine(AppContext.BaseDirectory, "testdata", "go-cpu.pb.gz");

    public static SdkBenchmarkOptions? Parse(IReadOnlyList<string> args)
    {
        var options = new SdkBenchmarkOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--seconds" => options with { Seconds = Int() },
                "--warmup" => options with { WarmupSeconds = Int() },
                "--clients" => options with { Clients = Int() },
                "--rate" => options with { Rate = Int() },
                "--shape" => Next() switch
                {
                    "closed" => options with { Closed = true, Steady = false },
                    "steady" => options with { Closed = false, Steady = true },
                    "both" => options with { Closed = true, Steady = true },
                    var other => throw new ArgumentException($"--shape is closed, steady or both, not '{other}'"),
                },
                "--pods" => options with { Pods = Int() },
                "--runs" => options with { Runs = Int() },
                "--raw" => options with { RawBody = true },
                "--samples" => options with { Samples = Int() },
                "--profile" => options with { Profile = Next() },
                var other => throw new ArgumentException($"unknown option '{other}'"),
            };
        }
        return options;
    }
}

/// <summary>What one load shape measured.</summary>
internal sealed record SdkRun(string Shape, int Uploads, int Refused, int Failed, double Seconds, double CollectorCpuUs, double BaselineUs,
    double P50Ms, double P99Ms, double CommitsPerUpload, double SwitchesPerUpload, long RssBytes,
    IReadOnlyList<(string Group, double CpuUs, double Voluntary, double Involuntary)> Threads, double? PacedBaselineUs)
{
    public double Ratio => CollectorCpuUs / BaselineUs;

    /// <summary>Against the same parse paced at the steady rate (null for the closed loop).</summary>
    public double? PacedRatio => CollectorCpuUs / PacedBaselineUs;
}

/// <summary>
/// The HTTP path that SDKs use, measured from outside: the real collector executable at its
/// default settings (tenant rate limit raised, so that the closed loop measures the collector and
/// not the limit), uploads of a real Go CPU profile as the Go SDK sends them, and the collector's
/// CPU (all threads, from /proc) per accepted upload against the parse-only baseline measured in
/// this process right before: a warm gunzip with System.IO.Compression and a Google.Protobuf parse
/// of the same gzipped profile, on one thread. Two load shapes: N clients sending as fast as they
/// can (closed loop), and a steady rate (an open loop: a request leaves every 1/rate seconds
/// whether or not earlier ones were answered), as a fleet of pods each sending every 10 s does.
/// </summary>
internal sealed class SdkIngestBenchmark(SdkBenchmarkOptions options)
{
    private readonly SdkUpload _upload = new(SdkUpload.Load(options.Profile, options.Samples), options.RawBody);

    public async Task<int> RunAsync()
    {
        var raw = Gunzipped(_upload.Profile);
        Console.WriteLine($"SDK ingest benchmark: POST /ingest as the Pyroscope Go SDK sends it ({(options.RawBody ? "raw gzipped pprof body, format=pprof" : "multipart/form-data with the gzipped pprof")})");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  profile {Path.GetFileName(options.Profile)}: {_upload.Samples} samples, {_upload.Profile.Length:N0} bytes gzipped, {raw:N0} bytes of protobuf; body {_upload.BodyBytes:N0} bytes; {options.Pods} pods"));
        Console.WriteLine($"  machine: {Environment.ProcessorCount} cores, load average {LoadAverage()}; {options.WarmupSeconds} s warm-up, then {options.Seconds} s measured, a fresh collector per shape");
        var runs = new List<SdkRun>();
        for (var run = 0; run < options.Runs; run++)
        {
            if (options.Closed)
            {
                runs.Add(await MeasureAsync($"closed loop, {options.Clients} clients", closed: true));
            }
            if (options.Steady)
            {
                runs.Add(await MeasureAsync($"steady {options.Rate} uploads/s", closed: false));
            }
        }
        Console.WriteLine();
        Console.WriteLine($"| shape | accepted | collector CPU per upload | parse-only baseline | ratio | paced baseline (ratio) | p50 / p99 | WAL commits per upload | context switches per upload |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in runs)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Shape} | {r.Uploads:N0} ({r.Uploads / r.Seconds:N0}/s) | {r.CollectorCpuUs:N0} µs | {r.BaselineUs:N0} µs | {r.Ratio:0.00}× | {(r.PacedBaselineUs is { } paced ? $"{paced:N0} µs ({r.PacedRatio:0.00}×)" : "—")} | {r.P50Ms:0.0} / {r.P99Ms:0.0} ms | {r.CommitsPerUpload:0.00} | {r.SwitchesPerUpload:0.0} |"));
        }
        Console.WriteLine($"Load average at the end: {LoadAverage()}");
        return runs.Any(r => r.Failed > 0) ? 1 : 0;
    }

    private async Task<SdkRun> MeasureAsync(string shape, bool closed)
    {
        Console.WriteLine();
        Console.WriteLine($"{shape}:");
        var baseline = BaselineUs();
        double? paced = closed ? null : PacedBaselineUs(options.Rate);
        await using var collector = await CollectorProcess.StartAsync(new Dictionary<string, string>
        {
            // Measure the collector, not the tenant limit (4 MB/s by default, which the closed loop passes).
            ["GP_LIMITS__INGESTION_RATE_BYTES"] = "10000000000",
            ["GP_LIMITS__INGESTION_BURST_BYTES"] = "10000000000",
        });
        using var handler = new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan, MaxConnectionsPerServer = int.MaxValue };
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{collector.Port}"), Timeout = TimeSpan.FromMinutes(1) };
        var counters = new Counters();
        var clock = Stopwatch.StartNew();
        var measureFrom = TimeSpan.FromSeconds(options.WarmupSeconds);
        var measureTo = measureFrom + TimeSpan.FromSeconds(options.Seconds);
        var senders = closed
            ? Enumerable.Range(0, options.Clients).Select(c => Task.Run(() => ClosedLoopAsync(http, c, clock, measureFrom, measureTo, counters))).ToArray()
            : [Task.Run(() => SteadyAsync(http, clock, measureFrom, measureTo, counters))];

        await Task.Delay(measureFrom - clock.Elapsed);
        var metricsBefore = await collector.MetricsAsync();
        var before = ProcessStat.Read(collector.Pid);
        counters.Measuring = true;
        var windowStart = clock.Elapsed;
        await Task.Delay(measureTo - clock.Elapsed);
        counters.Measuring = false;
        var after = ProcessStat.Read(collector.Pid);
        var window = (clock.Elapsed - windowStart).TotalSeconds;
        var metricsAfter = await collector.MetricsAsync();
        var rss = collector.Rss();
        await Task.WhenAll(senders);

        var uploads = counters.Accepted;
        var cpuUs = (after.CpuTicks - before.CpuTicks) / ProcessStat.TicksPerSecond * 1e6 / Math.Max(uploads, 1);
        var groups = ProcessStat.ByGroup(before, after)
            .Select(g => (g.Group, CpuUs: g.CpuTicks / ProcessStat.TicksPerSecond * 1e6 / Math.Max(uploads, 1), Voluntary: (double)g.Voluntary / Math.Max(uploads, 1),
                Involuntary: (double)g.Involuntary / Math.Max(uploads, 1)))
            .ToList();
        var accounted = groups.Sum(g => g.CpuUs);
        var commits = Delta(metricsBefore, metricsAfter, "gp_wal_commits_total");
        var latencies = counters.Latencies();
        var run = new SdkRun(shape, uploads, counters.Refused, counters.Failed, window, cpuUs, baseline,
            Percentile(latencies, 0.50), Percentile(latencies, 0.99), commits / Math.Max(uploads, 1),
            groups.Sum(g => g.Voluntary + g.Involuntary), rss, groups, paced);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {uploads:N0} uploads accepted in {window:0.0} s ({uploads / window:N0}/s), {counters.Refused} refused (429), {counters.Failed} failed; latency p50 {run.P50Ms:0.0} ms, p99 {run.P99Ms:0.0} ms; collector RSS {rss / 1048576.0:0} MiB"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  collector CPU per accepted upload {cpuUs:N0} µs; parse-only baseline {baseline:N0} µs → {run.Ratio:0.00}×{(paced is { } p ? $"; paced baseline {p:N0} µs → {run.PacedRatio:0.00}×" : "")}"));
        foreach (var g in groups.Where(g => g.CpuUs >= 1 || g.Voluntary >= 0.1))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {g.Group,-45} {g.CpuUs,7:N0} µs   {g.Voluntary,5:0.0} voluntary + {g.Involuntary,4:0.0} involuntary switches per upload"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    {"threads that exited (flushes run on threads of their own)",-45} {cpuUs - accounted,7:N0} µs"));
        var records = Delta(metricsBefore, metricsAfter, "gp_wal_records_total");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  write-ahead log: {commits:N0} group commits, {records / Math.Max(commits, 1):0.00} records each; writer thread {Delta(metricsBefore, metricsAfter, "gp_wal_writer_cpu_seconds_total") * 1e6 / Math.Max(uploads, 1):N0} µs per upload; flushes {Delta(metricsBefore, metricsAfter, "gp_flushes_total"):0}, {Delta(metricsBefore, metricsAfter, "gp_flush_cpu_seconds_total") * 1e6 / Math.Max(uploads, 1):N0} µs per upload"));
        return run;
    }

    private async Task ClosedLoopAsync(HttpClient http, int client, Stopwatch clock, TimeSpan from, TimeSpan to, Counters counters)
    {
        var pod = client;
        while (clock.Elapsed < to)
        {
            if (!await SendAsync(http, pod, counters))
            {
                await Task.Delay(50);
            }
            pod = (pod + options.Clients) % options.Pods;
        }
    }

    /// <summary>An open loop: the i-th request leaves at i / rate seconds, answered or not; the pods take turns.</summary>
    private async Task SteadyAsync(HttpClient http, Stopwatch clock, TimeSpan from, TimeSpan to, Counters counters)
    {
        var inFlight = new List<Task>();
        long sent = 0;
        while (clock.Elapsed < to)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * options.Rate);
            for (; sent < due; sent++)
            {
                inFlight.Add(SendAsync(http, (int)(sent % options.Pods), counters));
            }
            inFlight.RemoveAll(t => t.IsCompleted);
            await Task.Delay(1);
        }
        await Task.WhenAll(inFlight);
    }

    /// <summary>Sends one upload; false when it was refused (429).</summary>
    private async Task<bool> SendAsync(HttpClient http, int pod, Counters counters)
    {
        using var request = _upload.Request(pod);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(request);
            var measuring = counters.Measuring;
            if (response.IsSuccessStatusCode)
            {
                counters.Accept(measuring, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return true;
            }
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                counters.Refuse(measuring);
                return false;
            }
            counters.Fail(measuring, $"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            return true;
        }
        catch (HttpRequestException e)
        {
            counters.Fail(counters.Measuring, e.Message);
            return true;
        }
    }

    /// <summary>
    /// CPU per profile of a warm gunzip (System.IO.Compression) and Google.Protobuf parse of the
    /// gzipped profile, on one thread of this process, from the thread's own clock.
    /// </summary>
    private double BaselineUs()
    {
        var result = OnWarmThread(parse =>
        {
            var start = ThreadCpu.Nanoseconds();
            var n = 0;
            while (n < 1_000 || ThreadCpu.Nanoseconds() - start < 1_000_000_000)
            {
                parse();
                n++;
            }
            return (ThreadCpu.Nanoseconds() - start) / 1e3 / n;
        });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  parse-only baseline (gunzip + Profile.Parser.ParseFrom, warm, one thread): {result:N0} µs of CPU per profile"));
        return result;
    }

    /// <summary>
    /// The same parse at the steady rate: one profile every 1/<paramref name="rate"/> s on a thread
    /// that sleeps in between, for 10 s, from the thread's own clock. A collector at a steady rate
    /// meets every upload with caches that other work has had 1/rate s to evict and a thread that
    /// must be woken; this baseline pays the same, the warm one pays neither.
    /// </summary>
    private double PacedBaselineUs(int rate)
    {
        var result = OnWarmThread(parse =>
        {
            var count = rate * 10;
            var clock = Stopwatch.StartNew();
            var start = ThreadCpu.Nanoseconds();
            for (var i = 0; i < count; i++)
            {
                var due = TimeSpan.FromSeconds((double)i / rate);
                if (due > clock.Elapsed)
                {
                    Thread.Sleep(due - clock.Elapsed);
                }
                parse();
            }
            return (ThreadCpu.Nanoseconds() - start) / 1e3 / count;
        });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  paced parse-only baseline (the same parse, {rate}/s on one thread that sleeps in between): {result:N0} µs of CPU per profile"));
        return result;
    }

    /// <summary>Runs <paramref name="measure"/> on a thread of its own after 300 warm-up parses; it gets the parse to time.</summary>
    private double OnWarmThread(Func<Action, double> measure)
    {
        double result = 0;
        var thread = new Thread(() =>
        {
            var buffer = new byte[1 << 20];
            void ParseOnce() => Parse(_upload.Profile, buffer);
            for (var i = 0; i < 300; i++)
            {
                ParseOnce();
            }
            result = measure(ParseOnce);
        });
        thread.Start();
        thread.Join();
        return result;
    }

    private static int Parse(byte[] gzipped, byte[] buffer)
    {
        using var input = new MemoryStream(gzipped, writable: false);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        var length = 0;
        int read;
        while ((read = gzip.Read(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
        }
        return GrafanaProfiles.Schema.Pprof.Profile.Parser.ParseFrom(buffer, 0, length).Sample.Count;
    }

    private static int Gunzipped(byte[] gzipped)
    {
        using var gzip = new GZipStream(new MemoryStream(gzipped), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return (int)output.Length;
    }

    private static double Delta(IReadOnlyDictionary<string, double> before, IReadOnlyDictionary<string, double> after, string name) =>
        after.GetValueOrDefault(name) - before.GetValueOrDefault(name);

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>Outcomes of the requests answered inside the measured window.</summary>
    private sealed class Counters
    {
        private readonly List<double> _latencies = [];
        private int _accepted;
        private int _refused;
        private int _failed;
        private volatile bool _measuring;

        public bool Measuring { get => _measuring; set => _measuring = value; }

        public int Accepted => Volatile.Read(ref _accepted);
        public int Refused => Volatile.Read(ref _refused);
        public int Failed => Volatile.Read(ref _failed);

        public void Accept(bool measuring, double ms)
        {
            if (!measuring)
            {
                return;
            }
            Interlocked.Increment(ref _accepted);
            lock (_latencies)
            {
                _latencies.Add(ms);
            }
        }

        public void Refuse(bool measuring)
        {
            if (measuring)
            {
                Interlocked.Increment(ref _refused);
            }
        }

        public void Fail(bool measuring, string error)
        {
            if (Interlocked.Increment(ref _failed) <= 3)
            {
                Console.WriteLine($"  failed: {error}");
            }
            _ = measuring;
        }

        public double[] Latencies()
        {
            lock (_latencies)
            {
                return [.. _latencies.Order()];
            }
        }
    }
}
