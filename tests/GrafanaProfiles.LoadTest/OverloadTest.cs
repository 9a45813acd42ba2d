using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace GrafanaProfiles.LoadTest;

/// <summary>The settings of <c>overload</c> runs (docs/reliability.md, "Overload").</summary>
internal sealed record OverloadOptions
{
    public int Seconds { get; init; } = 15;
    public double Factor { get; init; } = 4;
    public int ProbeClients { get; init; } = 8;
    public int MaxInFlight { get; init; } = 2048;
    public int Pods { get; init; } = 2000;
    public int? Samples { get; init; } = 150;
    public string Profile { get; init; } = Path.Combine(AppContext.BaseDirectory, "testdata", "go-cpu.pb.gz");

    /// <summary>
    /// <c>raw</c> (default): requests written straight to sockets (<see cref="RawHttpSender"/>), cheap
    /// enough that the generator can overload the collector on the cores they share;
    /// <c>httpclient</c>: <see cref="HttpClient"/>, as the earlier runs in docs/reliability.md.
    /// </summary>
    public string Client { get; init; } = "raw";

    public static OverloadOptions Parse(IReadOnlyList<string> args)
    {
        var options = new OverloadOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--seconds" => options with { Seconds = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--factor" => options with { Factor = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--probe-clients" => options with { ProbeClients = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--max-in-flight" => options with { MaxInFlight = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--pods" => options with { Pods = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--samples" => options with { Samples = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--profile" => options with { Profile = Next() },
                "--client" => options with { Client = Next() is var c && c is "raw" or "httpclient" ? c : throw new ArgumentException("--client is raw or httpclient") },
                var other => throw new ArgumentException($"unknown option '{other}'"),
            };
        }
        return options;
    }
}

/// <summary>
/// Overload from outside: the real collector at its default settings (tenant rate limit raised so
/// that the collector, not the limit, is what is overloaded), real Go CPU profiles as the SDK sends
/// them. A closed-loop probe finds the rate the collector sustains on this machine; then an open
/// loop sends half of it, then <see cref="OverloadOptions.Factor"/> times it, then half again. Each
/// phase reports what was accepted, refused (and whether with Retry-After) or failed, the accepted
/// requests' latency, and the collector's peak RSS (from /proc every 50 ms) against the memory
/// limit it reports on /metrics. The run fails if the RSS passes the limit, a refusal lacks
/// Retry-After, a request fails otherwise, or requests are still refused in the second half of
/// the last phase (no recovery without a restart).
/// </summary>
internal sealed class OverloadTest(OverloadOptions options)
{
    private readonly SdkUpload _upload = new(SdkUpload.Load(options.Profile, options.Samples), rawBody: false);
    private Func<int, Task<UploadOutcome>> _send = _ => throw new InvalidOperationException("not started");

    private sealed record Phase(string Name, int Sent, int Accepted, int Refused, int RefusedWithoutRetryAfter, int Unavailable, int Failed,
        int NotSent, double Seconds, double P50, double P99, double Max, long PeakRss, double CpuPerAccepted, int LateRefusals)
    {
        /// <summary>The collector's own view over the phase: mean time inside the ingest door, mean wait for the log's commit, records per commit.</summary>
        public ServerView Server { get; init; } = ServerView.None;
    }

    /// <summary>Means over a phase from the deltas of the collector's /metrics.</summary>
    internal sealed record ServerView(double DoorMs, double LogMs, double RecordsPerCommit)
    {
        public static readonly ServerView None = new(0, 0, 0);

        public static ServerView Between(IReadOnlyDictionary<string, double> before, IReadOnlyDictionary<string, double> after)
        {
            double Delta(string prefix) => Sum(after, prefix) - Sum(before, prefix);
            double Mean(string name) => Delta(name + "_count") is var n and > 0 ? Delta(name + "_sum") / n * 1000 : 0;
            var commits = Delta("gp_wal_commits_total");
            return new ServerView(Mean("gp_ingest_duration_seconds"), Mean("gp_wal_append_duration_seconds"),
                commits > 0 ? Delta("gp_wal_records_total") / commits : 0);
        }

        private static double Sum(IReadOnlyDictionary<string, double> metrics, string name) =>
            metrics.Where(m => m.Key == name || m.Key.StartsWith(name + "{", StringComparison.Ordinal)).Sum(m => m.Value);
    }

    public async Task<int> RunAsync()
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Overload test: POST /ingest as the Pyroscope Go SDK sends it, {_upload.Samples} samples, body {_upload.BodyBytes:N0} bytes; {Environment.ProcessorCount} cores, load average {LoadAverage()}"));
        await using var collector = await CollectorProcess.StartAsync(new Dictionary<string, string>
        {
            ["GP_LIMITS__INGESTION_RATE_BYTES"] = "10000000000",
            ["GP_LIMITS__INGESTION_BURST_BYTES"] = "10000000000",
            ["GP_LIMITS__MAX_SERIES_PER_TENANT"] = "1000000",
        });
        var metrics = await collector.MetricsAsync();
        var limit = (long)metrics.GetValueOrDefault("gp_memory_limit_bytes");
        Console.WriteLine(limit > 0
            ? string.Create(CultureInfo.InvariantCulture, $"  collector memory limit (memory_limit, from /metrics): {limit / 1048576.0:0} MiB")
            : "  the collector reports no memory limit (gp_memory_limit_bytes): RSS is reported, not judged");
        using var handler = new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan, MaxConnectionsPerServer = int.MaxValue };
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{collector.Port}"), Timeout = TimeSpan.FromMinutes(2) };
        using var raw = new RawHttpSender(new IPEndPoint(IPAddress.Loopback, collector.Port), _upload);
        _send = options.Client == "raw" ? raw.SendAsync : pod => SendWithHttpClientAsync(http, pod);
        Console.WriteLine(options.Client == "raw"
            ? "  generator: requests written straight to keep-alive sockets (--client raw)"
            : "  generator: HttpClient (--client httpclient)");

        var rss = new RssSampler(collector);
        var probe = await ClosedLoopAsync(http, collector, rss, TimeSpan.FromSeconds(Math.Max(5, options.Seconds / 2)));
        var sustainable = probe.Accepted / probe.Seconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  closed-loop probe, {options.ProbeClients} clients: {sustainable:N0} uploads/s accepted, p50 {probe.P50:0.0} ms — the sustainable rate"));
        var phases = new List<Phase>
        {
            probe,
            await OpenLoopAsync(http, collector, rss, "normal (½ × sustainable)", sustainable / 2),
            await OpenLoopAsync(http, collector, rss, string.Create(CultureInfo.InvariantCulture, $"overload ({options.Factor:0.#} × sustainable)"), sustainable * options.Factor),
            await OpenLoopAsync(http, collector, rss, "recovery (½ × sustainable)", sustainable / 2),
        };
        rss.Dispose();

        Console.WriteLine();
        Console.WriteLine("| phase | offered | accepted | 429 | 503 | failed | not sent (client cap) | accepted latency p50 / p99 / max | in the door / log wait (mean) | records per commit | collector CPU per accepted | peak RSS |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var p in phases)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {p.Name} | {p.Sent / p.Seconds:N0}/s | {p.Accepted / p.Seconds:N0}/s | {p.Refused:N0} | {p.Unavailable:N0} | {p.Failed:N0} | {p.NotSent:N0} | {p.P50:0.0} / {p.P99:0.0} / {p.Max:0} ms | {p.Server.DoorMs:0.0} / {p.Server.LogMs:0.0} ms | {p.Server.RecordsPerCommit:0.0} | {p.CpuPerAccepted:N0} µs | {p.PeakRss / 1048576.0:0} MiB |"));
        }
        var peak = phases.Max(p => p.PeakRss);
        var problems = new List<string>();
        if (limit > 0 && peak > limit)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"peak RSS {peak / 1048576.0:0} MiB is over memory_limit {limit / 1048576.0:0} MiB"));
        }
        if (phases.Sum(p => p.RefusedWithoutRetryAfter) is var bare and > 0)
        {
            problems.Add($"{bare} refusals without Retry-After");
        }
        if (phases.Sum(p => p.Failed) is var failed and > 0)
        {
            problems.Add($"{failed} requests failed (neither accepted nor refused)");
        }
        if (phases[^1].LateRefusals > 0)
        {
            problems.Add($"{phases[^1].LateRefusals} refusals in the second half of the recovery phase: the collector did not recover");
        }
        Console.WriteLine($"Load average at the end: {LoadAverage()}");
        Console.WriteLine(problems.Count == 0 ? "PASS: refusals carry Retry-After, memory stayed within the limit, and the collector recovered without a restart." : "FAIL: " + string.Join("; ", problems));
        return problems.Count == 0 ? 0 : 1;
    }

    private async Task<Phase> ClosedLoopAsync(HttpClient http, CollectorProcess collector, RssSampler rss, TimeSpan duration)
    {
        var counters = new PhaseCounters();
        var clock = Stopwatch.StartNew();
        var before = ProcessStat.Read(collector.Pid);
        var metricsBefore = await collector.MetricsAsync();
        rss.Reset();
        var senders = Enumerable.Range(0, options.ProbeClients).Select(c => Task.Run(async () =>
        {
            var pod = c;
            while (clock.Elapsed < duration)
            {
                await SendAsync(pod, counters, clock);
                pod = (pod + options.ProbeClients) % options.Pods;
            }
        })).ToArray();
        await Task.WhenAll(senders);
        var server = ServerView.Between(metricsBefore, await collector.MetricsAsync());
        return counters.Finish("closed-loop probe", clock.Elapsed.TotalSeconds, 0, rss.Peak, before, ProcessStat.Read(collector.Pid)) with { Server = server };
    }

    /// <summary>The i-th request leaves at i / rate seconds whether or not earlier ones were answered, up to the in-flight cap.</summary>
    private async Task<Phase> OpenLoopAsync(HttpClient http, CollectorProcess collector, RssSampler rss, string name, double rate)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}: {rate:N0} uploads/s for {options.Seconds} s"));
        var counters = new PhaseCounters();
        var before = ProcessStat.Read(collector.Pid);
        var metricsBefore = await collector.MetricsAsync();
        rss.Reset();
        var clock = Stopwatch.StartNew();
        var duration = TimeSpan.FromSeconds(options.Seconds);
        var inFlight = new ConcurrentDictionary<long, Task>();
        var notSent = 0;
        long sent = 0;
        while (clock.Elapsed < duration)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * rate);
            for (; sent < due; sent++)
            {
                if (inFlight.Count >= options.MaxInFlight)
                {
                    notSent++;
                    continue;
                }
                var id = sent;
                var task = SendAsync((int)(id % options.Pods), counters, clock);
                inFlight[id] = task;
                _ = task.ContinueWith(_ => inFlight.TryRemove(id, out Task? _), TaskScheduler.Default);
            }
            await Task.Delay(1);
        }
        await Task.WhenAll(inFlight.Values);
        var server = ServerView.Between(metricsBefore, await collector.MetricsAsync());
        return counters.Finish(name, duration.TotalSeconds, notSent, rss.Peak, before, ProcessStat.Read(collector.Pid)) with { Server = server };
    }

    private async Task SendAsync(int pod, PhaseCounters counters, Stopwatch phaseClock)
    {
        var started = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref counters.Sent);
        var outcome = await _send(pod);
        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        switch (outcome.Status)
        {
            case 200:
                counters.Accept(ms);
                break;
            case 429:
                Interlocked.Increment(ref counters.Refused);
                if (!outcome.RetryAfter)
                {
                    Interlocked.Increment(ref counters.RefusedWithoutRetryAfter);
                }
                if (phaseClock.Elapsed > TimeSpan.FromSeconds(options.Seconds / 2.0))
                {
                    Interlocked.Increment(ref counters.LateRefusals);
                }
                break;
            case 503:
                Interlocked.Increment(ref counters.Unavailable);
                break;
            case 0:
                counters.Fail(outcome.Error ?? "no answer");
                break;
            default:
                counters.Fail($"HTTP {outcome.Status}: {outcome.Body}");
                break;
        }
    }

    private async Task<UploadOutcome> SendWithHttpClientAsync(HttpClient http, int pod)
    {
        using var request = _upload.Request(pod);
        try
        {
            using var response = await http.SendAsync(request);
            return new UploadOutcome((int)response.StatusCode, response.Headers.RetryAfter is not null,
                Body: response.StatusCode == HttpStatusCode.OK ? null : await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return new UploadOutcome(0, false, e.Message);
        }
    }

    private sealed class PhaseCounters
    {
        public int Sent;
        public int Refused;
        public int RefusedWithoutRetryAfter;
        public int Unavailable;
        public int LateRefusals;
        private int _failed;
        private readonly List<double> _latencies = [];

        public void Accept(double ms)
        {
            lock (_latencies)
            {
                _latencies.Add(ms);
            }
        }

        public void Fail(string message)
        {
            if (Interlocked.Increment(ref _failed) <= 3)
            {
                Console.WriteLine($"    failed: {message}");
            }
        }

        public Phase Finish(string name, double seconds, int notSent, long peakRss, ProcessStat before, ProcessStat after)
        {
            double[] sorted;
            lock (_latencies)
            {
                sorted = [.. _latencies.Order()];
            }
            double At(double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
            var cpu = (after.CpuTicks - before.CpuTicks) / ProcessStat.TicksPerSecond * 1e6 / Math.Max(1, sorted.Length);
            var phase = new Phase(name, Sent, sorted.Length, Refused, RefusedWithoutRetryAfter, Unavailable, _failed, notSent, seconds,
                At(0.5), At(0.99), sorted.Length == 0 ? 0 : sorted[^1], peakRss, cpu, LateRefusals);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {phase.Accepted:N0} accepted, {phase.Refused:N0} refused (429), {phase.Unavailable:N0} 503, {phase.Failed:N0} failed, {notSent:N0} not sent; p50 {phase.P50:0.0} ms, p99 {phase.P99:0.0} ms; peak RSS {peakRss / 1048576.0:0} MiB"));
            return phase;
        }
    }

    /// <summary>The collector's VmRSS every 50 ms on a thread of its own; <see cref="Peak"/> since the last <see cref="Reset"/>.</summary>
    private sealed class RssSampler : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _thread;
        private long _peak;

        public RssSampler(CollectorProcess collector)
        {
            _thread = new Thread(() =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    var now = collector.Rss();
                    long seen;
                    do
                    {
                        seen = Interlocked.Read(ref _peak);
                    }
                    while (now > seen && Interlocked.CompareExchange(ref _peak, now, seen) != seen);
                    Thread.Sleep(50);
                }
            })
            { IsBackground = true, Name = "rss-sampler" };
            _thread.Start();
        }

        public long Peak => Interlocked.Read(ref _peak);

        public void Reset() => Interlocked.Exchange(ref _peak, 0);

        public void Dispose()
        {
            _stop.Cancel();
            _thread.Join();
            _stop.Dispose();
        }
    }

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
}
