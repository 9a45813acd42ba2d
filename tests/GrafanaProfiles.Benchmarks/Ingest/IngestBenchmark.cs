using System.Diagnostics;
using System.IO.Compression;
using GrafanaProfiles.Benchmarks.Dataset;
using GrafanaProfiles.Benchmarks.Measurement;
using GrafanaProfiles.Schema.Pprof;
using GrafanaProfiles.Store.Diagnostics;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Write;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Benchmarks.Ingest;

/// <summary>What one ingest run did.</summary>
/// <summary>Where a pass's CPU went, from the threads' own clocks (zero where not available).</summary>
internal sealed record CpuSplit(TimeSpan Append, TimeSpan Flush, TimeSpan WalWriter);

internal sealed record IngestRun(int Producers, int Profiles, long Samples, long Rows, TimeSpan Wall, TimeSpan Cpu, TimeSpan Flushing, long Flushes, long Retries, long WalCommits, GcUse Gc,
    CpuSplit Split)
{
    public double CpuPerProfileUs => Cpu.TotalMicroseconds / Profiles;

    /// <summary>The parse-only baseline's CPU per profile measured right before this pass (0 when not measured).</summary>
    public double PairedParseCpuUs { get; init; }
}

/// <summary>The garbage collector's share of a run: bytes allocated (all threads), collections, pauses.</summary>
internal sealed record GcUse(long AllocatedBytes, int Collections, TimeSpan Pauses);

/// <summary>
/// Ingest through the real write path (decode, fsynced write-ahead log with group commit, buffers,
/// Parquet flush) against the baseline of what any pprof consumer must do at least: gunzip with
/// System.IO.Compression and parse with the generated Google.Protobuf classes.
/// </summary>
internal sealed class IngestBenchmark(GeneratedDataset data, Report report, int runs)
{
    public const string Tenant = "bench";

    private readonly IReadOnlyList<ProfileInput> _profiles = data.Profiles;

    /// <summary>
    /// Parse-only baseline and our decode-only, single-threaded and on all cores. Returns the
    /// baseline's wall time per profile on all cores and its CPU time per profile.
    /// </summary>
    public (double ParallelWallUs, double CpuUs) RunBaselines()
    {
        Report.Section("Ingest: baseline (gunzip + Profile.Parser.ParseFrom) and our decode alone");
        var n = _profiles.Count;
        var cores = Environment.ProcessorCount;
        // One thread: parse and decode alternate pass by pass (paired), so that drift in the
        // machine's load hits both alike; the medians of the CPU times are compared.
        var (parseCpu, decodeCpu) = Timing.PairedCpu(1, runs, () => ParseAll(1), () => DecodeAll(1));
        var parseParallel = Timing.MedianWithCpu(1, runs, () => ParseAll(cores));
        var decodeParallel = Timing.MedianWithCpu(1, runs, () => DecodeAll(cores));
        var baseCpu = PerProfileUs(parseCpu, n);
        var baseParallel = PerProfileUs(parseParallel.Wall, n);
        report.Add("Ingest", "Parse-only baseline, 1 thread: CPU time per profile", Timing.Us(baseCpu));
        report.Add("Ingest", $"Parse-only baseline, {cores} threads: wall time per profile", Timing.Us(baseParallel));
        report.Add("Ingest", $"Parse-only baseline, {cores} threads: CPU time per profile", Timing.Us(PerProfileUs(parseParallel.Cpu, n)));
        report.Add("Ingest", "PprofDecoder.Decode only, 1 thread: CPU time per profile (paired with the baseline)", Timing.Us(PerProfileUs(decodeCpu, n)), Timing.Us(baseCpu),
            PerProfileUs(decodeCpu, n) / baseCpu);
        report.Add("Ingest", $"PprofDecoder.Decode only, {cores} threads: wall time per profile", Timing.Us(PerProfileUs(decodeParallel.Wall, n)), Timing.Us(baseParallel),
            PerProfileUs(decodeParallel.Wall, n) / baseParallel);
        report.Add("Ingest", $"PprofDecoder.Decode only, {cores} threads: CPU time per profile", Timing.Us(PerProfileUs(decodeParallel.Cpu, n)), Timing.Us(PerProfileUs(parseParallel.Cpu, n)),
            decodeParallel.Cpu / parseParallel.Cpu);
        return (baseParallel, baseCpu);
    }

    private static double PerProfileUs(TimeSpan total, int profiles) => total.TotalMicroseconds / profiles;

    /// <summary>
    /// One pass of the parse-only baseline on one thread, CPU per profile: run right before each
    /// ingest pass, so that each pass is compared with a baseline taken in the same minute (the
    /// machine's speed drifts: the 1-thread baseline measured 189–227 µs per profile within an hour).
    /// </summary>
    public double ParseCpuPerProfileUs()
    {
        var cpu = Timing.ProcessCpu();
        ParseAll(1);
        return PerProfileUs(Timing.ProcessCpu() - cpu, _profiles.Count);
    }

    private long ParseAll(int threads)
    {
        long samples = 0;
        Parallel.For(0, _profiles.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, () => (Buffer: new byte[1 << 20], Samples: 0L), (i, _, state) =>
        {
            var buffer = state.Buffer;
            var length = Gunzip(_profiles[i].Gzip, ref buffer);
            var profile = Profile.Parser.ParseFrom(buffer, 0, length);
            return (buffer, state.Samples + profile.Sample.Count);
        }, state => Interlocked.Add(ref samples, state.Samples));
        return samples;
    }

    private static int Gunzip(byte[] gzip, ref byte[] buffer)
    {
        using var input = new MemoryStream(gzip, writable: false);
        using var stream = new GZipStream(input, CompressionMode.Decompress);
        var length = 0;
        int read;
        while ((read = stream.Read(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
            if (length == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }
        }
        return length;
    }

    private long DecodeAll(int threads)
    {
        long samples = 0;
        Parallel.For(0, _profiles.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, () => 0L, (i, _, count) =>
            count + PprofDecoder.Decode(_profiles[i].Gzip, _profiles[i].Options).SampleCount, count => Interlocked.Add(ref samples, count));
        return samples;
    }

    /// <summary>
    /// Ingests the first <paramref name="count"/> profiles (time order) into a new store in
    /// <paramref name="directory"/> through <see cref="PprofWalCodec.AppendAsync"/>, with
    /// <paramref name="producers"/> concurrent senders, and flushes everything to Parquet; with
    /// <paramref name="flushObserver"/> (recording rules) told of every flush.
    /// </summary>
    public async Task<IngestRun> IngestAsync(string directory, int producers, int count, IFlushObserver? flushObserver = null)
    {
        var options = Options(directory) with { FlushObserver = flushObserver };
        var writer = await ProfileWriter.OpenAsync(options, PprofWalCodec.Decoders);
        GC.Collect();
        var (pause, allocated, collections) = (GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes(precise: true), GC.CollectionCount(0));
        var cpu = Timing.ProcessCpu();
        var watch = Stopwatch.StartNew();
        var next = -1;
        long retries = 0;
        long appendCpu = 0;
        var senders = Enumerable.Range(0, producers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var profile = _profiles[i];
                while (true)
                {
                    try
                    {
                        // The synchronous part of an append on the sender's thread: decode, log
                        // envelope, queueing, buffering. The rest waits for the log's fsync.
                        var before = ThreadCpu.Nanoseconds();
                        var append = PprofWalCodec.AppendAsync(writer, Tenant, profile.Gzip, profile.Options);
                        Interlocked.Add(ref appendCpu, ThreadCpu.Nanoseconds() - before);
                        await append;
                        break;
                    }
                    catch (StoreOverloadedException)
                    {
                        // What a client does on HTTP 429: wait a little and send again.
                        Interlocked.Increment(ref retries);
                        await Task.Delay(20);
                    }
                }
            }
        })).ToList();
        await Task.WhenAll(senders);
        await writer.FlushAsync();
        watch.Stop();
        var used = Timing.ProcessCpu() - cpu;
        var gc = new GcUse(GC.GetTotalAllocatedBytes(precise: true) - allocated, GC.CollectionCount(0) - collections, GC.GetTotalPauseDuration() - pause);
        var stats = writer.Stats;
        var split = new CpuSplit(TimeSpan.FromTicks(appendCpu / 100), stats.TotalFlushCpu, writer.WalWriterCpu);
        var run = new IngestRun(producers, count, stats.SamplesAppended, stats.RowsFlushed, watch.Elapsed, used, stats.TotalFlushDuration, stats.Flushes, retries, writer.WalCommits, gc, split);
        await writer.DisposeAsync();
        return run;
    }

    public static StoreOptions Options(string directory) => new()
    {
        DataDirectory = directory,
        WriterId = "bench",
        CompactionGracePeriod = TimeSpan.Zero,
    };

    public void Record(IngestRun run, double baselineWallUs, double baselineCpuUs, bool verdict, IReadOnlyList<IngestRun>? passes = null)
    {
        var perProfile = run.Wall.TotalMicroseconds / run.Profiles;
        // A pass with a baseline run right before it is compared with that one.
        var paired = run.PairedParseCpuUs > 0;
        baselineCpuUs = paired ? run.PairedParseCpuUs : baselineCpuUs;
        var cpuPerProfile = run.Cpu.TotalMicroseconds / run.Profiles;
        var cores = Environment.ProcessorCount;
        var label = run.Producers == 1 ? "1 producer" : $"{run.Producers} concurrent producers";
        // One producer is compared with parsing on one thread, concurrent producers with parsing on all cores.
        var (wallBaseline, wallName) = run.Producers == 1 ? (baselineCpuUs, "parse on 1 thread") : (baselineWallUs, $"parse on {cores} threads");
        report.Add("Ingest", $"Ingest, {label} ({run.Profiles:N0} profiles): wall time per profile", Timing.Us(perProfile),
            $"{Timing.Us(wallBaseline)} ({wallName})", perProfile / wallBaseline);
        report.Add("Ingest", $"Ingest, {label}: CPU time per profile (all threads, flush included)", Timing.Us(cpuPerProfile), paired ? $"{Timing.Us(baselineCpuUs)} (parse CPU, run right before)" : $"{Timing.Us(baselineCpuUs)} (parse CPU)",
            cpuPerProfile / baselineCpuUs);
        if (passes is { Count: > 0 } && passes.All(p => p.PairedParseCpuUs > 0))
        {
            report.Add("Ingest", $"Ingest, {label}: each pass, CPU per profile against the parse baseline run right before it; wall per profile",
                string.Join(", ", passes.Select(p => $"{Timing.Us(p.CpuPerProfileUs)} / {Timing.Us(p.PairedParseCpuUs)} = {p.CpuPerProfileUs / p.PairedParseCpuUs:0.00}×, {Timing.Us(p.Wall.TotalMicroseconds / p.Profiles)}")));
        }
        report.Add("Ingest", $"Ingest, {label}: rate", $"{run.Profiles / run.Wall.TotalSeconds:N0} profiles/s, {run.Rows / run.Wall.TotalSeconds:N0} rows/s");
        report.Add("Ingest", $"Ingest, {label}: flushes / time flushing / 429 retries", $"{run.Flushes} / {Timing.Ms(run.Flushing)} / {run.Retries}");
        if (run.Split.Append > TimeSpan.Zero)
        {
            var rest = run.Cpu - run.Split.Append - run.Split.Flush - run.Split.WalWriter;
            report.Add("Ingest", $"Ingest, {label}: CPU per profile by thread: decode and append (sender's thread) / flush threads / log writer thread / rest (continuations, GC, compiler)",
                $"{Timing.Us(run.Split.Append.TotalMicroseconds / run.Profiles)} / {Timing.Us(run.Split.Flush.TotalMicroseconds / run.Profiles)} / " +
                $"{Timing.Us(run.Split.WalWriter.TotalMicroseconds / run.Profiles)} / {Timing.Us(rest.TotalMicroseconds / run.Profiles)}");
        }
        report.Add("Ingest", $"Ingest, {label}: write-ahead log commits (fsyncs) / profiles per commit", $"{run.WalCommits:N0} / {(double)run.Profiles / Math.Max(run.WalCommits, 1):N1}");
        report.Add("Ingest", $"Ingest, {label}: allocated per profile / collections / GC pauses",
            $"{run.Gc.AllocatedBytes / run.Profiles / 1024:N0} KiB / {run.Gc.Collections:N0} / {Timing.Ms(run.Gc.Pauses)}");
        if (verdict)
        {
            report.Verdict("Ingest cost per profile ≤ 1.5× gunzip + parse (CPU time)", cpuPerProfile / baselineCpuUs, 1.5,
                $"{label}, fsync WAL, flush included: {Timing.Us(cpuPerProfile)} vs {Timing.Us(baselineCpuUs)} CPU per profile; wall {Timing.Us(perProfile)} vs {Timing.Us(baselineWallUs)} on {cores} threads ({perProfile / baselineWallUs:0.00}×)");
        }
    }
}
