using System.Diagnostics;
using GrafanaProfiles.Backend.HostTests.Support;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Backend.HostTests.Protocol;

public class ShutdownTests
{
    [Fact]
    public async Task Shutdown_FromController_ExitsWithinGracePeriodAndRemovesSocket()
    {
        await using var plugin = await PluginProcess.StartAsync();
        // An open stdio stream, as go-plugin's host keeps one, must not hold the process.
        var stdio = plugin.Client.CallAsync("/plugin.GRPCStdio/StreamStdio", new Google.Protobuf.WellKnownTypes.Empty(),
            GrafanaProfiles.Schema.GoPlugin.StdioData.Parser);

        var (exited, _) = await plugin.StopLikeGrafanaAsync();

        Assert.True(exited, "The plugin did not exit within the host's 2 s grace period.");
        Assert.Equal(0, plugin.Process.ExitCode);
        Assert.False(File.Exists(plugin.Address));
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var result = await stdio;
            // A stream that ended cleanly is also fine; it must not have failed with Unimplemented.
            Assert.NotEqual(12, result.Status);
            throw new OperationCanceledException();
        });
    }

    [Fact]
    public async Task Sigint_IsIgnored_TheHostOwnsTheLifetime()
    {
        await using var plugin = await PluginProcess.StartAsync();
        using (var kill = Process.Start("kill", ["-INT", plugin.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        var health = await plugin.Client.CallAsync("/grpc.health.v1.Health/Check",
            new GrafanaProfiles.Schema.Grpc.Health.V1.HealthCheckRequest { Service = "plugin" },
            GrafanaProfiles.Schema.Grpc.Health.V1.HealthCheckResponse.Parser);

        Assert.Equal(0, health.Status);
        Assert.False(plugin.Process.HasExited);
    }
}
