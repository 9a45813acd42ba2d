using System.Globalization;

namespace GrafanaProfiles.LoadTest;

/// <summary>One thread of the measured process at one moment, from <c>/proc/&lt;pid&gt;/task/&lt;tid&gt;</c>.</summary>
internal readonly record struct ThreadStat(int Id, string Name, long CpuTicks, long VoluntarySwitches, long InvoluntarySwitches);

/// <summary>
/// CPU time and context switches of another process, read from <c>/proc</c>: the process total
/// (<c>utime + stime</c> of <c>/proc/&lt;pid&gt;/stat</c>, which includes threads that have
/// exited) and each live thread with its name, so a run can say which of the collector's threads
/// (thread-pool workers, the log's writer, the flush, the GC) spent the time.
/// </summary>
internal sealed class ProcessStat
{
    /// <summary>USER_HZ: Linux reports times in /proc in these ticks (100 per second on every architecture it supports).</summary>
    public const double TicksPerSecond = 100;

    private ProcessStat(long cpuTicks, IReadOnlyDictionary<int, ThreadStat> threads)
    {
        CpuTicks = cpuTicks;
        Threads = threads;
    }

    /// <summary>User plus system CPU of the whole process, in ticks of <see cref="TicksPerSecond"/>.</summary>
    public long CpuTicks { get; }

    public IReadOnlyDictionary<int, ThreadStat> Threads { get; }

    public static ProcessStat Read(int pid)
    {
        var total = TicksOf(File.ReadAllText($"/proc/{pid}/stat"), out _);
        var threads = new Dictionary<int, ThreadStat>();
        foreach (var directory in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            var tid = int.Parse(Path.GetFileName(directory), CultureInfo.InvariantCulture);
            try
            {
                var ticks = TicksOf(File.ReadAllText(Path.Combine(directory, "stat")), out var name);
                long voluntary = 0, involuntary = 0;
                foreach (var line in File.ReadLines(Path.Combine(directory, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        voluntary = long.Parse(line.AsSpan(line.IndexOf(':', StringComparison.Ordinal) + 1).Trim(), CultureInfo.InvariantCulture);
                    }
                    else if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        involuntary = long.Parse(line.AsSpan(line.IndexOf(':', StringComparison.Ordinal) + 1).Trim(), CultureInfo.InvariantCulture);
                    }
                }
                threads[tid] = new ThreadStat(tid, name, ticks, voluntary, involuntary);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The thread exited between the listing and the read.
            }
        }
        return new ProcessStat(total, threads);
    }

    /// <summary>
    /// What each group of threads (by name) used between <paramref name="before"/> and
    /// <paramref name="after"/>: CPU ticks and context switches. A thread that started in between
    /// counts whole; one that exited in between is missing here (but not from the process total).
    /// </summary>
    public static IReadOnlyList<(string Group, long CpuTicks, long Voluntary, long Involuntary)> ByGroup(ProcessStat before, ProcessStat after)
    {
        var groups = new Dictionary<string, (long Cpu, long Voluntary, long Involuntary)>(StringComparer.Ordinal);
        foreach (var (tid, now) in after.Threads)
        {
            var then = before.Threads.TryGetValue(tid, out var t) && t.Name == now.Name ? t : new ThreadStat(tid, now.Name, 0, 0, 0);
            var group = GroupOf(now.Name);
            var sum = groups.GetValueOrDefault(group);
            groups[group] = (sum.Cpu + now.CpuTicks - then.CpuTicks, sum.Voluntary + now.VoluntarySwitches - then.VoluntarySwitches,
                sum.Involuntary + now.InvoluntarySwitches - then.InvoluntarySwitches);
        }
        return [.. groups.Select(g => (g.Key, g.Value.Cpu, g.Value.Voluntary, g.Value.Involuntary)).OrderByDescending(g => g.Cpu).ThenBy(g => g.Key, StringComparer.Ordinal)];
    }

    /// <summary>Thread names of the .NET runtime and of the store, gathered into what they do.</summary>
    private static string GroupOf(string name) => name switch
    {
        ".NET TP Worker" => "thread-pool workers (HTTP, decode, append)",
        ".NET Sockets" => "socket event loop",
        "wal-writer" => "write-ahead log writer",
        ".NET Timer" => "timers",
        ".NET Tiered Com" => "JIT (tiered compilation)",
        ".NET BGC" or ".NET Server GC" or ".NET Background" => "garbage collector",
        _ when name.StartsWith("flush", StringComparison.Ordinal) => "Parquet flush",
        _ when name.StartsWith(".NET Long Runni", StringComparison.Ordinal) => "long-running tasks (flush, maintenance)",
        _ => name,
    };

    /// <summary>utime + stime of a stat line; the name (comm) may hold spaces and parentheses, so fields are counted after the last ')'.</summary>
    private static long TicksOf(string stat, out string name)
    {
        var open = stat.IndexOf('(', StringComparison.Ordinal);
        var close = stat.LastIndexOf(')');
        name = stat[(open + 1)..close];
        var fields = stat[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state); utime is field 14, stime field 15.
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }
}
