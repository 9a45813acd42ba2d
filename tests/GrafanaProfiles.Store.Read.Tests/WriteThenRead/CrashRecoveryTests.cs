using System.Diagnostics;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;
using GrafanaProfiles.Store.Read.Tests.Support;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Store.Read.Tests.WriteThenRead;

/// <summary>
/// A real writer process is killed with SIGKILL between acknowledging and flushing; the next writer
/// must hold everything that was acknowledged.
/// </summary>
public sealed class CrashRecoveryTests
{
    private const string CpuType = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
    private static readonly DateTime Start = new(2026, 11, 22, 12, 0, 0, DateTimeKind.Utc);

    private static async Task<int> RunAndKillAsync(string dataDir, int count, int killAfterAcks)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(RepoPaths.ProjectOutput("tests/GrafanaProfiles.Store.CrashWriter", "GrafanaProfiles.Store.CrashWriter"));
        psi.ArgumentList.Add(dataDir);
        psi.ArgumentList.Add(Path.Combine(RepoPaths.Root, "tests/testdata/pprof/go-cpu.pb.gz"));
        psi.ArgumentList.Add(count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var process = Process.Start(psi)!;
        var acked = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("ACK ", StringComparison.Ordinal))
            {
                acked++;
            }
            if (acked >= killAfterAcks || line == "DONE")
            {
                break;
            }
        }
        process.Kill(entireProcessTree: true); // SIGKILL: no flush, no dispose, no finally blocks
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(acked >= killAfterAcks, $"only {acked} acknowledgements before the process ended: {await process.StandardError.ReadToEndAsync(timeout.Token)}");
        return acked;
    }

    private static readonly long OneProfileTotal =
        PprofDecoder.Decode(File.ReadAllBytes(Path.Combine(RepoPaths.Root, "tests/testdata/pprof/go-cpu.pb.gz")), new PprofDecodeOptions())
            .Profiles.Where(p => p.ProfileType == CpuType).Sum(p => p.Total);

    /// <summary>Opens a writer on the directory (replaying the log), then counts the profiles that are stored.</summary>
    private static async Task<long> RecoverAsync(string dataDir)
    {
        await using (await ProfileWriter.OpenAsync(new StoreOptions { DataDirectory = dataDir, WriterId = "crash" }, PprofWalCodec.Decoders))
        {
        }
        using var reader = new ProfileReader(dataDir);
        var selection = new ProfileSelection("default", Start, Start.AddHours(1), CpuType, LabelSelector.Parse("{service_name=\"crash\"}"));
        var total = reader.Top(selection).Total;
        Assert.Equal(0, total % OneProfileTotal);
        return total / OneProfileTotal;
    }

    [Fact]
    public async Task Killed_AfterAllAcknowledged_LosesNothing()
    {
        using var dir = new TempDirectory();
        var acked = await RunAndKillAsync(dir.Path, count: 12, killAfterAcks: 12);
        Assert.Empty(Directory.GetDirectories(dir.Path, "tenant=*"));

        Assert.Equal(acked, await RecoverAsync(dir.Path));
    }

    [Fact]
    public async Task Killed_WhileStillAppending_KeepsEveryAcknowledgedProfile()
    {
        using var dir = new TempDirectory();
        var acked = await RunAndKillAsync(dir.Path, count: 400, killAfterAcks: 25);
        // Everything acknowledged is there; a record written but not yet acknowledged may be too.
        Assert.InRange(await RecoverAsync(dir.Path), acked, 400);
    }
}
