using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Google.Protobuf;
using GrafanaProfiles.Backend.Settings;
using GrafanaProfiles.Schema.PluginV2;
using GrafanaProfiles.TestSupport;
using Grpc.Core;
using Grpc.Health.V1;

namespace GrafanaProfiles.Backend.Tests.Grpc;

/// <summary>
/// The plugin's gRPC server in-process, called as clients call it: message framing, limits, gzip,
/// deadlines, statuses and unknown methods (Grpc.AspNetCore with the plugin's rules around it).
/// </summary>
public sealed class PluginGrpcTests : IAsyncLifetime
{
    private const string HealthCheck = "/grpc.health.v1.Health/Check";

    private static readonly Method<HealthCheckRequest, HealthCheckResponse> Health =
        InProcessPlugin.Unary<HealthCheckRequest, HealthCheckResponse>("grpc.health.v1.Health", "Check");

    private static readonly Method<CheckHealthRequest, CheckHealthResponse> CheckHealth =
        InProcessPlugin.Unary<CheckHealthRequest, CheckHealthResponse>("pluginv2.Diagnostics", "CheckHealth");

    private InProcessPlugin _plugin = null!;

    public async Task InitializeAsync() => _plugin = await InProcessPlugin.StartAsync();

    public async Task DisposeAsync() => await _plugin.DisposeAsync();

    private static byte[] HealthRequest(string service = "plugin") => GrpcClient.Frame(new HealthCheckRequest { Service = service }.ToByteArray());

    [Fact]
    public async Task Request_ArrivingOneByteAtATime_IsAnswered()
    {
        var framed = HealthRequest();

        var answer = await _plugin.PostAsync(HealthCheck, new PieceByPieceContent(framed, pieceSize: 1));

        Assert.Equal(0, answer.GrpcStatus);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, HealthCheckResponse.Parser.ParseFrom(answer.Body.AsSpan(5)).Status);
    }

    [Fact]
    public async Task Request_EndingInsideTheMessage_IsInternal_AtEveryLength()
    {
        var framed = HealthRequest();
        for (int length = 0; length < framed.Length; length++)
        {
            var answer = await _plugin.PostAsync(HealthCheck, new ByteArrayContent(framed[..length]));

            Assert.True(answer.GrpcStatus == 13, $"prefix of {length} bytes: status {answer.GrpcStatus} {answer.Message}");
            Assert.Contains("incomplete", answer.Message, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task TwoMessagesForAUnaryMethod_IsInternal()
    {
        var answer = await _plugin.PostAsync(HealthCheck, new ByteArrayContent([.. HealthRequest(), .. HealthRequest()]));

        Assert.Equal(13, answer.GrpcStatus);
    }

    [Fact]
    public async Task BytesThatAreNotTheMessage_AreInternal_AndSayItCouldNotBeDecoded()
    {
        var answer = await _plugin.PostAsync(HealthCheck, new ByteArrayContent(GrpcClient.Frame([0xFF, 0xFF, 0xFF])));

        Assert.Equal(13, answer.GrpcStatus);
        Assert.Contains("could not be decoded", answer.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCompressedFlag_IsInternal()
    {
        var framed = HealthRequest();
        framed[0] = 7;

        var answer = await _plugin.PostAsync(HealthCheck, new ByteArrayContent(framed));

        Assert.Equal(13, answer.GrpcStatus);
    }

    [Fact]
    public async Task MessageAboveReceiveLimit_IsRefusedFromItsHeader_BeforeTheBodyArrives()
    {
        await using var plugin = await InProcessPlugin.StartAsync(new PluginEnvironment { MaxReceiveMessageSize = 1024 });
        var header = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), 1025);
        var bodyNeverSent = new TaskCompletionSource();

        var answer = await plugin.PostAsync(HealthCheck, new PieceByPieceContent(header, header.Length, holdOpenUntil: bodyNeverSent.Task))
            .WaitAsync(TimeSpan.FromSeconds(30));
        bodyNeverSent.SetResult();

        Assert.Equal(8, answer.GrpcStatus);
        Assert.Contains("max_receive_message_size", answer.Message, StringComparison.Ordinal);
        Assert.Contains("1024", answer.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MessageAboveReceiveLimit_FromAGrpcClient_IsResourceExhausted_AndNamesTheLimit()
    {
        await using var plugin = await InProcessPlugin.StartAsync(new PluginEnvironment { MaxReceiveMessageSize = 1024 });
        var request = new CheckHealthRequest { PluginContext = plugin.Context() };
        request.PluginContext.DataSourceInstanceSettings.Name = new string('x', 2048);

        var e = await Assert.ThrowsAsync<RpcException>(() => plugin.Calls.AsyncUnaryCall(CheckHealth, null, new CallOptions(), request).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Contains("max_receive_message_size", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GzipRequest_FromAGrpcClient_IsAnswered()
    {
        var request = new CheckHealthRequest { PluginContext = _plugin.Context() };
        var gzip = new Metadata { { "grpc-internal-encoding-request", "gzip" } };

        var response = await _plugin.Calls.AsyncUnaryCall(CheckHealth, null, new CallOptions(gzip), request).ResponseAsync;

        Assert.Equal(CheckHealthResponse.Types.HealthStatus.Ok, response.Status);
        Assert.Contains("no profiles have been stored yet", response.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GzipRequest_InflatingAboveReceiveLimit_IsResourceExhausted_AndNamesTheLimit()
    {
        await using var plugin = await InProcessPlugin.StartAsync(new PluginEnvironment { MaxReceiveMessageSize = 1024 });
        // 64 KiB of one letter: about 100 bytes on the wire, far above the limit once inflated.
        var request = new CheckHealthRequest { PluginContext = plugin.Context() };
        request.PluginContext.DataSourceInstanceSettings.Name = new string('x', 64 * 1024);
        var gzip = new Metadata { { "grpc-internal-encoding-request", "gzip" } };

        var e = await Assert.ThrowsAsync<RpcException>(() => plugin.Calls.AsyncUnaryCall(CheckHealth, null, new CallOptions(gzip), request).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Contains("max_receive_message_size", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CorruptGzipMessage_IsInternal()
    {
        var framed = GrpcClient.Frame("these bytes are not gzip"u8.ToArray());
        framed[0] = 1;

        var answer = await _plugin.PostAsync(HealthCheck, new ByteArrayContent(framed), new Dictionary<string, string> { ["grpc-encoding"] = "gzip" });

        Assert.Equal(13, answer.GrpcStatus);
        Assert.Contains("corrupt", answer.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompressedWithAnEncodingOtherThanGzip_IsUnimplemented_AndListsGzip()
    {
        using var compressed = new MemoryStream();
        using (var deflate = new DeflateStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(new HealthCheckRequest { Service = "plugin" }.ToByteArray());
        }
        var framed = GrpcClient.Frame(compressed.ToArray());
        framed[0] = 1;

        var answer = await _plugin.PostAsync(HealthCheck, new ByteArrayContent(framed), new Dictionary<string, string> { ["grpc-encoding"] = "deflate" });

        Assert.Equal(12, answer.GrpcStatus);
        Assert.Contains("gzip", answer.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("100%", "100%25")]
    [InlineData("café", "caf%C3%A9")]
    [InlineData("line\nbreak", "line%0Abreak")]
    public async Task StatusMessage_IsPercentEncodedOnTheWire_AndReachesTheClientIntact(string service, string encoded)
    {
        var raw = await _plugin.PostAsync(HealthCheck, new ByteArrayContent(HealthRequest(service)));
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            _plugin.Calls.AsyncUnaryCall(Health, null, new CallOptions(), new HealthCheckRequest { Service = service }).ResponseAsync);

        Assert.Equal(5, raw.GrpcStatus);
        Assert.Contains($"'{encoded}'", raw.WireMessage, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Contains($"'{service}'", e.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("'plugin'", e.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("250m")]
    [InlineData("250000u")]
    [InlineData("99999999n")]
    [InlineData("1S")]
    public async Task Timeout_InEveryShortUnit_EndsASlowCallWithDeadlineExceeded(string timeout)
    {
        var answer = await _plugin.PostAsync("/pluginv2.Data/QueryData", new ByteArrayContent(GrpcClient.Frame(SlowQuery().ToByteArray())),
            new Dictionary<string, string> { ["grpc-timeout"] = timeout }).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(answer.GrpcStatus == 4, $"grpc-timeout {timeout}: status {answer.GrpcStatus} {answer.Message}");
    }

    [Theory]
    [InlineData("1H")]
    [InlineData("2M")]
    [InlineData("30S")]
    [InlineData("99999999m")]
    public async Task Timeout_InEveryLongUnit_LetsAQuickCallAnswer(string timeout)
    {
        var answer = await _plugin.PostAsync(HealthCheck, new ByteArrayContent(HealthRequest()), new Dictionary<string, string> { ["grpc-timeout"] = timeout });

        Assert.Equal(0, answer.GrpcStatus);
    }

    [Fact]
    public async Task Deadline_FromAGrpcClient_CancelsTheQuery()
    {
        var call = _plugin.Calls.AsyncUnaryCall(InProcessPlugin.Unary<QueryDataRequest, QueryDataResponse>("pluginv2.Data", "QueryData"), null,
            new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(300)), SlowQuery());

        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        // The server is free again: the cancelled query does not hold it.
        var health = await _plugin.Calls.AsyncUnaryCall(Health, null, new CallOptions(), new HealthCheckRequest { Service = "plugin" }).ResponseAsync;
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Theory]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10x")]
    [InlineData("123456789S")]
    [InlineData("-5S")]
    [InlineData("5 S")]
    public async Task MalformedTimeout_IsInternal_AndNamesTheHeader(string timeout)
    {
        var answer = await _plugin.PostAsync(HealthCheck, new ByteArrayContent(HealthRequest()), new Dictionary<string, string> { ["grpc-timeout"] = timeout });

        Assert.Equal(13, answer.GrpcStatus);
        Assert.Contains("grpc-timeout", answer.Message, StringComparison.Ordinal);
        Assert.Empty(answer.Body);
    }

    [Theory]
    [InlineData("pluginv2.Stream", "RunStream")]
    [InlineData("pluginv2.Data", "NoSuchMethod")]
    [InlineData("plugin.GRPCBroker", "StartStream")]
    public async Task UnknownMethod_FromAGrpcClient_IsUnimplemented_AndNamesThePath(string service, string method)
    {
        var unknown = InProcessPlugin.ServerStreaming<RunStreamRequest, StreamPacket>(service, method);

        using var call = _plugin.Calls.AsyncServerStreamingCall(unknown, null, new CallOptions(), new RunStreamRequest());
        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.Unimplemented, e.StatusCode);
        Assert.Contains($"/{service}/{method}", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotGrpcContentType_IsUnsupportedMediaType()
    {
        var answer = await _plugin.PostAsync(HealthCheck, new ByteArrayContent(HealthRequest()), contentType: "application/json");

        Assert.Equal((int)HttpStatusCode.UnsupportedMediaType, answer.HttpStatus);
    }

    [Fact]
    public async Task ServerStreamingCall_FromAGrpcClient_StreamsEveryMessage()
    {
        var resource = InProcessPlugin.ServerStreaming<CallResourceRequest, CallResourceResponse>("pluginv2.Resource", "CallResource");
        var request = new CallResourceRequest { PluginContext = _plugin.Context(), Path = "sqlSchema", Method = "GET", Url = "sqlSchema" };

        using var call = _plugin.Calls.AsyncServerStreamingCall(resource, null, new CallOptions(), request);
        var messages = new List<CallResourceResponse>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            messages.Add(call.ResponseStream.Current);
        }

        Assert.Equal(200, messages[0].Code);
        using var json = JsonDocument.Parse(messages.SelectMany(m => m.Body.ToByteArray()).ToArray());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    private QueryDataRequest SlowQuery() => new()
    {
        PluginContext = _plugin.Context(),
        Queries =
        {
            new DataQuery
            {
                RefId = "A",
                QueryType = "sql",
                Json = ByteString.CopyFromUtf8(JsonSerializer.Serialize(new { rawSql = "SELECT count(*) FROM range(100000000000)", format = "table" })),
                TimeRange = new TimeRange { FromEpochMS = 1_700_000_000_000, ToEpochMS = 1_700_003_600_000 },
            },
        },
    };

    /// <summary>A request body written in pieces, each flushed on its own; optionally held open after the last.</summary>
    private sealed class PieceByPieceContent(byte[] bytes, int pieceSize, Task? holdOpenUntil = null) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(System.IO.Stream stream, TransportContext? context)
        {
            for (int offset = 0; offset < bytes.Length; offset += pieceSize)
            {
                await stream.WriteAsync(bytes.AsMemory(offset, Math.Min(pieceSize, bytes.Length - offset)));
                await stream.FlushAsync();
                await Task.Delay(2);
            }
            if (holdOpenUntil is not null)
            {
                await holdOpenUntil;
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
