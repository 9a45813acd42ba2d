using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace GrafanaProfiles.LoadTest;

/// <summary>
/// The real collector executable (<c>serve</c>) on a loopback port with a temporary data
/// directory; <c>GP_*</c> variables of this process reach it, <paramref name="environment"/> on top.
/// </summary>
internal sealed partial class CollectorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _data;

    private CollectorProcess(Process process, string data, int port)
    {
        _process = process;
        _data = data;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    public int Port { get; }

    public int Pid => _process.Id;

    /// <summary>For /ready and /metrics; the senders bring their own.</summary>
    public HttpClient Client { get; }

    public static async Task<CollectorProcess> StartAsync(IReadOnlyDictionary<string, string> environment)
    {
        var collector = Path.Combine(AppContext.BaseDirectory, "grafana-profiles-collector.dll");
        var data = Path.Combine(Path.GetTempPath(), "gp-loadtest-" + Guid.NewGuid().ToString("N")[..8]);
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { collector, "serve", "--listen", $"http://127.0.0.1:{port}", "--data-dir", data })
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (key, value) in environment)
        {
            psi.Environment[key] = value;
        }
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var collectorProcess = new CollectorProcess(process, data, port);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The collector exited with {process.ExitCode} before it was ready.");
            }
            try
            {
                if ((await collectorProcess.Client.GetAsync("/ready")).IsSuccessStatusCode)
                {
                    return collectorProcess;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Resident memory of the collector now.</summary>
    public long Rss()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }
        return 0;
    }

    /// <summary>The value of each un-labelled sample on /metrics, by name.</summary>
    public async Task<IReadOnlyDictionary<string, double>> MetricsAsync()
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in (await Client.GetStringAsync("/metrics")).Split('\n'))
        {
            var space = line.LastIndexOf(' ');
            if (line.Length == 0 || line[0] == '#' || space < 0)
            {
                continue;
            }
            if (double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                values[line[..space]] = value;
            }
        }
        return values;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _ = Posix.kill(_process.Id, 15);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Client.Dispose();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private static partial class Posix
    {
        [System.Runtime.InteropServices.LibraryImport("libc")]
        internal static partial int kill(int pid, int signal);
    }
}
