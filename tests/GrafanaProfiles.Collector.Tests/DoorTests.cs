using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;
using GrafanaProfiles.Schema.Pyroscope.Push.V1;
using GrafanaProfiles.Schema.Pyroscope.Types.V1;
using static GrafanaProfiles.Collector.Tests.IngestApiTests;

namespace GrafanaProfiles.Collector.Tests;

/// <summary>
/// The running collector's one ingest door seen from each API: the same Content-Encoding step,
/// the same limits, the same reasons and statuses, and scraped profiles counted like pushed ones.
/// </summary>
public sealed class DoorTests
{
    /// <summary>Each HTTP API with a real body (before any Content-Encoding).</summary>
    private static IEnumerable<(string Name, string Path, string ContentType, byte[] Body)> HttpApis()
    {
        var profile = File.ReadAllBytes(TestData("pprof/go-cpu.pb.gz"));
        var boundary = "3f1c2a9b7e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d";
        byte[] form = [.. Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"profile\"; filename=\"profile.pprof\"\r\nContent-Type: application/octet-stream\r\n\r\n"),
            .. profile, .. Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n")];
        yield return ("pyroscope", "/ingest?name=checkout.cpu&spyName=gospy", "multipart/form-data; boundary=" + boundary, form);
        var push = new PushRequest { Series = { new RawProfileSeries { Samples = { new RawSample { RawProfile = ByteString.CopyFrom(profile) } } } } };
        push.Series[0].Labels.Add(new LabelPair { Name = "service_name", Value = "pusher" });
        yield return ("push", "/push.v1.PusherService/Push", "application/proto", push.ToByteArray());
        yield return ("otlp", "/v1development/profiles", "application/x-protobuf", File.ReadAllBytes(TestData("otlp/small.binpb")));
    }

    private static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(raw);
        }
        return output.ToArray();
    }

    private static async Task<HttpResponseMessage> PostAsync(CollectorServer server, string path, string contentType, byte[] body, string? encoding)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (encoding is not null)
        {
            content.Headers.ContentEncoding.Add(encoding);
        }
        return await server.Client.PostAsync(path, content);
    }

    [Fact]
    public async Task EveryHttpApi_GzipBodies_AcceptedCorruptOnes400NamingTheEncoding()
    {
        using var dir = new TempDirectory();
        await using var server = await CollectorServer.StartAsync(dir.Path, FastFlush);
        foreach (var (name, path, contentType, body) in HttpApis())
        {
            using var good = await PostAsync(server, path, contentType, Gzip(body), "gzip");
            Assert.True(good.StatusCode == HttpStatusCode.OK, $"{name}: {good.StatusCode} {await good.Content.ReadAsStringAsync()}");

            var corrupt = Gzip(body);
            corrupt[10] = 0xFF; // a deflate block type that does not exist
            using var bad = await PostAsync(server, path, contentType, corrupt, "gzip");
            Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, $"{name}: {bad.StatusCode}");
            Assert.Contains("(Content-Encoding: gzip) is not valid gzip", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(3, await server.MetricAsync("gp_ingest_rejected_total{tenant=\"default\",reason=\"invalid_request\"}"));
        foreach (var api in new[] { "pyroscope", "push", "otlp" })
        {
            Assert.Equal(1, await server.MetricAsync($"gp_ingest_requests_total{{api=\"{api}\",status=\"400\"}}"));
            Assert.Equal(1, await server.MetricAsync($"gp_ingest_requests_total{{api=\"{api}\",status=\"200\"}}"));
        }
    }

    [Fact]
    public async Task EveryHttpApi_GzipBomb_413NamingMaxRequestBytes_AndNothingIsStored()
    {
        using var dir = new TempDirectory();
        var env = FastFlush;
        env["GP_LIMITS__MAX_REQUEST_BYTES"] = "1048576";
        await using var server = await CollectorServer.StartAsync(dir.Path, env);
        var bomb = Gzip(new byte[16 << 20]);
        foreach (var (name, path, contentType, _) in HttpApis())
        {
            using var response = await PostAsync(server, path, contentType, bomb, "gzip");
            Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{name}: {response.StatusCode}");
            Assert.Contains("max_request_bytes=1048576", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(3, await server.MetricAsync("gp_ingest_rejected_total{tenant=\"default\",reason=\"decompressed_too_large\"}"));
        await Task.Delay(500);
        Assert.Empty(Directory.GetDirectories(dir.Path, "tenant=*"));
    }

    [Fact]
    public async Task Scrape_NewSeriesOverTheLimit_RefusedAndCountedAsAnIngestIs()
    {
        // Two targets are two series for a tenant allowed one: whichever comes first takes it, the other is refused.
        using var a = new PprofTarget("go-heap.pb.gz");
        using var b = new PprofTarget("go-heap.pb.gz");
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Path);
        var config = Path.Combine(dir.Path, "collector.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "flush_interval": "00:00:00.200",
              "limits": { "max_series_per_tenant": 1 },
              "scrape": {
                "scrape_configs": [
                  {
                    "job_name": "payments",
                    "scrape_interval": "1s",
                    "static_configs": [ { "targets": [ "{{a.Address}}", "{{b.Address}}" ] } ],
                    "pprof_config": {
                      "memory": { "enabled": true }, "block": { "enabled": false }, "goroutine": { "enabled": false },
                      "mutex": { "enabled": false }, "process_cpu": { "enabled": false }
                    }
                  }
                ]
              }
            }
            """);
        var data = Path.Combine(dir.Path, "data");
        await using var server = await CollectorServer.StartAsync(data, configFile: config);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await server.MetricAsync("gp_ingest_requests_total{api=\"scrape\",status=\"429\"}") < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        var metrics = await server.MetricsAsync();
        Assert.True(await server.MetricAsync("gp_ingest_requests_total{api=\"scrape\",status=\"429\"}") >= 2, metrics);
        Assert.True(await server.MetricAsync("gp_ingest_requests_total{api=\"scrape\",status=\"200\"}") >= 1, metrics);
        Assert.Contains(",profile=\"memory\"} 0", metrics, StringComparison.Ordinal); // gp_scrape_up of the refused target

        // A new series on /ingest is refused at the same door, for the same reason, in the same metric.
        var refusedBefore = await server.MetricAsync("gp_ingest_rejected_total{tenant=\"default\",reason=\"series_limit\"}");
        using var ingest = await server.Client.PostAsync("/ingest?name=api.cpu&from=now-10s&until=now", new StringContent("main;work 10\n"));
        Assert.Equal(HttpStatusCode.TooManyRequests, ingest.StatusCode);
        Assert.Contains("max_series_per_tenant=1", await ingest.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(await server.MetricAsync("gp_ingest_rejected_total{tenant=\"default\",reason=\"series_limit\"}") >= refusedBefore + 1);
        Assert.True(refusedBefore >= 2);
        Assert.Equal(1, await server.MetricAsync("gp_active_series{tenant=\"default\"}"));
    }
}
