using System.Diagnostics;
using System.Text.Json;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Backend.HostTests.Support;

/// <summary>
/// tests/testdata/generators/go-plugin-host: a Go program that starts the plugin with
/// hashicorp/go-plugin's client (the library inside Grafana) and calls it with grpc-go. Built in
/// GOPATH mode against Debian's packages; without them the tests fail saying what to install.
/// </summary>
public static class GoPluginHost
{
    public const string InstallHint =
        "Install Go and the Debian packages the host is built from: `apt-get install -y golang-go golang-github-hashicorp-go-plugin-dev golang-google-grpc-dev` (./test.sh does this).";

    private const string GoPath = "/usr/share/gocode";

    private static readonly Lazy<string> Executable = new(Build);

    /// <summary>Runs the host against the built plugin: health, one raw call of <paramref name="method"/>, an unknown method, Kill.</summary>
    public static Task<JsonElement> RunAsync(string method, byte[] request) => RunAsync(method, request, PluginProcess.ExecutablePath);

    /// <summary>The same against the plugin executable at <paramref name="pluginPath"/> (e.g. the packaged one in the plugin folder).</summary>
    public static async Task<JsonElement> RunAsync(string method, byte[] request, string pluginPath)
    {
        using var dir = new TempDirectory();
        var requestFile = Path.Combine(dir.Path, "request.bin");
        await File.WriteAllBytesAsync(requestFile, request);
        var start = new ProcessStartInfo(Executable.Value) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir.Path };
        foreach (var argument in new[] { "-plugin", pluginPath, "-method", method, "-request", requestFile })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        Assert.True(process.ExitCode == 0 && output.Length > 0, $"go-plugin-host failed ({process.ExitCode}): {await stderr}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    private static string Build()
    {
        if (!Directory.Exists(Path.Combine(GoPath, "src", "github.com", "hashicorp", "go-plugin")) ||
            !Directory.Exists(Path.Combine(GoPath, "src", "google.golang.org", "grpc")))
        {
            throw new InvalidOperationException("hashicorp/go-plugin or grpc-go is not under " + GoPath + ". " + InstallHint);
        }
        var source = Path.Combine(AppContext.BaseDirectory, "go-plugin-host");
        var output = Path.Combine(Path.GetTempPath(), $"gp-go-plugin-host-{Guid.NewGuid():N}", "go-plugin-host");
        var start = new ProcessStartInfo("go") { WorkingDirectory = source, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "build", "-o", output, "." })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["GO111MODULE"] = "off";
        start.Environment["GOPATH"] = GoPath;
        start.Environment["GOFLAGS"] = "";
        if (Environment.GetEnvironmentVariable("GOCACHE") is null && Environment.GetEnvironmentVariable("HOME") is null)
        {
            start.Environment["GOCACHE"] = Path.Combine(Path.GetTempPath(), "gp-go-build-cache");
        }
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("`go` was not found. " + InstallHint, e);
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0
                ? output
                : throw new InvalidOperationException($"Building go-plugin-host failed ({process.ExitCode}): {stdout}{stderr.Result}\n{InstallHint}");
        }
    }
}
