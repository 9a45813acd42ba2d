using System.Diagnostics;

namespace GrafanaProfiles.TestSupport;

/// <summary>Stopwatch measurements: warm-up runs first, then the median of the measured runs.</summary>
public static class Timing
{
    public static TimeSpan Median(int warmups, int runs, Action action)
    {
        for (var i = 0; i < warmups; i++)
        {
            action();
        }
        var times = new List<TimeSpan>(runs);
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            action();
            times.Add(watch.Elapsed);
        }
        return Median(times);
    }

    /// <summary>Median wall time and median process CPU time (all threads) of the measured runs.</summary>
    public static (TimeSpan Wall, TimeSpan Cpu) MedianWithCpu(int warmups, int runs, Action action)
    {
        for (var i = 0; i < warmups; i++)
        {
            action();
        }
        var walls = new List<TimeSpan>(runs);
        var cpus = new List<TimeSpan>(runs);
        for (var i = 0; i < runs; i++)
        {
            var cpu = ProcessCpu();
            var watch = Stopwatch.StartNew();
            action();
            walls.Add(watch.Elapsed);
            cpus.Add(ProcessCpu() - cpu);
        }
        return (Median(walls), Median(cpus));
    }

    /// <summary>
    /// Two measurements interleaved run by run (a, b, a, b, …), so that load from outside the
    /// benchmark hits both alike; returns both medians.
    /// </summary>
    public static (TimeSpan A, TimeSpan B) Paired(int warmups, int runs, Action a, Action b) =>
        Paired(warmups, runs, a, b, Wall);

    /// <summary>
    /// As <see cref="Paired(int, int, Action, Action)"/>, but each run's process CPU time (all
    /// threads, DuckDB's included): time that other processes take from this one's threads does not
    /// count. At a load average of 2–10 on this 2-core machine, the wall time of one and the same
    /// DuckDB query alternated between two databases gave paired ratios from 0.54 to 1.51
    /// (docs/benchmarks.md).
    /// </summary>
    public static (TimeSpan A, TimeSpan B) PairedCpu(int warmups, int runs, Action a, Action b) =>
        Paired(warmups, runs, a, b, ProcessCpu);

    private static (TimeSpan A, TimeSpan B) Paired(int warmups, int runs, Action a, Action b, Func<TimeSpan> clock)
    {
        for (var i = 0; i < warmups; i++)
        {
            a();
            b();
        }
        var timesA = new List<TimeSpan>(runs);
        var timesB = new List<TimeSpan>(runs);
        for (var i = 0; i < runs; i++)
        {
            var start = clock();
            a();
            var middle = clock();
            b();
            timesA.Add(middle - start);
            timesB.Add(clock() - middle);
        }
        return (Median(timesA), Median(timesB));
    }

    /// <summary>Wall-clock time on the high-resolution timer, as a point to subtract from.</summary>
    private static TimeSpan Wall() => Stopwatch.GetElapsedTime(0);

    public static TimeSpan Median(List<TimeSpan> times)
    {
        times.Sort();
        return times.Count % 2 == 1 ? times[times.Count / 2] : (times[(times.Count / 2) - 1] + times[times.Count / 2]) / 2;
    }

    /// <summary>CPU time of the whole process so far (all threads, DuckDB's native ones included).</summary>
    public static TimeSpan ProcessCpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    public static string Ms(TimeSpan t) => t.TotalMilliseconds >= 100 ? $"{t.TotalMilliseconds:N0} ms" : $"{t.TotalMilliseconds:N1} ms";

    public static string Us(double microseconds) => $"{microseconds:N0} µs";

    public static string Bytes(double bytes) => bytes switch
    {
        >= 1 << 30 => $"{bytes / (1 << 30):N2} GiB",
        >= 1 << 20 => $"{bytes / (1 << 20):N1} MiB",
        >= 1 << 10 => $"{bytes / (1 << 10):N1} KiB",
        _ => $"{bytes:N0} B",
    };
}
