using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace GrafanaProfiles.LoadTest.Crash;

/// <summary>
/// What one start of the collector showed: the time from process start to /ready 200 (or to its
/// death, for a start killed before it was ready), and what recovery did.
/// </summary>
internal sealed record StartReport(TimeSpan ReadyAfter, long ReplayedRecords, long TornRecords, bool FlushFinished, bool KilledBeforeReady = false);

/// <summary>
/// The real collector executable (<c>serve</c>) on one loopback port and one data directory kept
/// across restarts, each start timed until /ready answers 200, its output kept for the log lines
/// that say what recovery did.
/// </summary>
internal sealed partial class CrashCollector : IDisposable
{
    private readonly string _dataDirectory;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly HttpClient _probe;
    private readonly List<string> _output = [];
    private Process? _process;

    public CrashCollector(string dataDirectory, IReadOnlyDictionary<string, string> environment)
    {
        _dataDirectory = dataDirectory;
        _environment = environment;
        Port = FreePort();
        _probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public int Pid => _process?.Id ?? throw new InvalidOperationException("The collector is not running.");

    /// <summary>Every line the collector wrote to stdout and stderr, over all its starts.</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_output)
            {
                return [.. _output];
            }
        }
    }

    /// <summary>
    /// Starts the collector and waits (polling every 10 ms) until /ready answers 200.
    /// <paramref name="overrides"/> replace settings of the environment for this start only;
    /// <paramref name="launched"/> is told the process id as soon as it exists (before it can have
    /// opened its store); with <paramref name="mayBeKilled"/> a process that dies before it is
    /// ready ends the wait (<see cref="StartReport.KilledBeforeReady"/>) instead of failing it.
    /// </summary>
    public async Task<StartReport> StartAsync(TimeSpan timeout, IReadOnlyDictionary<string, string>? overrides = null,
        Action<int>? launched = null, bool mayBeKilled = false)
    {
        var collector = Path.Combine(AppContext.BaseDirectory, "grafana-profiles-collector.dll");
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { collector, "serve", "--listen", BaseAddress.ToString().TrimEnd('/'), "--data-dir", _dataDirectory })
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (key, value) in _environment.Concat(overrides ?? new Dictionary<string, string>()))
        {
            psi.Environment[key] = value;
        }
        int firstLine;
        lock (_output)
        {
            firstLine = _output.Count;
        }
        var watch = Stopwatch.StartNew();
        var process = Process.Start(psi) ?? throw new InvalidOperationException("dotnet could not be started.");
        _process = process;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        launched?.Invoke(process.Id);
        while (true)
        {
            if (process.HasExited && mayBeKilled)
            {
                var died = watch.Elapsed;
                await WaitForExitAsync(process);
                return new StartReport(died, -1, -1, Output.Skip(firstLine).Any(l => l.Contains(FlushFinishedLine, StringComparison.Ordinal)), KilledBeforeReady: true);
            }
            if (process.HasExited)
            {
                process.WaitForExit();
                throw new InvalidOperationException($"The collector exited with {process.ExitCode} before it was ready:\n{string.Join('\n', Output.Skip(firstLine))}");
            }
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"The collector was not ready within {timeout.TotalSeconds:0} s:\n{string.Join('\n', Output.Skip(firstLine))}");
            }
            try
            {
                using var response = await _probe.GetAsync("/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    break;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(10);
        }
        var ready = watch.Elapsed;
        // The "Store open" line is written just before /ready turns 200; its reader may be a moment behind.
        var open = Stopwatch.StartNew();
        Match? replay = null;
        while (open.Elapsed < TimeSpan.FromSeconds(5) && (replay = ReplayLine(firstLine)) is null)
        {
            await Task.Delay(10);
        }
        var lines = Output.Skip(firstLine).ToList();
        return new StartReport(ready,
            replay is null ? -1 : long.Parse(replay.Groups[1].Value, CultureInfo.InvariantCulture),
            replay is null ? -1 : long.Parse(replay.Groups[2].Value, CultureInfo.InvariantCulture),
            lines.Any(l => l.Contains(FlushFinishedLine, StringComparison.Ordinal)));
    }

    /// <summary>The lines the store writes when it rolls an interrupted operation forward or back.</summary>
    public const string FlushFinishedLine = "Finishing a flush that was interrupted";
    public const string CompactionFinishedLine = "Finished an interrupted compaction";
    public const string CompactionRolledBackLine = "Rolled back an interrupted compaction";
    public const string CompactionTemporariesRemovedLine = "temporary files of an interrupted compaction";

    /// <summary>The compactor's line for a committed day rollup ("Rolled up N hours into …/day=…").</summary>
    public const string DayRollupWrittenLine = " hours into ";

    /// <summary>Output lines, over all starts, that hold <paramref name="text"/>.</summary>
    public int CountLines(string text) => Output.Count(l => l.Contains(text, StringComparison.Ordinal));

    private Match? ReplayLine(int firstLine) =>
        Output.Skip(firstLine).Select(l => ReplayPattern().Match(l)).FirstOrDefault(m => m.Success);

    /// <summary>SIGKILL unless the kill switch already sent it; waits until the process is gone.</summary>
    public async Task KillAsync()
    {
        var process = _process ?? throw new InvalidOperationException("The collector is not running.");
        if (!process.HasExited)
        {
            _ = KillSwitch.Posix.kill(process.Id, KillSwitch.Posix.SigKill);
        }
        await WaitForExitAsync(process);
    }

    /// <summary>Waits for a process that was sent SIGKILL by the kill switch.</summary>
    public Task<int> WaitForExitAsync() => WaitForExitAsync(_process ?? throw new InvalidOperationException("The collector is not running."));

    /// <summary>SIGTERM: the collector flushes what it acknowledged and exits; returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        var process = _process ?? throw new InvalidOperationException("The collector is not running.");
        _ = KillSwitch.Posix.kill(process.Id, KillSwitch.Posix.SigTerm);
        return await WaitForExitAsync(process);
    }

    private async Task<int> WaitForExitAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        var exitCode = process.ExitCode;
        process.Dispose();
        _process = null;
        return exitCode;
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Add(line);
            }
        }
    }

    public void Dispose()
    {
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                _ = KillSwitch.Posix.kill(process.Id, KillSwitch.Posix.SigKill);
                process.WaitForExit();
            }
            process.Dispose();
        }
        _probe.Dispose();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"replayed (\d+) log records \((\d+) torn dropped\)")]
    private static partial Regex ReplayPattern();
}
