using GrafanaProfiles.Backend.HostTests.Support;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Backend.HostTests.Protocol;

/// <summary>The process contract with go-plugin's host: how it starts, what it prints, what it refuses.</summary>
public class HandshakeTests
{
    [Fact]
    public async Task Start_AsGrafanaDoes_PrintsHandshakeWithUnixSocketAndServesHealth()
    {
        await using var plugin = await PluginProcess.StartAsync();

        Assert.Matches(@"^1\|2\|unix\|/[^|]+\|grpc$", plugin.HandshakeLine);
        Assert.True(File.Exists(plugin.Address) || Directory.Exists(Path.GetDirectoryName(plugin.Address)));
        var health = await plugin.Client.CallAsync("/grpc.health.v1.Health/Check",
            new GrafanaProfiles.Schema.Grpc.Health.V1.HealthCheckRequest { Service = "plugin" },
            GrafanaProfiles.Schema.Grpc.Health.V1.HealthCheckResponse.Parser);
        Assert.Equal(0, health.Status);
        Assert.Equal(GrafanaProfiles.Schema.Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, health.Single.Status);
    }

    [Fact]
    public async Task Start_WithSocketDirectory_ListensThere()
    {
        using var dir = new GrafanaProfiles.TestSupport.TempDirectory();
        await using var plugin = await PluginProcess.StartAsync(env => env["PLUGIN_UNIX_SOCKET_DIR"] = dir.Path);

        Assert.Equal("unix", plugin.Network);
        Assert.Equal(dir.Path, Path.GetDirectoryName(plugin.Address));
    }

    [Fact]
    public async Task Start_SocketPathTooLong_FallsBackToTcpInPortRange()
    {
        using var dir = new GrafanaProfiles.TestSupport.TempDirectory();
        var deep = Path.Combine(dir.Path, new string('d', 120));
        Directory.CreateDirectory(deep);
        await using var plugin = await PluginProcess.StartAsync(env =>
        {
            env["PLUGIN_UNIX_SOCKET_DIR"] = deep;
            env["PLUGIN_MIN_PORT"] = "21000";
            env["PLUGIN_MAX_PORT"] = "21999";
        });

        Assert.Equal("tcp", plugin.Network);
        var port = int.Parse(plugin.Address.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(port, 21000, 21999);
        Assert.StartsWith("127.0.0.1:", plugin.Address, StringComparison.Ordinal);
        var health = await plugin.Client.CallAsync("/grpc.health.v1.Health/Check",
            new GrafanaProfiles.Schema.Grpc.Health.V1.HealthCheckRequest { Service = "plugin" },
            GrafanaProfiles.Schema.Grpc.Health.V1.HealthCheckResponse.Parser);
        Assert.Equal(0, health.Status);
    }

    [Fact]
    public async Task Start_ByHandWithoutMagicCookie_ExplainsAndExitsNonZero()
    {
        var environment = PluginProcess.GrafanaEnvironment();
        environment.Remove("grafana_plugin_type");

        var (exitCode, stdout, stderr) = await PluginProcess.RunToExitAsync(environment);

        Assert.NotEqual(0, exitCode);
        Assert.Empty(stdout);
        Assert.Contains("Grafana starts it", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task Start_HostOffersOnlyOtherProtocolVersions_Refuses()
    {
        var environment = PluginProcess.GrafanaEnvironment();
        environment["PLUGIN_PROTOCOL_VERSIONS"] = "1,3";

        var (exitCode, stdout, stderr) = await PluginProcess.RunToExitAsync(environment);

        Assert.NotEqual(0, exitCode);
        Assert.Empty(stdout);
        Assert.Contains("version 2", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_AreHclogJsonLinesOnStderr_AndStdoutHasOnlyTheHandshake()
    {
        await using var plugin = await PluginProcess.StartAsync(env => env["GF_PLUGIN_LOG_LEVEL"] = "debug");
        var (exited, _) = await plugin.StopLikeGrafanaAsync();
        Assert.True(exited);

        var entries = plugin.HclogEntries();
        Assert.Contains(entries, e => e.GetProperty("@message").GetString()!.Contains("serving", StringComparison.OrdinalIgnoreCase));
        Assert.Empty(plugin.LaterStdoutLines);
    }
}
