using System.Text.Json;
using Google.Protobuf;
using GrafanaProfiles.Backend.HostTests.Support;
using GrafanaProfiles.Schema.PluginV2;

namespace GrafanaProfiles.Backend.HostTests.Protocol;

/// <summary>
/// The plugin under the real thing: hashicorp/go-plugin's client starts it (cookie, environment,
/// handshake, stderr log parsing, Kill with GRPCController/Shutdown) and grpc-go calls it.
/// </summary>
[Collection(PluginCollection.Name)]
public class GoPluginClientTests(PluginFixture fixture)
{
    [Fact]
    public async Task GoPluginClient_StartsQueriesAndStopsThePlugin()
    {
        var query = PluginClient.Query("A", "profile", new { labelSelector = "{service_name=\"api\"}" },
            PluginFixture.T0.AddHours(1), PluginFixture.T0.AddHours(2));
        var request = new QueryDataRequest { PluginContext = fixture.Client().Context(), Queries = { query } };

        var result = await GoPluginHost.RunAsync("/pluginv2.Data/QueryData", request.ToByteArray());

        Assert.Equal("", result.GetProperty("error").GetString());
        Assert.Equal("grpc", result.GetProperty("protocol").GetString());
        Assert.Equal("SERVING", result.GetProperty("health").GetString());
        Assert.Equal("", result.GetProperty("callError").GetString());
        var response = QueryDataResponse.Parser.ParseFrom(Convert.FromBase64String(result.GetProperty("response").GetString()!));
        var answer = response.Responses["A"];
        Assert.Equal(200, answer.Status);
        var frame = Assert.Single(ArrowFrames.Decode(answer.Frames));
        Assert.Equal(4_020_000_000, frame.Longs("value")[0]);

        Assert.Equal("Unimplemented", result.GetProperty("unimplemented").GetString());
        Assert.True(result.GetProperty("exited").GetBoolean());
        Assert.True(result.GetProperty("killSeconds").GetDouble() < 2, "Kill waited for the grace period: the plugin did not exit on Shutdown.");
    }

    [Fact]
    public async Task GoPluginClient_ParsesThePluginsLogsAsHclog()
    {
        var result = await GoPluginHost.RunAsync("/pluginv2.Diagnostics/CollectMetrics",
            new CollectMetricsRequest { PluginContext = fixture.Client().Context() }.ToByteArray());

        var logs = result.GetProperty("logs").EnumerateArray().Select(l => JsonDocument.Parse(l.GetString()!).RootElement).ToList();
        // A line go-plugin could not parse is re-logged raw at debug; ours arrive at their own level and module.
        Assert.Contains(logs, l => l.GetProperty("@level").GetString() == "info" && l.GetProperty("@module").GetString() == "Plugin"
            && l.GetProperty("@message").GetString()!.StartsWith("Plugin serving", StringComparison.Ordinal));
        Assert.DoesNotContain(logs, l => l.GetProperty("@message").GetString()!.Contains("failed to exit gracefully", StringComparison.Ordinal));
        var metrics = CollectMetricsResponse.Parser.ParseFrom(Convert.FromBase64String(result.GetProperty("response").GetString()!));
        Assert.Contains("# TYPE grafana_profiles_plugin_queries_total counter", metrics.Metrics.Prometheus.ToStringUtf8(), StringComparison.Ordinal);
    }
}
