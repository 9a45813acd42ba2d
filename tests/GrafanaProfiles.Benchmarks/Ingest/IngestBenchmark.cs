using System.Diagnostics;
using System.IO.Compression;
using GrafanaProfiles.Benchmarks.Dataset;
using GrafanaProfiles.Benchmarks.Measurement;
using GrafanaProfiles.Schema.Pprof;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Benchmarks.Ingest;

/// <summary>What one ingest run did.</summary>
internal sealed record IngestRun(int Producers, int Profiles, long Samples, long Rows, TimeSpan Wall, TimeSpan Cpu, TimeSpan Flushing, long Flushes, long Retries);

/// <summary>
/// Ingest through the real write path (decode, fsynced write-ahead log with group commit, buffers,
/// Parquet flush) against the baseline of what any pprof consumer must do at least: gunzip with
/// System.IO.Compression and parse with the generated Google.Protobuf classes.
/// </summary>
internal sealed class IngestBenchmark(GeneratedDataset data, Report report, int runs)
{
    public const string Tenant = "bench";

    private readonly IReadOnlyList<ProfileInput> _profiles = data.Profiles;

    /// <summary>Parse-only baseline and our decode-only, single-threaded and on all cores; returns the baseline's time per profile (single, parallel).</summary>
    public (double SingleUs, double ParallelUs) RunBaselines()
    {
        Report.Section("Ingest: baseline (gunzip + Profile.Parser.ParseFrom) and our decode alone");
        var n = _profiles.Count;
        var parseSingle = Timing.Median(1, runs, () => ParseAll(1));
        var parseParallel = Timing.Median(1, runs, () => ParseAll(Environment.ProcessorCount));
        var decodeSingle = Timing.Median(1, runs, () => DecodeAll(1));
        var decodeParallel = Timing.Median(1, runs, () => DecodeAll(Environment.ProcessorCount));
        var baseSingle = PerProfileUs(parseSingle, n);
        var baseParallel = PerProfileUs(parseParallel, n);
        report.Add("Ingest", "Parse-only baseline, 1 thread (time per profile)", Timing.Us(baseSingle));
        report.Add("Ingest", $"Parse-only baseline, {Environment.ProcessorCount} threads (wall time per profile)", Timing.Us(baseParallel));
        report.Add("Ingest", "PprofDecoder.Decode only, 1 thread", Timing.Us(PerProfileUs(decodeSingle, n)), Timing.Us(baseSingle), PerProfileUs(decodeSingle, n) / baseSingle);
        report.Add("Ingest", $"PprofDecoder.Decode only, {Environment.ProcessorCount} threads", Timing.Us(PerProfileUs(decodeParallel, n)), Timing.Us(baseParallel),
            PerProfileUs(decodeParallel, n) / baseParallel);
        return (baseSingle, baseParallel);
    }

    private static double PerProfileUs(TimeSpan total, int profiles) => total.TotalMicroseconds / profiles;

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
    /// <paramref name="producers"/> concurrent senders, and flushes everything to Parquet.
    /// </summary>
    public async Task<IngestRun> IngestAsync(string directory, int producers, int count)
    {
        var options = Options(directory);
        var writer = await ProfileWriter.OpenAsync(options, PprofWalCodec.Decoders);
        GC.Collect();
        var cpu = Timing.ProcessCpu();
        var watch = Stopwatch.StartNew();
        var next = -1;
        long retries = 0;
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
                        await PprofWalCodec.AppendAsync(writer, Tenant, profile.Gzip, profile.Options);
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
        var stats = writer.Stats;
        var run = new IngestRun(producers, count, stats.SamplesAppended, stats.RowsFlushed, watch.Elapsed, used, stats.TotalFlushDuration, stats.Flushes, retries);
        await writer.DisposeAsync();
        return run;
    }

    public static StoreOptions Options(string directory) => new()
    {
        DataDirectory = directory,
        WriterId = "bench",
        CompactionGracePeriod = TimeSpan.Zero,
    };

    public void Record(IngestRun run, double baselineUs, string baselineName, bool verdict)
    {
        var perProfile = run.Wall.TotalMicroseconds / run.Profiles;
        var label = run.Producers == 1 ? "1 producer" : $"{run.Producers} concurrent producers";
        report.Add("Ingest", $"Ingest, {label} ({run.Profiles:N0} profiles): wall time per profile", Timing.Us(perProfile), $"{Timing.Us(baselineUs)} ({baselineName})",
            perProfile / baselineUs);
        report.Add("Ingest", $"Ingest, {label}: rate", $"{run.Profiles / run.Wall.TotalSeconds:N0} profiles/s, {run.Rows / run.Wall.TotalSeconds:N0} rows/s");
        report.Add("Ingest", $"Ingest, {label}: CPU time per profile (all threads)", Timing.Us(run.Cpu.TotalMicroseconds / run.Profiles));
        report.Add("Ingest", $"Ingest, {label}: flushes / time flushing / 429 retries",
            $"{run.Flushes} / {Timing.Ms(run.Flushing)} / {run.Retries}");
        if (verdict)
        {
            report.Verdict("Ingest time per profile ≤ 1.5× gunzip + parse", perProfile / baselineUs, 1.5,
                $"{label}, fsync WAL, flush included: {Timing.Us(perProfile)} vs {Timing.Us(baselineUs)} ({baselineName})");
        }
    }
}
