using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using GrafanaProfiles.Schema.PluginV2;
using GrafanaProfiles.TestSupport;

/// <summary>
/// Plugin start-up as Grafana sees it: from process start to the handshake line on stdout, to the first
/// answered CheckHealth, to the first answered QueryData (a 1 h flame graph), the plugin's own CPU time
/// until the handshake and until that answer (steadier than wall time on a busy machine), the resident set after
/// the handshake and after the query, the warm round trip of a query that finds nothing, and how long the
/// process takes to exit after Shutdown. The
/// executable is this checkout's build, or <c>--plugin PATH</c> (e.g. a published single file); with
/// <c>--baseline PATH</c> another build is started in the same run, alternating with it, and the
/// ratio printed.
/// </summary>
internal static class Startup
{
    /// <summary>Round trips timed after the first query; the median of the second half is reported.</summary>
    private const int WarmRoundTrips = 40;

    public static async Task<int> RunAsync(int runs, string? plugin, string? baseline)
    {
        var day = new DateTime(2026, 11, 21, 0, 0, 0, DateTimeKind.Utc);
        using var store = new TestStore();
        var rows = await Dataset.WriteAsync(store, day, pods: 1);
        Console.WriteLine($"start-up: {rows:N0} rows over 24 h; {runs} runs of each executable; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        var executables = new List<(string Name, string Path)> { ("this build", plugin is null ? PluginProcess.ExecutablePath : Path.GetFullPath(plugin)) };
        if (baseline is not null)
        {
            executables.Insert(0, ("baseline", Path.GetFullPath(baseline)));
        }
        var samples = executables.ToDictionary(e => e.Name, _ => new List<Sample>());
        // One warm-up start each (page cache, DuckDB's first load), then alternating starts.
        foreach (var (_, path) in executables)
        {
            await MeasureOnceAsync(path, store.DataDirectory, day);
        }
        for (int run = 0; run < runs; run++)
        {
            var order = run % 2 == 0 ? executables : [.. Enumerable.Reverse(executables)];
            foreach (var (name, path) in order)
            {
                samples[name].Add(await MeasureOnceAsync(path, store.DataDirectory, day));
            }
        }

        Console.WriteLine();
        Console.WriteLine("| executable | handshake line | first CheckHealth answered | first QueryData answered | CPU until the handshake | CPU until the query's answer | RSS after handshake | RSS after the query | exit after Shutdown | warm round trip |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var (name, path) in executables)
        {
            var s = samples[name];
            Console.WriteLine($"| {name} | {Ms(s, x => x.Handshake)} | {Ms(s, x => x.Health)} | {Ms(s, x => x.Query)} | {Ms(s, x => x.CpuStarted)} | {Ms(s, x => x.CpuQueried)} | {Mib(s, x => x.RssStarted)} | {Mib(s, x => x.RssQueried)} | {Ms(s, x => x.Exit)} | {Ms2(s, x => x.RoundTrip)} |");
        }
        if (baseline is not null)
        {
            var (b, a) = (samples["baseline"], samples["this build"]);
            Console.WriteLine($"| ratio (this build / baseline, medians) | {Ratio(a, b, x => x.Handshake)} | {Ratio(a, b, x => x.Health)} | {Ratio(a, b, x => x.Query)} | {Ratio(a, b, x => x.CpuStarted)} | {Ratio(a, b, x => x.CpuQueried)} | {Ratio(a, b, x => x.RssStarted)} | {Ratio(a, b, x => x.RssQueried)} | {Ratio(a, b, x => x.Exit)} | {Ratio(a, b, x => x.RoundTrip)} |");
        }
        Console.WriteLine($"\nmedian (min–max) of {runs} starts each after one warm-up start; load average at end {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        foreach (var (name, path) in executables)
        {
            Console.WriteLine($"{name}: {path}");
        }
        return 0;
    }

    private static async Task<Sample> MeasureOnceAsync(string executable, string dataDirectory, DateTime day)
    {
        using var work = new TempDirectory();
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = work.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in PluginProcess.GrafanaEnvironment())
        {
            start.Environment[key] = value;
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        var stderr = process.StandardError.ReadToEndAsync();
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(PluginProcess.StartTimeout)
            ?? throw new InvalidOperationException($"{executable} closed stdout before the handshake: {await stderr}");
        var handshake = clock.Elapsed;
        long rssStarted = Rss(process.Id);
        var cpuStarted = Cpu(process);
        var (network, address) = PluginProcess.ParseHandshake(line);
        using var client = new GrpcClient(network, address);
        var context = new PluginContext
        {
            PluginId = "grafana-profiles-datasource",
            DataSourceInstanceSettings = new DataSourceInstanceSettings
            {
                Uid = "startup",
                JsonData = ByteString.CopyFromUtf8(JsonSerializer.Serialize(new { dataDirectory })),
                LastUpdatedMS = 1,
            },
        };
        var health = await client.CallAsync("/pluginv2.Diagnostics/CheckHealth", new CheckHealthRequest { PluginContext = context }, CheckHealthResponse.Parser);
        Check(health.Status == 0 && health.Single.Status == CheckHealthResponse.Types.HealthStatus.Ok, $"CheckHealth: {health.Status} {health.Message}");
        var healthTime = clock.Elapsed;
        var from = day.AddHours(12);
        var query = new QueryDataRequest
        {
            PluginContext = context,
            Queries =
            {
                new DataQuery
                {
                    RefId = "A",
                    QueryType = "profile",
                    Json = ByteString.CopyFromUtf8(JsonSerializer.Serialize(new { labelSelector = "{service_name=\"checkout\"}", profileTypeId = Dataset.Cpu })),
                    IntervalMS = 2_000,
                    MaxDataPoints = 1500,
                    TimeRange = new TimeRange
                    {
                        FromEpochMS = new DateTimeOffset(from).ToUnixTimeMilliseconds(),
                        ToEpochMS = new DateTimeOffset(from.AddHours(1)).ToUnixTimeMilliseconds(),
                    },
                },
            },
        };
        var answer = await client.CallAsync("/pluginv2.Data/QueryData", query, QueryDataResponse.Parser);
        Check(answer.Status == 0 && answer.Single.Responses["A"].Status == 200 && answer.Single.Responses["A"].Frames.Count > 0,
            $"QueryData: {answer.Status} {answer.Message}");
        var queryTime = clock.Elapsed;
        long rssQueried = Rss(process.Id);
        var cpuQueried = Cpu(process);

        // Warm round trips: the same query over a range with no data (gRPC, JSON, instance, an empty frame).
        query.Queries[0].TimeRange = new TimeRange
        {
            FromEpochMS = new DateTimeOffset(day.AddDays(-2)).ToUnixTimeMilliseconds(),
            ToEpochMS = new DateTimeOffset(day.AddDays(-2).AddHours(1)).ToUnixTimeMilliseconds(),
        };
        var trips = new List<double>();
        for (int i = 0; i < WarmRoundTrips; i++)
        {
            var trip = Stopwatch.StartNew();
            var empty = await client.CallAsync("/pluginv2.Data/QueryData", query, QueryDataResponse.Parser);
            Check(empty.Status == 0 && empty.Single.Responses["A"].Status == 200, $"QueryData (empty range): {empty.Status} {empty.Message}");
            trips.Add(trip.Elapsed.TotalMilliseconds);
        }
        var roundTrip = TimeSpan.FromMilliseconds(Median(trips.Skip(WarmRoundTrips / 2)));

        var stopping = Stopwatch.StartNew();
        await client.CallAsync("/plugin.GRPCController/Shutdown", new GrafanaProfiles.Schema.GoPlugin.Empty(), GrafanaProfiles.Schema.GoPlugin.Empty.Parser);
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new InvalidOperationException($"{executable} did not exit within 2 s of Shutdown.");
        }
        _ = await stderr;
        return new Sample(handshake, healthTime, queryTime, rssStarted, rssQueried, stopping.Elapsed, cpuStarted, cpuQueried, roundTrip);
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    /// <summary>User and system CPU time of the process so far (/proc/PID/stat, 10 ms ticks).</summary>
    private static TimeSpan Cpu(Process process)
    {
        process.Refresh();
        return process.TotalProcessorTime;
    }

    /// <summary>VmRSS of the process in bytes (/proc/PID/status).</summary>
    private static long Rss(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Ms(List<Sample> samples, Func<Sample, TimeSpan> pick)
    {
        var values = samples.Select(s => pick(s).TotalMilliseconds).ToList();
        return $"{Median(values):F0} ms ({values.Min():F0}–{values.Max():F0})";
    }

    private static string Ms2(List<Sample> samples, Func<Sample, TimeSpan> pick)
    {
        var values = samples.Select(s => pick(s).TotalMilliseconds).ToList();
        return $"{Median(values):F2} ms ({values.Min():F2}–{values.Max():F2})";
    }

    private static string Mib(List<Sample> samples, Func<Sample, long> pick)
    {
        var values = samples.Select(s => pick(s) / 1048576.0).ToList();
        return $"{Median(values):F1} MiB ({values.Min():F1}–{values.Max():F1})";
    }

    private static string Ratio(List<Sample> a, List<Sample> b, Func<Sample, TimeSpan> pick) =>
        $"{Median(a.Select(s => pick(s).TotalMilliseconds)) / Median(b.Select(s => pick(s).TotalMilliseconds)):F2}×";

    private static string Ratio(List<Sample> a, List<Sample> b, Func<Sample, long> pick) =>
        $"{Median(a.Select(s => (double)pick(s))) / Median(b.Select(s => (double)pick(s))):F2}×";

    private sealed record Sample(TimeSpan Handshake, TimeSpan Health, TimeSpan Query, long RssStarted, long RssQueried, TimeSpan Exit,
        TimeSpan CpuStarted, TimeSpan CpuQueried, TimeSpan RoundTrip);
}
