using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GrafanaProfiles.Collector.Tests;

/// <summary>
/// The real collector executable running <c>serve</c> on a loopback port with its own data
/// directory; stopped with SIGTERM (graceful) or SIGKILL (crash) by the test.
/// </summary>
internal sealed partial class CollectorServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private CollectorServer(Process process, string dataDirectory, int port)
    {
        _process = process;
        DataDirectory = dataDirectory;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(1) };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string DataDirectory { get; }
    public int Port { get; }
    public HttpClient Client { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    /// <summary>Starts the collector and waits until /ready answers 200 (or, with <paramref name="waitForReady"/> false, until /healthz does).</summary>
    public static async Task<CollectorServer> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string>? environment = null, string? configFile = null,
        bool waitForReady = true)
    {
        var port = FreePort();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(CollectorProcess.Executable);
        psi.ArgumentList.Add("serve");
        psi.ArgumentList.Add("--listen");
        psi.ArgumentList.Add($"http://127.0.0.1:{port}");
        psi.ArgumentList.Add("--data-dir");
        psi.ArgumentList.Add(dataDirectory);
        if (configFile is not null)
        {
            psi.ArgumentList.Add("--config");
            psi.ArgumentList.Add(configFile);
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }
        var server = new CollectorServer(Process.Start(psi)!, dataDirectory, port);
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (DateTime.UtcNow < deadline)
        {
            if (server._process.HasExited)
            {
                // WaitForExit() without a timeout also waits until the asynchronous readers have
                // delivered the last output lines (the error message is among them).
                server._process.WaitForExit();
                throw new InvalidOperationException($"The collector exited with {server._process.ExitCode}:\n{server.Output}");
            }
            try
            {
                using var response = await server.Client.GetAsync(waitForReady ? "/ready" : "/healthz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        await server.DisposeAsync();
        throw new TimeoutException("The collector did not become ready within a minute:\n" + server.Output);
    }

    /// <summary>Waits until /ready answers 200; false after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await Client.GetAsync("/ready");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return true;
            }
            await Task.Delay(100);
        }
        return false;
    }

    /// <summary>SIGTERM and wait: the collector flushes what it acknowledged, then exits.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            _ = Posix.kill(_process.Id, Posix.SigTerm);
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await _process.WaitForExitAsync(timeout.Token);
        }
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no flush, no cleanup.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>
    /// Waits until the output holds <paramref name="text"/>: lines arrive through an asynchronous reader,
    /// so a line written before /ready answered may still be on its way. False after the timeout.
    /// </summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(50);
        }
        return true;
    }

    public async Task<string> MetricsAsync() => await Client.GetStringAsync("/metrics");

    /// <summary>The value of one sample of /metrics (0 when absent), e.g. <c>gp_ingest_rejected_total{tenant="default",reason="rate_limited"}</c>.</summary>
    public async Task<double> MetricAsync(string sample)
    {
        foreach (var line in (await MetricsAsync()).Split('\n'))
        {
            if (line.StartsWith(sample + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(sample.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }
        _process.Dispose();
        Client.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static partial class Posix
    {
        public const int SigTerm = 15;

        [System.Runtime.InteropServices.LibraryImport("libc", SetLastError = true)]
        public static partial int kill(int pid, int signal);
    }
}
