using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace GrafanaProfiles.Collector.Tests.Rules;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c> package; test.sh installs it) started by the test on a
/// loopback port with the remote-write receiver enabled, its storage in a temporary directory and a
/// configuration that scrapes nothing. Missing, it fails the test rather than skipping it.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDirectory _dir;
    private readonly StringBuilder _output = new();

    private PrometheusServer(Process process, TempDirectory dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    public HttpClient Client { get; }

    public Uri RemoteWriteUrl => new($"http://127.0.0.1:{Port}/api/v1/write");

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

    public static string Executable()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Combine(dir, "prometheus");
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new InvalidOperationException("The prometheus executable is not on PATH: install Debian's prometheus package (test.sh does: apt-get install -y prometheus).");
    }

    public static async Task<PrometheusServer> StartAsync()
    {
        var executable = Executable();
        var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Path);
        var config = Path.Combine(dir.Path, "prometheus.yml");
        await File.WriteAllTextAsync(config, "global:\n  scrape_interval: 1m\nscrape_configs: []\n");
        var port = FreePort();
        var psi = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            "--web.enable-remote-write-receiver",
            $"--storage.tsdb.path={Path.Combine(dir.Path, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
            $"--config.file={config}",
        })
        {
            psi.ArgumentList.Add(arg);
        }
        var server = new PrometheusServer(Process.Start(psi)!, dir, port);
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (DateTime.UtcNow < deadline)
        {
            if (server._process.HasExited)
            {
                server._process.WaitForExit();
                var output = server.Output;
                await server.DisposeAsync();
                throw new InvalidOperationException($"prometheus exited with {server._process.ExitCode}:\n{output}");
            }
            try
            {
                using var response = await server.Client.GetAsync("/-/ready");
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
        var text = server.Output;
        await server.DisposeAsync();
        throw new TimeoutException("prometheus did not become ready within a minute:\n" + text);
    }

    /// <summary><c>/api/v1/query</c> at now: the result's series, each with its labels and (for a range selector) its samples.</summary>
    public async Task<List<(Dictionary<string, string> Labels, List<(double Time, string Value)> Samples)>> QueryAsync(string promql)
    {
        using var response = await Client.GetAsync("/api/v1/query?query=" + Uri.EscapeDataString(promql));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"query {promql}: HTTP {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        var result = new List<(Dictionary<string, string>, List<(double, string)>)>();
        foreach (var series in json.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = series.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
            var samples = new List<(double, string)>();
            var points = series.TryGetProperty("values", out var values) ? values.EnumerateArray().ToList() : [series.GetProperty("value")];
            foreach (var point in points)
            {
                samples.Add((point[0].GetDouble(), point[1].GetString()!));
            }
            result.Add((labels, samples));
        }
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Client.Dispose();
        _dir.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
