using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using GrafanaProfiles.Backend.Benchmarks;
using GrafanaProfiles.Schema.PluginV2;
using GrafanaProfiles.Store.Maintenance;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Write;
using GrafanaProfiles.TestSupport;

/// <summary>
/// Long ranges through the plugin (--long-ranges): a store of one service, 10 pods, one CPU profile
/// per pod every 15 s for 30 days (each a copy of the real Go CPU profile in tests/testdata/pprof with
/// jittered values and a few of its stacks left out), written through the store's writer and
/// compacted and rolled up by its compactor, once, into a cached directory. Then the 1 h, 24 h,
/// 7 d and 30 d flame graph and series (by pod) as QueryData calls to two plugin processes over the
/// same files: one with rollups, one reading raw samples only (<c>useRollups: false</c>), alternating
/// run by run. Ranges end 37 min 17 s before the data's end, so both edges are mid-hour, as a
/// dashboard's "last N days" is. Each answer's frames are compared between the two, byte by byte.
/// Then the editor's completion resources (profile types, label names, label values) the same way.
/// Last, the peak resident set of each plugin process beside its memory settings.
/// </summary>
internal static class LongRanges
{
    /// <summary>Bumped whenever the generated data changes, so a cached directory of another version is written again.</summary>
    private const int DatasetVersion = 1;

    private const string Service = "checkout";
    private const string Cpu = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
    private const int Pods = 10;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);
    private static readonly DateTime End = new(2026, 11, 22, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The plugin's DuckDB memory limit in both processes (its <c>memoryLimit</c> setting).</summary>
    private const string MemoryLimit = "1GB";

    public static async Task<int> RunAsync(int runs, int days, string? directory)
    {
        var data = directory ?? Path.Combine(Path.GetTempPath(), $"grafana-profiles-long-ranges-{days}d-v{DatasetVersion}");
        var start = End.AddDays(-days);
        await EnsureDatasetAsync(data, start);
        var (files, bytes) = Size(data);
        Console.WriteLine($"dataset: {data}: {days} days of '{Service}' on {Pods} pods, one profile per pod every {Interval.TotalSeconds:0} s; {files:N0} files, {bytes / 1048576.0:N0} MiB; load average {LoadAverage()}");

        await using var planned = await PluginProcess.StartAsync();
        await using var raw = await PluginProcess.StartAsync();
        var withRollups = Context(data, "rollups", useRollups: true);
        var rawOnly = Context(data, "raw", useRollups: false);
        var to = End.AddMinutes(-37).AddSeconds(-17);
        var queries = new List<(string Name, QueryDataRequest Planned, QueryDataRequest Raw)>();
        foreach (var (name, range, interval) in new[]
        {
            ("1 h", TimeSpan.FromHours(1), TimeSpan.FromSeconds(15)),
            ("24 h", TimeSpan.FromDays(1), TimeSpan.FromMinutes(1)),
            ("7 d", TimeSpan.FromDays(7), TimeSpan.FromMinutes(5)),
            ("30 d", TimeSpan.FromDays(30), TimeSpan.FromMinutes(30)),
        })
        {
            if (range > TimeSpan.FromDays(days))
            {
                continue;
            }
            var from = to - range;
            var profile = new { labelSelector = $"{{service_name=\"{Service}\"}}", profileTypeId = Cpu };
            var series = new { labelSelector = $"{{service_name=\"{Service}\"}}", profileTypeId = Cpu, groupBy = new[] { "pod" } };
            queries.Add(($"flame graph {name}", Request(withRollups, "profile", profile, from, to, interval), Request(rawOnly, "profile", profile, from, to, interval)));
            queries.Add(($"series {name} by pod, step {Step(interval)}", Request(withRollups, "metrics", series, from, to, interval), Request(rawOnly, "metrics", series, from, to, interval)));
        }

        Console.WriteLine();
        Console.WriteLine($"| query | with rollups (median, min–max of {runs}) | raw only (median, min–max) | raw / rollups | answers |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        var failed = false;
        var rawAnswers = new Dictionary<string, List<ByteString>>();
        foreach (var (name, plannedRequest, rawRequest) in queries)
        {
            // One warm-up each (symbol tables, page cache), then alternating runs.
            var expected = Call(raw, rawRequest, name);
            rawAnswers[name] = expected;
            var actual = Call(planned, plannedRequest, name);
            var same = expected.Count == actual.Count && expected.Zip(actual).All(p => p.First.Span.SequenceEqual(p.Second.Span));
            failed |= !same;
            var (plannedTimes, rawTimes) = (new List<double>(), new List<double>());
            for (var run = 0; run < runs; run++)
            {
                rawTimes.Add(Time(() => Call(raw, rawRequest, name)));
                plannedTimes.Add(Time(() => Call(planned, plannedRequest, name)));
            }
            Console.WriteLine($"| {name} | {Summary(plannedTimes)} | {Summary(rawTimes)} | {Median(rawTimes) / Median(plannedTimes):N1}× | " +
                              $"{(same ? "identical" : "DIFFERENT")} ({actual.Sum(f => f.Length) / 1024.0:N0} KiB of frames) |");
        }
        failed |= !Labels(planned, raw, withRollups, rawOnly, to, days, runs);

        Console.WriteLine();
        Console.WriteLine($"plugin peak RSS (VmHWM): with rollups {PeakRss(planned.Process)}, raw only {PeakRss(raw.Process)}; " +
                          $"each with memoryLimit={MemoryLimit} for DuckDB and a symbol cache of {new GrafanaProfiles.Store.Query.ReaderOptions().SymbolCacheBytes / 1048576} MiB; load average at end {LoadAverage()}");
        await planned.StopLikeGrafanaAsync();
        await raw.StopLikeGrafanaAsync();
        failed |= !await SmallMemoryAsync(data, queries, rawAnswers, runs);
        return failed ? 1 : 0;
    }

    /// <summary>
    /// The query editor's completion resources (profile types, label names, values of <c>pod</c>, function names)
    /// over 24 h, 7 d and 30 d as CallResource calls to both processes, alternating; the answers
    /// compared byte by byte.
    /// </summary>
    private static bool Labels(PluginProcess planned, PluginProcess raw, PluginContext withRollups, PluginContext rawOnly, DateTime to, int days, int runs)
    {
        Console.WriteLine();
        Console.WriteLine($"| resource | with rollups (median, min–max of {runs}) | raw only (median, min–max) | raw / rollups | answers |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        var same = true;
        foreach (var (name, range) in new[] { ("24 h", TimeSpan.FromDays(1)), ("7 d", TimeSpan.FromDays(7)), ("30 d", TimeSpan.FromDays(30)) })
        {
            if (range > TimeSpan.FromDays(days))
            {
                continue;
            }
            var window = $"from={new DateTimeOffset(to - range).ToUnixTimeMilliseconds()}&to={new DateTimeOffset(to).ToUnixTimeMilliseconds()}";
            foreach (var path in new[] { $"profileTypes?{window}", $"labelNames?query={Uri.EscapeDataString($"{{service_name=\"{Service}\"}}")}&{window}", $"labelValues?label=pod&{window}", $"functions?search=json&{window}" })
            {
                var title = $"{path.Split('?')[0]} {name}";
                var expected = Resource(raw, rawOnly, path, title);
                var actual = Resource(planned, withRollups, path, title);
                var identical = expected.SequenceEqual(actual);
                same &= identical;
                var (plannedTimes, rawTimes) = (new List<double>(), new List<double>());
                for (var run = 0; run < runs; run++)
                {
                    rawTimes.Add(Time(() => Resource(raw, rawOnly, path, title)));
                    plannedTimes.Add(Time(() => Resource(planned, withRollups, path, title)));
                }
                Console.WriteLine($"| {title} | {Summary(plannedTimes)} | {Summary(rawTimes)} | {Median(rawTimes) / Median(plannedTimes):N1}× | " +
                                  $"{(identical ? "identical" : "DIFFERENT")} ({System.Text.Encoding.UTF8.GetString(actual).Length} characters) |");
            }
        }
        return same;
    }

    private static byte[] Resource(PluginProcess plugin, PluginContext context, string pathAndQuery, string name)
    {
        var request = new CallResourceRequest { PluginContext = context, Path = pathAndQuery.Split('?')[0], Method = "GET", Url = pathAndQuery };
        var result = plugin.Client.CallAsync("/pluginv2.Resource/CallResource", request, CallResourceResponse.Parser).GetAwaiter().GetResult();
        if (result.Status != 0 || result.Messages.Count == 0 || result.Messages[0].Code != 200)
        {
            throw new InvalidOperationException($"{name}: {result.Message} {(result.Messages.Count > 0 ? result.Messages[0].Body.ToStringUtf8() : "")}");
        }
        return [.. result.Messages.SelectMany(m => m.Body.ToByteArray())];
    }

    /// <summary>DuckDB's limit for the run that shows a range that does not fit answering all the same (raw only, the largest ranges).</summary>
    private const string SmallMemoryLimit = "128MB";

    /// <summary>
    /// The raw-only queries of the longest range once more, in a third plugin process whose DuckDB may
    /// hold only <see cref="SmallMemoryLimit"/> (spilling the rest into the data directory): the
    /// answers, their times against the raw times above, and the process's peak RSS.
    /// </summary>
    private static async Task<bool> SmallMemoryAsync(string data, List<(string Name, QueryDataRequest Planned, QueryDataRequest Raw)> queries,
        Dictionary<string, List<ByteString>> rawAnswers, int runs)
    {
        await using var small = await PluginProcess.StartAsync();
        var context = Context(data, "small", useRollups: false, SmallMemoryLimit);
        var same = true;
        Console.WriteLine();
        Console.WriteLine($"| raw only, memoryLimit={SmallMemoryLimit} | median, min–max of {runs} | answers |");
        Console.WriteLine("| --- | --- | --- |");
        foreach (var (name, _, rawRequest) in queries.TakeLast(2))
        {
            var request = rawRequest.Clone();
            request.PluginContext = context;
            var expected = rawAnswers[name];
            var times = new List<double>();
            List<ByteString> actual = [];
            for (var run = 0; run < runs; run++)
            {
                times.Add(Time(() => actual = Call(small, request, name)));
            }
            var identical = expected.Count == actual.Count && expected.Zip(actual).All(p => p.First.Span.SequenceEqual(p.Second.Span));
            same &= identical;
            Console.WriteLine($"| {name} | {Summary(times)} | {(identical ? "identical" : "DIFFERENT")} |");
        }
        Console.WriteLine($"peak RSS (VmHWM) of that plugin process: {PeakRss(small.Process)}");
        await small.StopLikeGrafanaAsync();
        return same;
    }

    private static string Step(TimeSpan interval) => interval < TimeSpan.FromMinutes(1) ? $"{interval.TotalSeconds:0} s" : $"{interval.TotalMinutes:0} min";

    private static PluginContext Context(string data, string uid, bool useRollups, string memoryLimit = MemoryLimit) => new()
    {
        PluginId = "grafana-profiles-datasource",
        DataSourceInstanceSettings = new DataSourceInstanceSettings
        {
            Uid = uid,
            JsonData = ByteString.CopyFromUtf8(JsonSerializer.Serialize(new { dataDirectory = data, queryTimeout = "10m", memoryLimit, useRollups })),
            LastUpdatedMS = 1,
        },
    };

    private static QueryDataRequest Request(PluginContext context, string queryType, object json, DateTime from, DateTime to, TimeSpan interval) =>
        QueryDataCalls.Request(context, queryType, json, from, to, (long)interval.TotalMilliseconds);

    private static List<ByteString> Call(PluginProcess plugin, QueryDataRequest request, string name) => QueryDataCalls.Frames(plugin, request, name);

    private static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> times)
    {
        var sorted = times.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Summary(List<double> times) => $"{Ms(Median(times))} ({Ms(times.Min())}–{Ms(times.Max())})";

    private static string Ms(double ms) => ms >= 100 ? $"{ms:N0} ms" : $"{ms:N1} ms";

    private static string PeakRss(Process process)
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? "?" : $"{long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0:N0} MiB";
    }

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    private static (int Files, long Bytes) Size(string directory)
    {
        var files = new DirectoryInfo(directory).EnumerateFiles("*.parquet", SearchOption.AllDirectories).ToList();
        return (files.Count, files.Sum(f => f.Length));
    }

    /// <summary>
    /// Writes the dataset unless <paramref name="directory"/> already holds this version of it
    /// (a marker written last): through <see cref="ProfileWriter"/> (log without fsync, two flushes
    /// per hour), then one <see cref="StoreMaintenance"/> round that compacts every hour and writes
    /// the hour and day rollups.
    /// </summary>
    private static async Task EnsureDatasetAsync(string directory, DateTime start)
    {
        var marker = Path.Combine(directory, "dataset.json");
        var description = JsonSerializer.Serialize(new { version = DatasetVersion, start, end = End, pods = Pods, interval = Interval.TotalSeconds });
        if (File.Exists(marker) && File.ReadAllText(marker) == description)
        {
            return;
        }
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
        var watch = Stopwatch.StartNew();
        var options = new StoreOptions
        {
            DataDirectory = directory,
            WriterId = "bench",
            FlushInterval = TimeSpan.FromDays(1),
            FlushMaxSamples = 3_000_000,
            MaxBufferedSamples = 4_000_000,
            Wal = new WalOptions { SyncMode = WalSyncMode.None },
            WriterThreads = 2,
            CompactionDelay = TimeSpan.Zero,
            CompactionGracePeriod = TimeSpan.Zero,
            Retention = TimeSpan.Zero,
        };
        var template = Template();
        var random = new Random(7);
        long rows = 0;
        await using (var writer = await ProfileWriter.OpenAsync(options))
        {
            var nextFlush = start.AddMinutes(30);
            for (var tick = start; tick < End; tick += TimeSpan.FromMinutes(1))
            {
                var batch = template.NewBatch();
                for (var t = tick; t < tick.AddMinutes(1); t += Interval)
                {
                    for (var pod = 0; pod < Pods; pod++)
                    {
                        rows += template.AddProfiles(batch, t.AddMilliseconds(pod * 1_300), pod, random);
                    }
                }
                await writer.AppendAsync("default", batch);
                if (tick.AddMinutes(1) >= nextFlush)
                {
                    await writer.FlushAsync();
                    nextFlush = nextFlush.AddMinutes(30);
                    if (nextFlush.Minute == 0 && nextFlush.Hour == 0)
                    {
                        Console.WriteLine($"  written up to {tick.AddMinutes(1):yyyy-MM-dd}: {rows:N0} rows in {watch.Elapsed.TotalSeconds:N0} s");
                    }
                }
            }
            await writer.FlushAsync();
        }
        Directory.Delete(Path.Combine(directory, "wal"), recursive: true);
        var written = watch.Elapsed;
        var maintenance = new StoreMaintenance(options, TimeSpan.FromHours(1));
        maintenance.RunOnce(End.AddDays(1));
        await maintenance.DisposeAsync();
        Console.WriteLine($"dataset written: {rows:N0} rows in {written.TotalSeconds:N0} s, compacted and rolled up ({maintenance.CompactedPartitions:N0} partitions) in {(watch.Elapsed - written).TotalSeconds:N0} s");
        File.WriteAllText(marker, description);
    }

    /// <summary>The CPU series of the committed Go CPU profile: its stacks, functions and samples, copied per pod and window.</summary>
    private static ProfileTemplate Template()
    {
        var decoded = TestStore.Pprof(PprofTestData.PathOf("pprof/go-cpu.pb.gz"), Service, End);
        return new ProfileTemplate(decoded, [.. decoded.Profiles.Where(p => p.ProfileType == Cpu)]);
    }

    private sealed class ProfileTemplate(ProfileBatch decoded, List<SeriesProfile> profiles)
    {
        private readonly Dictionary<ulong, FunctionInfo> _functions = decoded.IndexFunctions();
        private readonly Dictionary<ulong, ulong[]> _stacks = decoded.IndexStacks();
        private readonly LabelSet[][] _labels = [.. Enumerable.Range(0, Pods).Select(pod => profiles.Select(p =>
            LabelSet.From(p.Labels.Concat([new("pod", $"{Service}-{pod}"), new("namespace", "shop")]))).ToArray())];

        public ProfileBatch NewBatch()
        {
            var batch = new ProfileBatch();
            foreach (var function in _functions.Values)
            {
                batch.AddFunction(function);
            }
            foreach (var frames in _stacks.Values)
            {
                batch.AddStack(frames);
            }
            return batch;
        }

        /// <summary>Adds one window of one pod: every series of the profile, each sample kept with probability 0.85 and its value scaled by 0.5–1.5 in 10 ms steps.</summary>
        public int AddProfiles(ProfileBatch batch, DateTime time, int pod, Random random)
        {
            var rows = 0;
            for (var i = 0; i < profiles.Count; i++)
            {
                var source = profiles[i];
                var profile = new SeriesProfile((time - DateTime.UnixEpoch).Ticks * 100, (long)Interval.TotalNanoseconds, Service, Cpu, _labels[pod][i]);
                foreach (var sample in source.Samples)
                {
                    if (random.NextDouble() < 0.15)
                    {
                        continue;
                    }
                    var value = Math.Max(10_000_000, (long)Math.Round(sample.Value * (0.5 + random.NextDouble()) / 10_000_000) * 10_000_000);
                    profile.Samples.Add(sample with { Value = value });
                }
                rows += profile.Samples.Count;
                batch.Profiles.Add(profile);
            }
            return rows;
        }
    }
}
