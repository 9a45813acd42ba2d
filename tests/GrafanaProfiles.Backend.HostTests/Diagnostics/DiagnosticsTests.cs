using System.Text.Json;
using GrafanaProfiles.Backend.HostTests.Support;
using GrafanaProfiles.Schema.PluginV2;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Backend.HostTests.Diagnostics;

[Collection(PluginCollection.Name)]
public class DiagnosticsTests(PluginFixture fixture)
{
    [Fact]
    public async Task CheckHealth_WithData_IsOkAndDescribesIt()
    {
        var health = await fixture.Client().CheckHealthAsync();

        Assert.Equal(CheckHealthResponse.Types.HealthStatus.Ok, health.Status);
        Assert.Contains("tenant 'default'", health.Message, StringComparison.Ordinal);
        var details = JsonDocument.Parse(health.JsonDetails.ToStringUtf8()).RootElement;
        Assert.Equal(2, details.GetProperty("hours").GetInt32());
        Assert.Contains(PluginFixture.Cpu, details.GetProperty("profileTypes").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task CheckHealth_MissingDirectory_IsErrorNamingIt()
    {
        var client = fixture.Client("missing", new { dataDirectory = "/nonexistent/profiles" });

        var health = await client.CheckHealthAsync();

        Assert.Equal(CheckHealthResponse.Types.HealthStatus.Error, health.Status);
        Assert.Contains("/nonexistent/profiles", health.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckHealth_UnknownTenant_ListsTheTenantsThatExist()
    {
        var client = fixture.Client("wrong-tenant", new { dataDirectory = fixture.DataDirectory, tenant = "nobody" });

        var health = await client.CheckHealthAsync();

        Assert.Equal(CheckHealthResponse.Types.HealthStatus.Error, health.Status);
        Assert.Contains("default", health.Message, StringComparison.Ordinal);
        Assert.Contains("other", health.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckHealth_BadSetting_IsErrorNamingTheSetting()
    {
        var client = fixture.Client("bad", new { dataDirectory = fixture.DataDirectory, queryTimeout = "forever" });

        var health = await client.CheckHealthAsync();

        Assert.Equal(CheckHealthResponse.Types.HealthStatus.Error, health.Status);
        Assert.Contains("queryTimeout", health.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckHealth_NoSettings_IsErrorAskingForTheDirectory()
    {
        var request = new CheckHealthRequest { PluginContext = new PluginContext { PluginId = "grafana-profiles-datasource", DataSourceInstanceSettings = new DataSourceInstanceSettings { Uid = "empty" } } };

        var result = await fixture.Plugin.Client.CallAsync("/pluginv2.Diagnostics/CheckHealth", request, CheckHealthResponse.Parser);

        Assert.Equal(0, result.Status);
        Assert.Equal(CheckHealthResponse.Types.HealthStatus.Error, result.Single.Status);
        Assert.Contains("Data directory", result.Single.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CollectMetrics_IsPrometheusText_CountingQueries()
    {
        var client = fixture.Client();
        await client.QueryDataAsync(PluginClient.Query("M", "profile", new { labelSelector = "{service_name=\"checkout\"}" }, PluginFixture.T0, PluginFixture.T0.AddHours(1)));

        var text = await client.CollectMetricsAsync();

        Assert.Contains("# TYPE grafana_profiles_plugin_queries_total counter", text, StringComparison.Ordinal);
        Assert.Matches(@"grafana_profiles_plugin_queries_total\{type=""profile"",status=""200""\} [1-9]", text);
        Assert.Contains("grafana_profiles_plugin_query_duration_seconds_bucket{type=\"profile\",le=\"+Inf\"}", text, StringComparison.Ordinal);
        Assert.Contains("process_resident_memory_bytes ", text, StringComparison.Ordinal);
    }
}
