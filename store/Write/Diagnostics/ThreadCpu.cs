using System.Runtime.InteropServices;

namespace GrafanaProfiles.Store.Diagnostics;

/// <summary>
/// CPU time of the calling thread, from the kernel (<c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>,
/// nanosecond resolution). The writer's own threads (the log's writer, each flush) add theirs to
/// counters, so an operator and the benchmark see where ingest CPU goes without a profiler:
/// process CPU alone mixes decoding, logging and flushing (docs/benchmarks.md, change 31). Zero
/// where the call is not available.
/// </summary>
internal static partial class ThreadCpu
{
    private const int ClockThreadCpuTime = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    private static readonly bool Available = Probe();

    /// <summary>Whether the call works here: the writer calls this on every flush and commit, so a missing library must mean 0, never an exception.</summary>
    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            return false;
        }
        try
        {
            return ClockGetTime(ClockThreadCpuTime, out _) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>CPU time the calling thread has used so far, in nanoseconds; 0 when unavailable.</summary>
    public static long Nanoseconds()
    {
        if (!Available || ClockGetTime(ClockThreadCpuTime, out var time) != 0)
        {
            return 0;
        }
        return (time.Seconds * 1_000_000_000) + time.Nanoseconds;
    }
}
