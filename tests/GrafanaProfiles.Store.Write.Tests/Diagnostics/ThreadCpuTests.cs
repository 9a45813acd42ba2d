using GrafanaProfiles.Store.Diagnostics;
using static GrafanaProfiles.TestSupport.Batches;

namespace GrafanaProfiles.Store.Write.Tests.Diagnostics;

public sealed class ThreadCpuTests
{
    private static long Spin(int iterations)
    {
        long x = 1;
        for (var i = 0; i < iterations; i++)
        {
            x = (x * 6364136223846793005L) + 1442695040888963407L;
        }
        return x;
    }

    [Fact]
    public void Counts_the_calling_threads_work_and_not_another_threads()
    {
        Assert.True(OperatingSystem.IsLinux(), "the store's thread clock is read on Linux");
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        long waiterCpu = 0;
        var waiter = new Thread(() =>
        {
            var before = ThreadCpu.Nanoseconds();
            started.Set();
            release.Wait();
            waiterCpu = ThreadCpu.Nanoseconds() - before;
        });
        waiter.Start();
        started.Wait();

        var start = ThreadCpu.Nanoseconds();
        GC.KeepAlive(Spin(200_000_000));
        var busyCpu = ThreadCpu.Nanoseconds() - start;
        release.Set();
        waiter.Join();

        Assert.True(start > 0);
        Assert.True(busyCpu > 0);
        // The blocked thread's clock did not move with this thread's work.
        Assert.True(waiterCpu < busyCpu / 10, $"waiting thread {waiterCpu} ns, busy thread {busyCpu} ns");
    }

    [Fact]
    public async Task The_writer_reports_the_cpu_of_its_flushes_and_of_its_log_writer()
    {
        await using var store = await WriterFixture.StartAsync();
        Assert.Equal(TimeSpan.Zero, store.Writer.Stats.TotalFlushCpu);

        await store.Writer.AppendAsync("default", Folded(BaseTime.AddMinutes(5), "api", L("env", "prod"), Cpu, ("main;work;hash", 30), ("main;work", 10)));
        var logged = store.Writer.WalWriterCpu;
        await store.Writer.FlushAsync();

        Assert.True(logged > TimeSpan.Zero);
        Assert.True(store.Writer.Stats.TotalFlushCpu > TimeSpan.Zero);
        Assert.Equal(1, store.Writer.Stats.Flushes);
    }
}
