using System.Net;
using System.Net.Http.Headers;
using System.Text;
using static GrafanaProfiles.Collector.Tests.IngestApiTests;

namespace GrafanaProfiles.Collector.Tests;

/// <summary>Limits, rejections, tenants and credentials of the running collector.</summary>
public sealed class LimitsAndAuthTests
{
    private const string Cpu = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";

    private static Dictionary<string, string> Env(params (string, string)[] settings)
    {
        var env = FastFlush;
        foreach (var (k, v) in settings)
        {
            env[k] = v;
        }
        return env;
    }

    private static async Task<HttpResponseMessage> PostPprofAsync(CollectorServer server, string name, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/ingest?name={Uri.EscapeDataString(name)}&format=pprof")
        {
            Content = new ByteArrayContent(await File.ReadAllBytesAsync(TestData("pprof/go-cpu.pb.gz"))),
        };
        configure?.Invoke(request);
        return await server.Client.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> PostFoldedAsync(CollectorServer server, string name, string body = "main;work 10\n") =>
        await server.Client.PostAsync($"/ingest?name={Uri.EscapeDataString(name)}&from=now-10s&until=now", new StringContent(body));

    [Fact]
    public async Task BodyOverTheLimit_Gets413NamingTheLimit_AndIsCounted()
    {
        using var dir = new TempDirectory();
        await using var server = await CollectorServer.StartAsync(dir.Path, Env(("GP_LIMITS__MAX_BODY_BYTES", "1000")));
        using var response = await PostPprofAsync(server, "api");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("max_body_bytes=1000", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await server.MetricAsync("gp_ingest_rejected_total{tenant=\"default\",reason=\"body_too_large\"}"));
        Assert.Empty(Directory.GetDirectories(dir.Path, "tenant=*"));
    }

    [Fact]
    public async Task TenantOverItsRate_Gets429WithRetryAfter_AndNothingOfThatRequestIsStored()
    {
        using var dir = new TempDirectory();
        await using var server = await CollectorServer.StartAsync(dir.Path,
            Env(("GP_LIMITS__INGESTION_RATE_BYTES", "100"), ("GP_LIMITS__INGESTION_BURST_BYTES", "100")));
        using var first = await PostPprofAsync(server, "api");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var second = await PostPprofAsync(server, "api");
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.True(second.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Contains("ingestion_rate_bytes=100", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(4_020_000_000, await WaitForTotalAsync(dir.Path, Cpu, "{service_name=\"api\"}"));
        await Task.Delay(500);
        Assert.Equal(4_020_000_000, await WaitForTotalAsync(dir.Path, Cpu, "{service_name=\"api\"}"));
        Assert.Equal(1, await server.MetricAsync("gp_ingest_rejected_total{tenant=\"default\",reason=\"rate_limited\"}"));
        // Another tenant has its own bucket.
        using var other = await PostPprofAsync(server, "api", r => r.Headers.Add("X-Scope-OrgID", "team-b"));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task NewSeriesOverTheTenantLimit_Get429NamingTheLimit()
    {
        using var dir = new TempDirectory();
        await using var server = await CollectorServer.StartAsync(dir.Path, Env(("GP_LIMITS__MAX_SERIES_PER_TENANT", "2")));
        Assert.Equal(HttpStatusCode.OK, (await PostFoldedAsync(server, "svc.cpu{pod=a}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostFoldedAsync(server, "svc.cpu{pod=b}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostFoldedAsync(server, "svc.cpu{pod=a}")).StatusCode); // not new
        using var third = await PostFoldedAsync(server, "svc.cpu{pod=c}");
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Contains("max_series_per_tenant=2", await third.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await server.MetricAsync("gp_ingest_rejected_total{tenant=\"default\",reason=\"series_limit\"}"));
        Assert.Equal(2, await server.MetricAsync("gp_active_series{tenant=\"default\"}"));
    }

    [Theory]
    [InlineData("GP_LIMITS__MAX_SAMPLES_PER_PROFILE", "10", "pprof", 422, "too_many_samples", "max_samples_per_profile=10")]
    [InlineData("GP_LIMITS__MAX_DECOMPRESSED_BYTES", "1000", "pprof", 413, "decompressed_too_large", "max_decompressed_bytes=1000")]
    [InlineData("GP_LIMITS__MAX_LABELS_PER_SERIES", "1", "folded", 400, "too_many_labels", "max_labels_per_series=1")]
    [InlineData("GP_LIMITS__MAX_LABEL_VALUE_LENGTH", "3", "folded", 400, "label_value_too_long", "max_label_value_length=3")]
    [InlineData("GP_LIMITS__MAX_LABEL_NAME_LENGTH", "3", "folded", 400, "label_name_too_long", "max_label_name_length=3")]
    public async Task EachLimit_RefusesWithItsStatus_NamesTheLimit_CountsTheReason_AndStoresNothing(
        string setting, string value, string format, int status, string reason, string named)
    {
        using var dir = new TempDirectory();
        await using var server = await CollectorServer.StartAsync(dir.Path, Env((setting, value)));
        using var response = format == "pprof"
            ? await PostPprofAsync(server, "api")
            : await PostFoldedAsync(server, "api.cpu{region=eu-west,zone=eu-west-1a}");
        Assert.Equal((HttpStatusCode)status, response.StatusCode);
        Assert.Contains(named, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await server.MetricAsync($"gp_ingest_rejected_total{{tenant=\"default\",reason=\"{reason}\"}}"));
        Assert.Empty(Directory.GetDirectories(dir.Path, "tenant=*"));
    }

    [Fact]
    public async Task InvalidProfile_Gets422_AndNothingIsStored()
    {
        using var dir = new TempDirectory();
        await using var server = await CollectorServer.StartAsync(dir.Path, FastFlush);
        using var response = await server.Client.PostAsync("/ingest?name=api&format=pprof",
            new ByteArrayContent(await File.ReadAllBytesAsync(TestData("pprof/malformed/missing-location.pb.gz"))));
        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        Assert.Contains("location", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await server.MetricAsync("gp_ingest_rejected_total{tenant=\"default\",reason=\"invalid_profile\"}"));
        Assert.Empty(Directory.GetDirectories(dir.Path, "tenant=*"));
    }

    [Fact]
    public async Task Auth_RequiresTheTenantsOwnCredentials_AndTenantsStayApart()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Path);
        var config = Path.Combine(dir.Path, "collector.json");
        await File.WriteAllTextAsync(config, """
            {
              "auth": {
                "enabled": true,
                "tenants": {
                  "team-a": { "bearer_tokens": [ "secret-a" ] },
                  "team-b": { "basic": [ { "username": "bob", "password": "pw-b" } ] }
                }
              }
            }
            """);
        var data = Path.Combine(dir.Path, "data");
        await using var server = await CollectorServer.StartAsync(data, FastFlush, config);

        using var none = await PostPprofAsync(server, "api", r => r.Headers.Add("X-Scope-OrgID", "team-a"));
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        using var wrong = await PostPprofAsync(server, "api", r =>
        {
            r.Headers.Add("X-Scope-OrgID", "team-a");
            r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "secret-b");
        });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        using var crossed = await PostPprofAsync(server, "api", r =>
        {
            r.Headers.Add("X-Scope-OrgID", "team-b");
            r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "secret-a");
        });
        Assert.Equal(HttpStatusCode.Unauthorized, crossed.StatusCode);
        using var defaultTenant = await PostPprofAsync(server, "api");
        Assert.Equal(HttpStatusCode.Unauthorized, defaultTenant.StatusCode);

        using var a = await PostPprofAsync(server, "svc-a", r =>
        {
            r.Headers.Add("X-Scope-OrgID", "team-a");
            r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "secret-a");
        });
        Assert.Equal(HttpStatusCode.OK, a.StatusCode);
        using var b = await PostPprofAsync(server, "svc-b", r =>
        {
            r.Headers.Add("X-Scope-OrgID", "team-b");
            r.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("bob:pw-b")));
        });
        Assert.Equal(HttpStatusCode.OK, b.StatusCode);

        Assert.Equal(4_020_000_000, await WaitForTotalAsync(data, Cpu, "{service_name=\"svc-a\"}", "team-a"));
        Assert.Equal(4_020_000_000, await WaitForTotalAsync(data, Cpu, "{service_name=\"svc-b\"}", "team-b"));
        Assert.Equal(0, await WaitForTotalAsync(data, Cpu, "{service_name=\"svc-b\"}", "team-a", atLeast: 0));
        Assert.Equal(["tenant=team-a", "tenant=team-b"], Directory.GetDirectories(data, "tenant=*").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(4, await server.MetricAsync("gp_ingest_rejected_total{tenant=\"unknown\",reason=\"unauthorized\"}"));
    }

    [Fact]
    public async Task Restart_AfterAKill_KeepsEverythingAcknowledged()
    {
        using var dir = new TempDirectory();
        var slow = new Dictionary<string, string> { ["GP_FLUSH_INTERVAL"] = "01:00:00" };
        await using (var first = await CollectorServer.StartAsync(dir.Path, slow))
        {
            Assert.Equal(HttpStatusCode.OK, (await PostPprofAsync(first, "api")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await PostFoldedAsync(first, "worker.cpu", "main;loop 100\n")).StatusCode);
            await first.KillAsync(); // acknowledged, never flushed
        }
        Assert.Empty(Directory.GetDirectories(dir.Path, "tenant=*"));
        await using var second = await CollectorServer.StartAsync(dir.Path, slow);
        Assert.True(await second.WaitForOutputAsync("replayed 2 log records"), second.Output);
        Assert.Equal(4_020_000_000, await WaitForTotalAsync(dir.Path, Cpu, "{service_name=\"api\"}"));
        Assert.Equal(1_000_000_000, await WaitForTotalAsync(dir.Path, Cpu, "{service_name=\"worker\"}"));
    }

    [Fact]
    public async Task GracefulStop_FlushesWhatWasAcknowledged()
    {
        using var dir = new TempDirectory();
        await using var server = await CollectorServer.StartAsync(dir.Path, new Dictionary<string, string> { ["GP_FLUSH_INTERVAL"] = "01:00:00" });
        Assert.Equal(HttpStatusCode.OK, (await PostPprofAsync(server, "api")).StatusCode);
        Assert.Equal(0, await server.StopAsync());
        Assert.Equal(4_020_000_000, await WaitForTotalAsync(dir.Path, Cpu, "{service_name=\"api\"}"));
    }
}
