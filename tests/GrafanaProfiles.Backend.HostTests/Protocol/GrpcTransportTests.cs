using System.IO.Compression;
using Google.Protobuf;
using GrafanaProfiles.Backend.HostTests.Support;
using GrafanaProfiles.Schema.Grpc.Health.V1;
using GrafanaProfiles.Schema.PluginV2;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Backend.HostTests.Protocol;

/// <summary>The gRPC layer as a Go client meets it: statuses in trailers, limits, compression, deadlines.</summary>
[Collection(PluginCollection.Name)]
public class GrpcTransportTests(PluginFixture fixture)
{
    private GrpcClient Grpc => fixture.Plugin.Client;

    [Fact]
    public async Task UnknownMethod_IsUnimplemented()
    {
        var result = await Grpc.CallAsync("/pluginv2.Stream/RunStream", new RunStreamRequest(), StreamPacket.Parser);

        Assert.Equal(12, result.Status);
        Assert.Contains("/pluginv2.Stream/RunStream", result.Message, StringComparison.Ordinal);
        Assert.Empty(result.Messages);
    }

    [Fact]
    public async Task HealthOfUnknownService_IsNotFound()
    {
        var result = await Grpc.CallAsync("/grpc.health.v1.Health/Check", new HealthCheckRequest { Service = "other" }, HealthCheckResponse.Parser);

        Assert.Equal(5, result.Status);
    }

    [Fact]
    public async Task MessageAboveReceiveLimit_IsResourceExhausted_AndNamesTheLimit()
    {
        // Only the header is sent: the server refuses from the announced length.
        var body = new byte[5];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1), 64u * 1024 * 1024);

        var result = await Grpc.CallRawAsync("/pluginv2.Data/QueryData", body, QueryDataResponse.Parser);

        Assert.Equal(8, result.Status);
        Assert.Contains("max_receive_message_size", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TruncatedMessage_IsInternal()
    {
        var framed = GrpcClient.Frame(new HealthCheckRequest { Service = "plugin" }.ToByteArray());

        var result = await Grpc.CallRawAsync("/grpc.health.v1.Health/Check", framed[..^2], HealthCheckResponse.Parser);

        Assert.Equal(13, result.Status);
        Assert.Contains("incomplete", result.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task GarbageMessage_IsInternal_AndTheServerKeepsServing()
    {
        var result = await Grpc.CallRawAsync("/grpc.health.v1.Health/Check", GrpcClient.Frame([0xFF, 0xFF, 0xFF]), HealthCheckResponse.Parser);
        Assert.Equal(13, result.Status);

        var healthy = await Grpc.CallAsync("/grpc.health.v1.Health/Check", new HealthCheckRequest { Service = "plugin" }, HealthCheckResponse.Parser);
        Assert.Equal(0, healthy.Status);
    }

    [Fact]
    public async Task GzipCompressedRequest_IsAccepted()
    {
        var plain = new HealthCheckRequest { Service = "plugin" }.ToByteArray();
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(plain);
        }
        var framed = GrpcClient.Frame(compressed.ToArray());
        framed[0] = 1;

        var client = new GrpcClientWithEncoding(fixture.Plugin.Network, fixture.Plugin.Address);
        var result = await client.CallAsync(framed);

        Assert.Equal(0, result);
    }

    [Fact]
    public async Task StatusMessage_WithNonAsciiText_IsPercentEncoded()
    {
        var result = await Grpc.CallAsync("/grpc.health.v1.Health/Check", new HealthCheckRequest { Service = "café 100%" }, HealthCheckResponse.Parser);

        Assert.Equal(5, result.Status);
        Assert.Contains("café 100%", result.Message, StringComparison.Ordinal);
    }

    /// <summary>Sends a gzip-flagged message with <c>grpc-encoding: gzip</c>, as grpc-go does with a compressor.</summary>
    private sealed class GrpcClientWithEncoding(string network, string address)
    {
        public async Task<int> CallAsync(byte[] framed)
        {
            using var http = new HttpClient(new SocketsHttpHandler
            {
                ConnectCallback = async (_, token) =>
                {
                    var socket = network == "unix"
                        ? new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified)
                        : new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                    await socket.ConnectAsync(network == "unix" ? new System.Net.Sockets.UnixDomainSocketEndPoint(address) : System.Net.IPEndPoint.Parse(address), token);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                },
            });
            using var request = new HttpRequestMessage(HttpMethod.Post, "http://plugin/grpc.health.v1.Health/Check")
            {
                Version = System.Net.HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent(framed),
            };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
            request.Headers.TryAddWithoutValidation("grpc-encoding", "gzip");
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            Assert.True(body.Length > 5, "no response message");
            return int.Parse(response.TrailingHeaders.GetValues("grpc-status").First(), System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
