using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;
using GrafanaProfiles.Schema.Pyroscope.Push.V1;
using GrafanaProfiles.Schema.Pyroscope.Types.V1;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;

namespace GrafanaProfiles.Collector.Tests;

/// <summary>Every write API of the running collector, with real payloads, read back through the store.</summary>
public sealed class IngestApiTests
{
    private const string Cpu = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";

    internal static string TestData(string relative) => Path.Combine(CollectorProcess.Root, "tests", "testdata", relative);

    internal static Dictionary<string, string> FastFlush => new() { ["GP_FLUSH_INTERVAL"] = "00:00:00.200" };

    internal static async Task<long> WaitForTotalAsync(string dataDir, string profileType, string selector, string tenant = "default", long atLeast = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long total = 0;
        while (DateTime.UtcNow < deadline)
        {
            using var reader = new ProfileReader(dataDir);
            total = reader.Top(new ProfileSelection(tenant, DateTime.UtcNow.AddYears(-2), DateTime.UtcNow.AddDays(1), profileType, LabelSelector.Parse(selector))).Total;
            if (total >= atLeast)
            {
                return total;
            }
            await Task.Delay(100);
        }
        return total;
    }

    [Fact]
    public async Task PyroscopeIngest_PprofBody_IsStoredUnderItsServiceAndLabels()
    {
        using var dir = new TempDirectory();
        await using var server = await CollectorServer.StartAsync(dir.Path, FastFlush);
        using var body = new ByteArrayContent(await File.ReadAllBytesAsync(TestData("pprof/go-cpu.pb.gz")));
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await server.Client.PostAsync("/ingest?name=checkout%7Benv%3Dprod%7D&format=pprof&spyName=gospy", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(4_020_000_000, await WaitForTotalAsync(dir.Path, Cpu, "{service_name=\"checkout\", env=\"prod\"}"));
        Assert.Equal(1, await server.MetricAsync("gp_ingest_requests_total{api=\"pyroscope\",status=\"200\"}"));
    }

    [Fact]
    public async Task PyroscopeIngest_FoldedBody_ScalesBySampleRateIntoCpuNanoseconds()
    {
        using var dir = new TempDirectory();
        await using var server = await CollectorServer.StartAsync(dir.Path, FastFlush);
        using var body = new StringContent("main;work;hash 30\nmain;work 10\nmain;idle 60\n");
        using var response = await server.Client.PostAsync("/pyroscope/ingest?name=worker.cpu%7Bregion%3Deu%7D&sampleRate=100&from=now-10s&until=now", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // 100 samples at 100 Hz = 1 s of CPU.
        Assert.Equal(1_000_000_000, await WaitForTotalAsync(dir.Path, Cpu, "{service_name=\"worker\", region=\"eu\"}"));
    }

    [Fact]
    public async Task Push_BinaryAndJson_BothStoreEveryRawProfile()
    {
        using var dir = new TempDirectory();
        await using var server = await CollectorServer.StartAsync(dir.Path, FastFlush);
        var request = new PushRequest();
        var series = new RawProfileSeries();
        series.Labels.Add(new LabelPair { Name = "service_name", Value = "pusher" });
        series.Labels.Add(new LabelPair { Name = "__name__", Value = "process_cpu" });
        series.Labels.Add(new LabelPair { Name = "pod", Value = "pod-1" });
        series.Samples.Add(new RawSample { RawProfile = ByteString.CopyFrom(await File.ReadAllBytesAsync(TestData("pprof/go-cpu.pb.gz"))) });
        request.Series.Add(series);

        using var binary = new ByteArrayContent(request.ToByteArray());
        binary.Headers.ContentType = new MediaTypeHeaderValue("application/proto");
        using var r1 = await server.Client.PostAsync("/push.v1.PusherService/Push", binary);
        Assert.Equal(HttpStatusCode.OK, r1.StatusCode);
        Assert.Empty(await r1.Content.ReadAsByteArrayAsync());

        series.Labels[2] = new LabelPair { Name = "pod", Value = "pod-2" };
        using var json = new StringContent(JsonFormatter.Default.Format(request), Encoding.UTF8);
        json.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var r2 = await server.Client.PostAsync("/push.v1.PusherService/Push", json);
        Assert.Equal(HttpStatusCode.OK, r2.StatusCode);
        Assert.Equal("{}", await r2.Content.ReadAsStringAsync());

        Assert.Equal(4_020_000_000, await WaitForTotalAsync(dir.Path, Cpu, "{pod=\"pod-1\"}"));
        Assert.Equal(4_020_000_000, await WaitForTotalAsync(dir.Path, Cpu, "{pod=\"pod-2\"}"));
    }

    [Fact]
    public async Task Push_OneBadRawProfile_RefusesTheWholeRequest()
    {
        using var dir = new TempDirectory();
        await using var server = await CollectorServer.StartAsync(dir.Path, FastFlush);
        var request = new PushRequest();
        var series = new RawProfileSeries();
        series.Labels.Add(new LabelPair { Name = "service_name", Value = "pusher" });
        series.Samples.Add(new RawSample { RawProfile = ByteString.CopyFrom(await File.ReadAllBytesAsync(TestData("pprof/go-cpu.pb.gz"))) });
        series.Samples.Add(new RawSample { RawProfile = ByteString.CopyFrom(await File.ReadAllBytesAsync(TestData("pprof/malformed/missing-location.pb.gz"))) });
        request.Series.Add(series);
        using var body = new ByteArrayContent(request.ToByteArray());
        body.Headers.ContentType = new MediaTypeHeaderValue("application/proto");
        using var response = await server.Client.PostAsync("/push.v1.PusherService/Push", body);
        // The status is the one table's for an invalid profile (as /ingest answers it); the Connect code is in the body.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("sample 1", text, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"invalid_argument\"", text, StringComparison.Ordinal);
        await Task.Delay(500);
        Assert.Empty(Directory.GetDirectories(dir.Path, "tenant=*"));
    }

    [Fact]
    public async Task Push_GarbageBody_GetsAConnectErrorAndStoresNothing()
    {
        using var dir = new TempDirectory();
        await using var server = await CollectorServer.StartAsync(dir.Path, FastFlush);
        using var body = new ByteArrayContent([0xFF, 0xFF, 0xFF, 0x01, 0x02]);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/proto");
        using var response = await server.Client.PostAsync("/push.v1.PusherService/Push", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"code\":\"invalid_argument\"", text, StringComparison.Ordinal);
        using var wrongType = new StringContent("x");
        using var r2 = await server.Client.PostAsync("/push.v1.PusherService/Push", wrongType);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, r2.StatusCode);
        Assert.True(r2.Headers.Contains("Accept-Post"));
        Assert.True(await server.MetricAsync("gp_ingest_rejected_total{tenant=\"default\",reason=\"unsupported_media_type\"}") >= 1);
        Assert.Empty(Directory.GetDirectories(dir.Path, "tenant=*"));
    }

    [Theory]
    [InlineData("small.binpb", "application/x-protobuf")]
    [InlineData("small.json", "application/json")]
    public async Task Otlp_ProtobufAndJson_AreStored(string file, string contentType)
    {
        using var dir = new TempDirectory();
        await using var server = await CollectorServer.StartAsync(dir.Path, FastFlush);
        using var body = new ByteArrayContent(await File.ReadAllBytesAsync(TestData("otlp/" + file)));
        body.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var response = await server.Client.PostAsync("/v1development/profiles", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType!.MediaType);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        IReadOnlyList<string> types = [];
        while (types.Count == 0 && DateTime.UtcNow < deadline)
        {
            using var reader = new ProfileReader(dir.Path);
            types = reader.ProfileTypes("default", DateTime.UtcNow.AddYears(-30), DateTime.UtcNow.AddDays(1));
            await Task.Delay(100);
        }
        Assert.NotEmpty(types);
    }

    [Fact]
    public async Task Otlp_UnsupportedContentType_Gets415()
    {
        using var dir = new TempDirectory();
        await using var server = await CollectorServer.StartAsync(dir.Path, FastFlush);
        using var body = new StringContent("hello");
        using var response = await server.Client.PostAsync("/v1development/profiles", body);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }
}
