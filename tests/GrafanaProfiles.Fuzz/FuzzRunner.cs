using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace GrafanaProfiles.Fuzz;

/// <summary>The settings of one run, from the command line.</summary>
internal sealed record FuzzSettings
{
    public int Inputs { get; init; } = 100_000;
    public int Seed { get; init; } = 1;
    /// <summary>An input that runs longer than this is a hang.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMilliseconds(2000);
    /// <summary>One input allocating more than this, or the working set above it while the input runs, is a finding.</summary>
    public long MemoryBoundBytes { get; init; } = 1L << 30;
    /// <summary>Whether findings are written to tests/testdata/fuzz/&lt;target&gt;/.</summary>
    public bool SaveFindings { get; init; } = true;
}

/// <summary>What one target's run found.</summary>
internal sealed record FuzzReport(string Target, int Inputs, int Accepted, int Refused, TimeSpan Elapsed, long PeakWorkingSet, IReadOnlyList<Finding> Findings)
{
    public double InputsPerSecond => Inputs / Elapsed.TotalSeconds;
}

/// <summary>A crash: an exception other than the refusal type, a hang or the memory bound passed.</summary>
internal sealed record Finding(int Input, string Kind, string Message, string? SavedAs);

/// <summary>
/// Runs a target's inputs one at a time on a worker thread. The calling thread waits for each input
/// with the timeout and samples the working set while it runs; a hung worker is abandoned (it is a
/// background thread) and a fresh one takes the next input.
/// </summary>
internal sealed class FuzzRunner(FuzzSettings settings, TextWriter output)
{
    private const int MaxFindingsPerTarget = 50;
    private readonly HashSet<string> _savedSignatures = [];
    private static readonly TimeSpan MemorySampleInterval = TimeSpan.FromMilliseconds(20);

    public FuzzReport Run(FuzzTarget target)
    {
        var seeds = target.Seeds();
        if (seeds.Count == 0)
        {
            throw new InvalidOperationException($"Target {target.Name} has no seeds.");
        }
        var mutator = new Mutator(new Random(HashCode.Combine(settings.Seed, StableHash(target.Name))));
        var worker = new Worker(target);
        var findings = new List<Finding>();
        int accepted = 0, refused = 0;
        long peak = 0;
        var clock = Stopwatch.StartNew();
        var progress = Stopwatch.StartNew();
        for (var i = 0; i < settings.Inputs && findings.Count < MaxFindingsPerTarget; i++)
        {
            // The first inputs are the seeds themselves, so the corpus is replayed as it is.
            var input = i < seeds.Count ? seeds[i] : target.Mutate(mutator, seeds);
            worker.Start(input);
            var finished = false;
            var overMemory = false;
            var waited = TimeSpan.Zero;
            while (waited < settings.Timeout)
            {
                if (worker.Done.Wait(MemorySampleInterval))
                {
                    finished = true;
                    break;
                }
                waited += MemorySampleInterval;
                var workingSet = Environment.WorkingSet;
                peak = Math.Max(peak, workingSet);
                if (workingSet > settings.MemoryBoundBytes)
                {
                    // Garbage of earlier inputs is not this input's: collect it before blaming this one.
                    GC.Collect();
                    if (Environment.WorkingSet > settings.MemoryBoundBytes)
                    {
                        overMemory = true;
                        break;
                    }
                }
            }
            peak = Math.Max(peak, Environment.WorkingSet);
            if (!finished)
            {
                findings.Add(Record(target, i, input, overMemory ? "memory" : "hang",
                    overMemory
                        ? $"working set over the bound of {settings.MemoryBoundBytes >> 20} MiB while the input ran"
                        : $"no answer within {settings.Timeout.TotalMilliseconds} ms"));
                // The abandoned thread keeps running and holding memory: later inputs of this target
                // would be measured against it, so the target stops here.
                output.WriteLine($"  {target.Name}: stopped after input {i}; fix it and rerun (the input is replayed first).");
                break;
            }
            if (worker.AllocatedBytes > settings.MemoryBoundBytes)
            {
                findings.Add(Record(target, i, input, "memory",
                    $"{worker.AllocatedBytes >> 20} MiB allocated for one input, over the bound of {settings.MemoryBoundBytes >> 20} MiB" +
                    (worker.Error is { } thrown ? "; then threw " + thrown.GetType().Name : "")));
                GC.Collect();
            }
            else if (worker.Error is { } error)
            {
                findings.Add(Record(target, i, input, "exception", error.ToString()));
            }
            else if (worker.Result == Outcome.Accepted)
            {
                accepted++;
            }
            else
            {
                refused++;
            }
            if (progress.Elapsed > TimeSpan.FromSeconds(30))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {target.Name}: {i + 1} inputs, {(i + 1) / clock.Elapsed.TotalSeconds:F0}/s, {findings.Count} findings"));
                progress.Restart();
            }
        }
        worker.Stop();
        var inputs = accepted + refused + findings.Count;
        return new FuzzReport(target.Name, inputs, accepted, refused, clock.Elapsed, peak, findings);
    }

    private Finding Record(FuzzTarget target, int index, byte[] input, string kind, string message)
    {
        string? saved = null;
        // One input per kind of failure (exception type and the frame it came from) is kept.
        var lines = message.Split('\n');
        var signature = kind == "exception"
            ? target.Name + "|" + lines[0].Split(':')[0] + "|" + (lines.Length > 1 ? lines[1].Split(" in ")[0].Trim() : "")
            : target.Name + "|" + kind;
        if (settings.SaveFindings && _savedSignatures.Add(signature))
        {
            var name = Convert.ToHexStringLower(SHA256.HashData(input))[..16] + ".bin";
            var directory = Repository.Corpus(target.Name);
            Directory.CreateDirectory(directory);
            saved = Path.Combine(directory, name);
            File.WriteAllBytes(saved, input);
        }
        output.WriteLine($"FINDING {target.Name} input {index}: {kind}{(saved is null ? "" : " saved as " + Path.GetRelativePath(Repository.Root, saved))}");
        output.WriteLine("  " + message.Split('\n')[0]);
        foreach (var line in message.Split('\n').Skip(1).Take(6))
        {
            output.WriteLine("  " + line.TrimEnd());
        }
        output.WriteLine("  input (base64, first 512 bytes): " + Convert.ToBase64String(input.AsSpan(0, Math.Min(512, input.Length))));
        return new Finding(index, kind, message.Split('\n')[0], saved);
    }

    private static int StableHash(string text)
    {
        var hash = 17;
        foreach (var c in text)
        {
            hash = unchecked(hash * 31 + c);
        }
        return hash;
    }

    /// <summary>
    /// One background thread that runs inputs handed to it. A hung worker is abandoned undisposed:
    /// its thread still waits on the handles.
    /// </summary>
    private sealed class Worker : IDisposable
    {
        private readonly FuzzTarget _target;
        private readonly SemaphoreSlim _go = new(0);
        private byte[]? _input;
        private bool _stop;

        public Worker(FuzzTarget target)
        {
            _target = target;
            new Thread(Loop) { IsBackground = true, Name = "fuzz-" + target.Name }.Start();
        }

        public ManualResetEventSlim Done { get; } = new(false);

        public Outcome Result { get; private set; }

        /// <summary>Bytes the worker thread allocated for the last input (exact, so the input that asked is the one blamed).</summary>
        public long AllocatedBytes { get; private set; }

        public Exception? Error { get; private set; }

        public void Start(byte[] input)
        {
            Done.Reset();
            Error = null;
            _input = input;
            _go.Release();
        }

        public void Stop()
        {
            _stop = true;
            _go.Release();
        }

        public void Dispose()
        {
            _go.Dispose();
            Done.Dispose();
        }

        private void Loop()
        {
            while (true)
            {
                _go.Wait();
                if (_stop)
                {
                    Dispose();
                    return;
                }
                var before = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    Result = _target.Run(_input!);
                }
#pragma warning disable CA1031 // Every exception but the refusal type is the finding being looked for.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    Error = e;
                }
                AllocatedBytes = GC.GetAllocatedBytesForCurrentThread() - before;
                Done.Set();
            }
        }
    }
}
