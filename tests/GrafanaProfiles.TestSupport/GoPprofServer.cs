using System.Diagnostics;

namespace GrafanaProfiles.TestSupport;

/// <summary>
/// A real Go process serving net/http/pprof on 127.0.0.1 while it burns CPU, allocates, contends
/// on a mutex and blocks on channels: tests/testdata/generators/go-pprof-server, built with the
/// local Go toolchain. Without <c>go</c> the tests fail, saying what to install.
/// </summary>
public sealed class GoPprofServer : IAsyncDisposable
{
    public const string InstallHint = "Install the Go toolchain so that `go` is on PATH: `apt-get install -y golang-go` on Debian/Ubuntu (Go 1.19 or later).";

    private readonly Process _process;

    private readonly string _buildDirectory;

    private GoPprofServer(Process process, string address, string buildDirectory)
    {
        _process = process;
        Address = address;
        _buildDirectory = buildDirectory;
    }

    /// <summary>The host:port it listens on.</summary>
    public string Address { get; }

    public static async Task<GoPprofServer> StartAsync()
    {
        var executable = await BuildAsync();
        var psi = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true, // the server exits when its stdin closes
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-addr");
        psi.ArgumentList.Add("127.0.0.1:0"); // the server picks a free port and prints it
        var process = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line is null || !line.StartsWith("listening on ", StringComparison.Ordinal))
        {
            var stderr = await process.StandardError.ReadToEndAsync(timeout.Token);
            process.Kill();
            throw new InvalidOperationException($"The Go pprof server did not start: stdout '{line}', stderr '{stderr}'.");
        }
        return new GoPprofServer(process, line["listening on ".Length..].Trim(), Path.GetDirectoryName(executable)!);
    }

    private static async Task<string> BuildAsync()
    {
        var go = FindOnPath("go") ?? throw new InvalidOperationException(
            "These tests scrape a real Go program, and the Go toolchain was not found on PATH. " + InstallHint);
        var source = Path.Combine(AppContext.BaseDirectory, "go-pprof-server");
        var output = Path.Combine(Path.GetTempPath(), $"gp-go-pprof-server-{Guid.NewGuid():N}");
        Directory.CreateDirectory(output);
        var executable = Path.Combine(output, "go-pprof-server");
        var psi = new ProcessStartInfo(go) { WorkingDirectory = source, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "build", "-buildvcs=false", "-o", executable, "." })
        {
            psi.ArgumentList.Add(arg);
        }
        if (Environment.GetEnvironmentVariable("GOCACHE") is null && Environment.GetEnvironmentVariable("HOME") is null)
        {
            psi.Environment["GOCACHE"] = Path.Combine(Path.GetTempPath(), "gp-go-build-cache");
        }
        using var process = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode == 0
            ? executable
            : throw new InvalidOperationException($"`go build` of {source} failed ({process.ExitCode}): {await stdout}{await stderr}");
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }
        _process.Dispose();
        Directory.Delete(_buildDirectory, recursive: true);
    }
}
