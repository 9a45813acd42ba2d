using static GrafanaProfiles.Collector.Tests.IngestApiTests;

namespace GrafanaProfiles.Collector.Tests;

/// <summary>The official Pyroscope Node.js SDK, in a real Node program, sends to the collector unchanged.</summary>
public sealed class RealClientTests
{
    private static async Task<(int Code, string Output)> RunAsync(string file, string workingDirectory, IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        var (code, stdout, stderr) = await CollectorProcess.RunProgramAsync(file, workingDirectory, env, args);
        return (code, stdout + stderr);
    }

    [Fact]
    public async Task PyroscopeNodeSdk_ProfilesARealProgram_IntoTheCollector()
    {
        using var dir = new TempDirectory();
        var app = Path.Combine(dir.Path, "app");
        Directory.CreateDirectory(app);
        foreach (var file in new[] { "package.json", "package-lock.json", "app.js" })
        {
            File.Copy(Path.Combine(CollectorProcess.Root, "tests", "clients", "node-pyroscope", file), Path.Combine(app, file));
        }
        var (npmCode, npmOutput) = await RunAsync("npm", app, null, "ci", "--no-audit", "--no-fund");
        Assert.True(npmCode == 0, "npm ci failed:\n" + npmOutput);

        var data = Path.Combine(dir.Path, "data");
        await using var server = await CollectorServer.StartAsync(data, FastFlush);
        var (code, output) = await RunAsync("node", app,
            new Dictionary<string, string> { ["PYROSCOPE_SERVER_ADDRESS"] = $"http://127.0.0.1:{server.Port}", ["DEBUG"] = "pyroscope" }, "app.js", "4");
        Assert.True(code == 0 && output.Contains("SENT", StringComparison.Ordinal), output);
        Assert.DoesNotContain("Server rejected", output, StringComparison.Ordinal);

        // The SDK sends wall-clock profiles (with CPU time) and heap profiles named node-checkout{tags}.
        var wall = await WaitForTotalAsync(data, "wall:wall:nanoseconds:wall:nanoseconds", "{service_name=\"node-checkout\", region=\"eu-west\", version=\"v1\"}");
        Assert.True(wall > 1_000_000_000, $"wall total {wall} ns");
        using var reader = new Store.Query.ProfileReader(data);
        var from = DateTime.UtcNow.AddHours(-1);
        var to = DateTime.UtcNow.AddMinutes(1);
        var types = reader.ProfileTypes("default", from, to);
        Assert.Contains("memory:inuse_space:bytes:space:bytes", types);
        Assert.Equal(["nodespy"], reader.LabelValues("default", "pyroscope_spy", from, to));
        var top = reader.Top(new Store.Query.ProfileSelection("default", from, to, "wall:wall:nanoseconds:wall:nanoseconds",
            Store.Query.Selectors.LabelSelector.Parse("{service_name=\"node-checkout\"}")));
        // The SDK names frames file:function:line.
        Assert.Contains(top.Entries, e => e.Function == "./app.js:renderPage:29" && e.Self > 0);
        Assert.Contains(top.Entries, e => e.Function.StartsWith("./app.js:hashOrders:", StringComparison.Ordinal));
        Assert.True(await server.MetricAsync("gp_ingest_requests_total{api=\"pyroscope\",status=\"200\"}") >= 2);
    }
}
