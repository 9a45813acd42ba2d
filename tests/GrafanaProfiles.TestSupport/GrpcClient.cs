using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Google.Protobuf;

namespace GrafanaProfiles.TestSupport;

/// <summary>The outcome of a call: status, message, response messages (and the raw HTTP response headers).</summary>
public sealed record GrpcResult<T>(int Status, string Message, IReadOnlyList<T> Messages, HttpResponseHeaders Headers)
{
    public T Single => Messages.Count == 1 ? Messages[0] : throw new InvalidOperationException($"Expected one message, got {Messages.Count} (status {Status}: {Message}).");
}

/// <summary>
/// A minimal gRPC client as Grafana's go-plugin client behaves: HTTP/2 with prior knowledge, no TLS,
/// over the network and address of the handshake line. Frames messages and reads trailers itself.
/// </summary>
public sealed class GrpcClient : IDisposable
{
    private readonly HttpClient _http;

    public GrpcClient(string network, string address)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, token) =>
            {
                Socket socket;
                EndPoint endpoint;
                if (network == "unix")
                {
                    socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    endpoint = new UnixDomainSocketEndPoint(address);
                }
                else
                {
                    socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    endpoint = IPEndPoint.Parse(address);
                }
                await socket.ConnectAsync(endpoint, token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        _http = new HttpClient(handler)
        {
            BaseAddress = new Uri("http://plugin"),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromMinutes(2),
        };
    }

    public Task<GrpcResult<TResponse>> CallAsync<TResponse>(string method, IMessage request, MessageParser<TResponse> parser,
        string? timeout = null, CancellationToken cancellationToken = default)
        where TResponse : IMessage<TResponse> =>
        CallRawAsync(method, Frame(request.ToByteArray()), parser, timeout, cancellationToken);

    /// <summary>Sends <paramref name="body"/> as it is (already framed), for malformed-input tests.</summary>
    public async Task<GrpcResult<TResponse>> CallRawAsync<TResponse>(string method, byte[] body, MessageParser<TResponse> parser,
        string? timeout = null, CancellationToken cancellationToken = default)
        where TResponse : IMessage<TResponse>
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, method)
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (timeout is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-timeout", timeout);
        }
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"HTTP {(int)response.StatusCode} from {method}");
        }
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var messages = new List<TResponse>();
        int offset = 0;
        while (offset < bytes.Length)
        {
            if (bytes.Length - offset < 5)
            {
                throw new InvalidOperationException("Truncated gRPC message header.");
            }
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(offset + 1));
            messages.Add(parser.ParseFrom(bytes, offset + 5, length));
            offset += 5 + length;
        }
        string? status = Header(response.TrailingHeaders, "grpc-status") ?? Header(response.Headers, "grpc-status");
        string message = Header(response.TrailingHeaders, "grpc-message") ?? Header(response.Headers, "grpc-message") ?? "";
        if (status is null)
        {
            throw new InvalidOperationException($"{method} answered without grpc-status.");
        }
        return new GrpcResult<TResponse>(int.Parse(status, System.Globalization.CultureInfo.InvariantCulture),
            Uri.UnescapeDataString(message), messages, response.Headers);
    }

    public static byte[] Frame(byte[] message)
    {
        var framed = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)message.Length);
        message.CopyTo(framed, 5);
        return framed;
    }

    private static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    public void Dispose() => _http.Dispose();
}
