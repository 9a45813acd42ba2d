using System.Diagnostics;
using System.Globalization;
using GrafanaProfiles.Benchmarks.Dataset;
using GrafanaProfiles.Benchmarks.Ingest;
using GrafanaProfiles.Benchmarks.Measurement;
using GrafanaProfiles.Benchmarks.Query;
using GrafanaProfiles.Benchmarks.Storage;
using GrafanaProfiles.TestSupport;

// dotnet run -c Release --project tests/GrafanaProfiles.Benchmarks -- --scale N
// Generates the dataset, then measures ingest, storage and queries against their baselines in one
// run, and prints a table and a verdict per target. See docs/benchmarks.md.
var settings = BenchmarkSettings.Parse(args);
if (settings is null)
{
    return 2;
}
var total = Stopwatch.StartNew();
var report = new Report();
Console.WriteLine($"Grafana Profiles benchmark, scale {settings.Scale}");
Console.WriteLine($"Machine: {Report.MachineFacts()}");
Console.WriteLine($"Load average at start: {Report.LoadAverage()}");
if (settings.QueryStore is { } existing)
{
    // DIR is the --work directory of an earlier run; its data directory is DIR/store.
    var storeDirectory = Directory.Exists(Path.Combine(existing, "store")) ? Path.Combine(existing, "store") : existing;
    Report.Section($"Query only, on {storeDirectory}");
    new QueryBenchmark(DatasetGenerator.Day, DatasetGenerator.MeasuredService, report, settings.QueryWarmups, settings.QueryRuns).Run(storeDirectory);
    report.Print();
    return 0;
}
var work = settings.WorkDirectory ?? Path.Combine(Path.GetTempPath(), $"gp-bench-{Environment.ProcessId}");
Directory.CreateDirectory(work);
if (settings.FlushOnly)
{
    try
    {
        new FlushBenchmark(report).Run(Path.Combine(work, "flush"), settings.Scale);
        report.Print();
        return 0;
    }
    finally
    {
        if (!settings.Keep)
        {
            Directory.Delete(Path.Combine(work, "flush"), recursive: true);
        }
    }
}
Console.WriteLine($"Work directory: {work}");
try
{
    Report.Section("Dataset");
    var watch = Stopwatch.StartNew();
    var data = DatasetGenerator.Generate(settings.Scale, m => Console.WriteLine("  " + m));
    var cpu = data.Profiles.Where(p => p.Kind == ProfileKind.Cpu).ToList();
    report.Add("Dataset", "Profiles (CPU + allocation, 10 s windows)", $"{data.Profiles.Count:N0} ({cpu.Count:N0} CPU), {data.Services.Count} services, {data.Series.Count} series");
    report.Add("Dataset", "pprof samples (each becomes 2 rows: 2 sample types)", $"{data.Samples:N0}, {(double)data.Samples / data.Profiles.Count:N0} per profile");
    report.Add("Dataset", "gzipped pprof / raw protobuf", $"{Timing.Bytes(data.GzipBytes)} / {Timing.Bytes(data.RawBytes)}");
    report.Add("Dataset", "Functions / distinct stacks of the measured service",
        $"{data.Models[0].Functions.Count} / {data.Models[0].CpuStacks.Length:N0} CPU, {data.Models[0].AllocationStacks.Length:N0} allocation, depth {data.Models[0].CpuStacks.Min(s => s.Length)}–{data.Models[0].CpuStacks.Max(s => s.Length)} (mean {data.Models[0].CpuStacks.Average(s => s.Length):N1})");
    Console.WriteLine($"  generated in {Timing.Ms(watch.Elapsed)}");

    var ingest = new IngestBenchmark(data, report, settings.IngestRuns);
    var (baseWall, baseCpu) = ingest.RunBaselines();
    if (settings.DecodeOnly)
    {
        report.Print();
        return 0;
    }
    if (settings.Rules)
    {
        await new RulesBenchmark(ingest, report, Math.Min(settings.IngestProfiles, data.Profiles.Count), settings.Producers, settings.IngestRepeats).RunAsync(work);
        report.Print();
        return 0;
    }
    Report.Section("Ingest: ProfileWriter with the fsynced write-ahead log, flush to Parquet included");
    if (!settings.IngestOnly)
    {
        var singleCount = Math.Min(data.Profiles.Count, settings.SingleProducerProfiles);
        var singleDir = Path.Combine(work, "single");
        var single = await ingest.IngestAsync(singleDir, 1, singleCount);
        ingest.Record(single, baseWall, baseCpu, verdict: false);
        Directory.Delete(singleDir, recursive: true);
    }
    // The concurrent ingest (what the target is judged on), in several passes into fresh stores:
    // on this shared machine one pass moves by ±10%, and the first carries tiered compilation of
    // the write path (flush code reaches tier 1 only after many flushes: perf found 6–7% of the
    // first pass's CPU on the JIT's thread). Each pass is compared with a pass of the parse-only
    // baseline run right before it (the machine's speed drifts over minutes); the verdict takes the
    // pass with the median ratio, and every pass is printed. The last pass's store is measured below.
    var passes = new List<IngestRun>();
    var storeDir = Path.Combine(work, "store");
    for (var pass = 0; pass < settings.IngestRepeats; pass++)
    {
        var last = pass == settings.IngestRepeats - 1;
        var dir = last ? storeDir : Path.Combine(work, $"store-pass-{pass + 1}");
        var parse = ingest.ParseCpuPerProfileUs();
        var run = await ingest.IngestAsync(dir, settings.Producers, Math.Min(settings.IngestProfiles, data.Profiles.Count)) with { PairedParseCpuUs = parse };
        passes.Add(run);
        var split = run.Split;
        Console.WriteLine($"  pass {pass + 1}: CPU per profile {run.CpuPerProfileUs:N0} µs against {parse:N0} µs of parse just before ({run.CpuPerProfileUs / parse:0.00}×), wall per profile {run.Wall.TotalMicroseconds / run.Profiles:N0} µs; " +
            $"decode and append {split.Append.TotalMicroseconds / run.Profiles:N0} µs, flush {split.Flush.TotalMicroseconds / run.Profiles:N0} µs, log writer {split.WalWriter.TotalMicroseconds / run.Profiles:N0} µs");
        if (!last && !settings.Keep)
        {
            Directory.Delete(dir, recursive: true);
        }
    }
    var concurrent = passes.OrderBy(r => r.CpuPerProfileUs / r.PairedParseCpuUs).ElementAt(passes.Count / 2);
    ingest.Record(concurrent, baseWall, baseCpu, verdict: true, passes);
    if (settings.IngestOnly)
    {
        report.Print();
        return 0;
    }

    Report.Section("Storage");
    var storage = new StorageBenchmark(data, report);
    storage.Measure(storeDir, passes[^1].Rows, "after flush", verdict: false);
    storage.Compact(IngestBenchmark.Options(storeDir));
    storage.Measure(storeDir, passes[^1].Rows, "after compaction", verdict: true);
    StorageBenchmark.PrintColumns(storeDir);

    Report.Section("Query (after compaction)");
    new QueryBenchmark(data.Day, data.MeasuredService, report, settings.QueryWarmups, settings.QueryRuns).Run(storeDir);

    Report.Section($"Results, scale {settings.Scale} ({Report.MachineFacts()}; load average at the end {Report.LoadAverage()})");
    report.Print();
    Console.WriteLine($"Total time {total.Elapsed:mm\\:ss}");
    return 0;
}
finally
{
    if (!settings.Keep && settings.WorkDirectory is null)
    {
        Directory.Delete(work, recursive: true);
    }
}

/// <summary>Command-line settings of the benchmark.</summary>
internal sealed record BenchmarkSettings
{
    public int Scale { get; init; } = 1;
    public int IngestRuns { get; init; } = 3;
    public int QueryWarmups { get; init; } = 2;
    public int QueryRuns { get; init; } = 21;
    public int Producers { get; init; } = 16;
    public int SingleProducerProfiles { get; init; } = 2_000;
    public string? WorkDirectory { get; init; }
    public string? QueryStore { get; init; }
    public bool Keep { get; init; }
    public bool IngestOnly { get; init; }
    public bool FlushOnly { get; init; }
    public bool DecodeOnly { get; init; }
    public bool Rules { get; init; }
    public int IngestProfiles { get; init; } = int.MaxValue;
    public int IngestRepeats { get; init; } = 3;

    private const string Usage = """
        Usage: dotnet run -c Release --project tests/GrafanaProfiles.Benchmarks -- [--scale N] [--runs N] [--query-runs N] [--producers N] [--single-profiles N] [--work DIR] [--keep] [--query-only DIR] [--ingest-repeats N] [--ingest-only [--ingest-profiles N]] [--decode-only] [--flush-only] [--rules]
          --scale N            dataset size: 8·N services, N pods of the measured service over 24 h (default 1)
          --runs N             measured passes of the parse/decode baselines, median taken (default 3)
          --query-runs N       measured runs per query after 2 warm-ups (and, once, 40 queries of each flame graph kind), median taken (default 21: a 1 h flame graph takes about 10 ms, and a median of 7 moved by half when a few runs met outside load)
          --producers N        concurrent senders in the group-commit ingest run (default 16)
          --single-profiles N  profiles sent by the single-producer run (default 2000; it waits for an fsync per profile)
          --work DIR           where the stores are written (default: a temporary directory, deleted at the end)
          --keep               keep the temporary directory
          --query-only DIR     only run the query benchmarks on DIR/store (a store kept with --work)
          --ingest-only        only the baselines and the concurrent ingest (no single producer, storage or queries)
          --ingest-repeats N   passes of the concurrent ingest into fresh stores, the verdict on the median pass (default 3)
          --ingest-profiles N  with --ingest-only: ingest only the first N profiles (default all)
          --decode-only        only the parse-only baseline and our decode (1 thread: paired run by run; all cores)
          --rules              only the baselines and the concurrent ingest without and with 10 recording rules, --ingest-repeats pairs
                               alternating (with --ingest-profiles N: the first N profiles)
          --flush-only         only the flush breakdown: CPU per row of a 1,000,000-row flush, of the samples file against DuckDB's COPY, and of each column;
                               then the stacks and functions files of the dataset's query hour (at --scale N) against DuckDB's COPY
        """;

    public static BenchmarkSettings? Parse(string[] args)
    {
        var settings = new BenchmarkSettings();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Number(int min)
            {
                var name = args[i];
                var text = Value();
                return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min
                    ? n
                    : throw new ArgumentException($"{name} must be a whole number ≥ {min}, got '{text}'.");
            }
            try
            {
                settings = args[i] switch
                {
                    "--scale" => settings with { Scale = Number(1) },
                    "--runs" => settings with { IngestRuns = Number(1) },
                    "--query-runs" => settings with { QueryRuns = Number(1) },
                    "--producers" => settings with { Producers = Number(1) },
                    "--single-profiles" => settings with { SingleProducerProfiles = Number(1) },
                    "--work" => settings with { WorkDirectory = Path.GetFullPath(Value()) },
                    "--keep" => settings with { Keep = true },
                    "--ingest-only" => settings with { IngestOnly = true },
                    "--flush-only" => settings with { FlushOnly = true },
                    "--decode-only" => settings with { DecodeOnly = true },
                    "--rules" => settings with { Rules = true },
                    "--ingest-profiles" => settings with { IngestProfiles = Number(1) },
                    "--ingest-repeats" => settings with { IngestRepeats = Number(1) },
                    "--query-only" => settings with { QueryStore = Path.GetFullPath(Value()) },
                    "-h" or "--help" => throw new ArgumentException(""),
                    _ => throw new ArgumentException($"Unknown option '{args[i]}'."),
                };
            }
            catch (ArgumentException e)
            {
                if (e.Message.Length > 0)
                {
                    Console.Error.WriteLine(e.Message);
                }
                Console.Error.WriteLine(Usage);
                return null;
            }
        }
        return settings;
    }
}
