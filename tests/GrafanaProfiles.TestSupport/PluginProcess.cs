using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GrafanaProfiles.TestSupport;

/// <summary>
/// The plugin executable started the way Grafana's go-plugin client starts it: the binary itself
/// (not <c>dotnet x.dll</c>), Grafana's environment (magic cookie, <c>PLUGIN_*</c>, <c>GF_*</c>, the
/// host's own variables), a working directory that is not the plugin folder, and the first stdout line
/// parsed exactly as go-plugin parses it. Later stdout is drained; stderr lines are read as hclog JSON.
/// </summary>
public sealed partial class PluginProcess : IAsyncDisposable
{
    /// <summary>go-plugin's default start timeout.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(1);

    private readonly Process _process;
    private readonly TempDirectory _workingDirectory = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly ConcurrentQueue<string> _laterStdout = new();
    private readonly TaskCompletionSource<string> _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PluginProcess(IDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo(ExecutablePath)
        {
            WorkingDirectory = _workingDirectory.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the plugin.");
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _firstLine.TrySetException(new InvalidOperationException("The plugin closed stdout before the handshake."));
            }
            else if (!_firstLine.TrySetResult(e.Data))
            {
                _laterStdout.Enqueue(e.Data);
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _stderr.Enqueue(e.Data);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The built executable, e.g. backend/GrafanaProfiles.Backend/bin/Release/net10.0/gpx_grafana_profiles.</summary>
    public static string ExecutablePath
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var path = Path.Combine(RepoPaths.Root, "backend", "GrafanaProfiles.Backend", "bin", dir.Parent!.Name, dir.Name, "gpx_grafana_profiles");
            return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built; build the solution first.", path);
        }
    }

    public string Network { get; private set; } = "";

    public string Address { get; private set; } = "";

    public string HandshakeLine { get; private set; } = "";

    public GrpcClient Client { get; private set; } = null!;

    public Process Process => _process;

    public IReadOnlyList<string> StderrLines => [.. _stderr];

    public IReadOnlyList<string> LaterStdoutLines => [.. _laterStdout];

    /// <summary>The environment Grafana gives a data source plugin (go-plugin client.go + Grafana's envvars.go).</summary>
    public static Dictionary<string, string?> GrafanaEnvironment() => new()
    {
        ["grafana_plugin_type"] = "datasource",
        ["PLUGIN_MIN_PORT"] = "10000",
        ["PLUGIN_MAX_PORT"] = "25000",
        ["PLUGIN_PROTOCOL_VERSIONS"] = "2",
        ["GF_VERSION"] = "12.3.0",
        ["GF_INSTANCE_FEATURE_TOGGLES_ENABLE"] = "",
    };

    /// <summary>Starts the plugin and completes the handshake; throws with the plugin's output when it fails.</summary>
    public static async Task<PluginProcess> StartAsync(Action<Dictionary<string, string?>>? configure = null)
    {
        var environment = GrafanaEnvironment();
        configure?.Invoke(environment);
        var plugin = new PluginProcess(environment);
        try
        {
            var line = await plugin._firstLine.Task.WaitAsync(StartTimeout);
            plugin.HandshakeLine = line;
            (plugin.Network, plugin.Address) = ParseHandshake(line);
            plugin.Client = new GrpcClient(plugin.Network, plugin.Address);
            return plugin;
        }
        catch (Exception e)
        {
            await plugin.DisposeAsync();
            throw new InvalidOperationException($"The plugin did not complete the handshake: {e.Message}\nstderr:\n{string.Join('\n', plugin.StderrLines)}", e);
        }
    }

    /// <summary>Starts the executable and waits for it to exit (for refusals), returning exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunToExitAsync(IDictionary<string, string?> environment)
    {
        using var work = new TempDirectory();
        var start = new ProcessStartInfo(ExecutablePath)
        {
            WorkingDirectory = work.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(StartTimeout);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>go-plugin client.go: TrimSpace, split on '|', at least 4 parts, core 1, app version offered, tcp|unix, protocol grpc.</summary>
    public static (string Network, string Address) ParseHandshake(string line)
    {
        var parts = line.Trim().Split('|');
        if (parts.Length < 4)
        {
            throw new FormatException($"Unrecognized remote plugin message: {line}");
        }
        if (parts[0] != "1")
        {
            throw new FormatException($"Incompatible core API version with plugin: {parts[0]}");
        }
        if (parts[1] != "2")
        {
            throw new FormatException($"Incompatible API version with plugin: {parts[1]}");
        }
        if (parts[2] is not ("tcp" or "unix"))
        {
            throw new FormatException($"Unknown address type: {parts[2]}");
        }
        var protocol = parts.Length >= 5 ? parts[4] : "netrpc";
        if (protocol != "grpc")
        {
            throw new FormatException($"Unsupported plugin protocol: {protocol}");
        }
        return (parts[2], parts[3]);
    }

    /// <summary>Every stderr line parsed as hclog JSON; throws when one is not (go-plugin would log it raw).</summary>
    public IReadOnlyList<JsonElement> HclogEntries()
    {
        var entries = new List<JsonElement>();
        foreach (var line in StderrLines)
        {
            var entry = JsonDocument.Parse(line).RootElement.Clone();
            var timestamp = entry.GetProperty("@timestamp").GetString()!;
            if (!GoTimestamp().IsMatch(timestamp))
            {
                throw new FormatException($"@timestamp '{timestamp}' does not match Go's 2006-01-02T15:04:05.000000Z07:00: {line}");
            }
            _ = entry.GetProperty("@message").GetString();
            var level = entry.GetProperty("@level").GetString();
            if (level is not ("trace" or "debug" or "info" or "warn" or "error"))
            {
                throw new FormatException($"@level '{level}' is not an hclog level: {line}");
            }
            entries.Add(entry);
        }
        return entries;
    }

    /// <summary>What go-plugin's host does on Stop: Shutdown (error ignored), then up to 2 s for the exit, then SIGKILL.</summary>
    public async Task<(bool ExitedInTime, TimeSpan Took)> StopLikeGrafanaAsync()
    {
        var clock = Stopwatch.StartNew();
        try
        {
            await Client.CallAsync("/plugin.GRPCController/Shutdown", new GrafanaProfiles.Schema.GoPlugin.Empty(), GrafanaProfiles.Schema.GoPlugin.Empty.Parser);
        }
        catch (HttpRequestException)
        {
        }
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await _process.WaitForExitAsync(grace.Token);
            return (true, clock.Elapsed);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            return (false, clock.Elapsed);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _workingDirectory.Dispose();
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$")]
    private static partial Regex GoTimestamp();
}
