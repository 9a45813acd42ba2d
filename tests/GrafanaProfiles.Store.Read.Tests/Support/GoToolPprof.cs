using System.Diagnostics;
using System.Globalization;

namespace GrafanaProfiles.Store.Read.Tests.Support;

/// <summary>
/// The real <c>go tool pprof</c>, run on a profile file. Without <c>go</c> on PATH the tests that use
/// it fail, saying what to install (test.sh installs it).
/// </summary>
public static class GoToolPprof
{
    public const string InstallHint = "Install the Go toolchain so that `go` is on PATH: `apt-get install -y golang-go` on Debian/Ubuntu (Go 1.19 or later); test.sh does this.";

    /// <summary>
    /// pprof's top table of the first sample type as function → (flat, cum), exact integers: the
    /// flags of tests/testdata/generators/record-top.sh, its output parsed by top-to-tsv.sh.
    /// </summary>
    public static async Task<Dictionary<string, (long Flat, long Cum)>> TopAsync(string profileFile, string sampleUnit)
    {
        string[] args = ["tool", "pprof", "-top", "-functions", "-trim=false", "-nodecount=0", "-nodefraction=0", "-edgefraction=0",
            "-symbolize=none", "-sample_index=0"];
        var unit = sampleUnit switch
        {
            "nanoseconds" => "ns",
            "bytes" => "B",
            "count" => null, // pprof prints counts unscaled
            _ => throw new ArgumentException($"No exact pprof -unit for '{sampleUnit}'.", nameof(sampleUnit)),
        };
        var (exit, stdout, stderr) = await RunAsync(FindGo(), [.. args, .. unit is null ? Array.Empty<string>() : ["-unit=" + unit], profileFile], null);
        Assert.True(exit == 0, $"go tool pprof failed ({exit}): {stderr}");
        var script = Path.Combine(RepoPaths.Root, "tests", "testdata", "generators", "top-to-tsv.sh");
        var (tsvExit, tsv, tsvError) = await RunAsync("sh", [script], stdout);
        Assert.True(tsvExit == 0, $"top-to-tsv.sh failed ({tsvExit}): {tsvError}\npprof printed:\n{stdout}");
        var rows = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var line in tsv.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split('\t');
            Assert.Equal(3, parts.Length);
            rows.Add(parts[0], (long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture)));
        }
        return rows;
    }

    /// <summary>Runs <c>go tool pprof -raw</c> (every sample, no report logic): exit code and output.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RawAsync(string profileFile) =>
        RunAsync(FindGo(), ["tool", "pprof", "-raw", "-symbolize=none", profileFile], null);

    private static string FindGo() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "go"))
            .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("These tests open exported profiles with `go tool pprof`, and `go` was not found on PATH. " + InstallHint);

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string executable, IEnumerable<string> args, string? stdin)
    {
        var psi = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        if (Environment.GetEnvironmentVariable("HOME") is null)
        {
            // pprof keeps its state (fetched profiles, settings) under $HOME; a test run may have none.
            psi.Environment["HOME"] = Path.GetTempPath();
        }
        using var process = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
