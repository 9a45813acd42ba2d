using System.Collections.Concurrent;
using System.Diagnostics;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Backend.HostTests.Support;

/// <summary>
/// A plugin executable at any path (the packaged <c>gpx_grafana_profiles_linux_amd64</c> in the plugin
/// folder), started as Grafana starts it: Grafana's environment, its own working directory, the
/// go-plugin handshake line on stdout, gRPC to the address it names.
/// </summary>
public sealed class PackagedPlugin : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDirectory _workingDirectory = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly TaskCompletionSource<string> _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PackagedPlugin(string executable)
    {
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = _workingDirectory.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in PluginProcess.GrafanaEnvironment())
        {
            start.Environment[key] = value;
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _firstLine.TrySetException(new InvalidOperationException("The plugin closed stdout before the handshake."));
            }
            else
            {
                _firstLine.TrySetResult(e.Data);
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

    public string HandshakeLine { get; private set; } = "";

    public GrpcClient Client { get; private set; } = null!;

    public IReadOnlyList<string> StderrLines => [.. _stderr];

    /// <summary>Starts <paramref name="executable"/> and completes the handshake; throws with its stderr when it fails.</summary>
    public static async Task<PackagedPlugin> StartAsync(string executable)
    {
        var plugin = new PackagedPlugin(executable);
        try
        {
            plugin.HandshakeLine = await plugin._firstLine.Task.WaitAsync(PluginProcess.StartTimeout);
            var (network, address) = PluginProcess.ParseHandshake(plugin.HandshakeLine);
            plugin.Client = new GrpcClient(network, address);
            return plugin;
        }
        catch (Exception e)
        {
            await plugin.DisposeAsync();
            throw new InvalidOperationException($"{executable} did not complete the handshake: {e.Message}\nstderr:\n{string.Join('\n', plugin.StderrLines)}", e);
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
}
