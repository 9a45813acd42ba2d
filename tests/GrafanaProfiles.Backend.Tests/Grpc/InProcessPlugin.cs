using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Google.Protobuf;
using GrafanaProfiles.Backend.Plugin;
using GrafanaProfiles.Backend.Settings;
using GrafanaProfiles.Schema.PluginV2;
using GrafanaProfiles.TestSupport;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Backend.Tests.Grpc;

/// <summary>
/// The plugin's gRPC server (<see cref="PluginServer"/>, as the executable builds it) listening on a
/// Unix socket in a temp directory, with a real gRPC client (Grpc.Net.Client) and a raw HTTP/2 client
/// for what a well-behaved client never sends.
/// </summary>
public sealed class InProcessPlugin : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly ILoggerFactory _loggers;
    private readonly WebApplication _app;
    private readonly HttpClient _http;

    private InProcessPlugin(PluginEnvironment environment)
    {
        SocketPath = Path.Combine(_directory.Path, "plugin.sock");
        var provider = new HclogLoggerProvider(TextWriter.Null, LogLevel.Warning);
        _loggers = LoggerFactory.Create(b => b.ClearProviders().AddProvider(provider));
        _app = PluginServer.Build(environment, provider, LogLevel.Warning, _loggers,
            k => k.ListenUnixSocket(SocketPath, o => o.Protocols = HttpProtocols.Http2));
        var handler = new SocketsHttpHandler { ConnectCallback = ConnectAsync };
        Channel = GrpcChannel.ForAddress("http://plugin", new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = null, MaxSendMessageSize = null });
        _http = new HttpClient(new SocketsHttpHandler { ConnectCallback = ConnectAsync })
        {
            BaseAddress = new Uri("http://plugin"),
            Timeout = TimeSpan.FromMinutes(1),
        };
    }

    public string SocketPath { get; }

    public string DataDirectory => _directory.Path;

    public GrpcChannel Channel { get; }

    public CallInvoker Calls => Channel.CreateCallInvoker();

    public static async Task<InProcessPlugin> StartAsync(PluginEnvironment? environment = null)
    {
        var plugin = new InProcessPlugin(environment ?? new PluginEnvironment());
        await plugin._app.StartAsync();
        return plugin;
    }

    /// <summary>A unary method of the plugin protocol as a client declares it.</summary>
    public static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string service, string name)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>, new() =>
        new(MethodType.Unary, service, name, MarshallerOf<TRequest>(), MarshallerOf<TResponse>());

    /// <summary>A server-streaming method of the plugin protocol as a client declares it.</summary>
    public static Method<TRequest, TResponse> ServerStreaming<TRequest, TResponse>(string service, string name)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>, new() =>
        new(MethodType.ServerStreaming, service, name, MarshallerOf<TRequest>(), MarshallerOf<TResponse>());

    /// <summary>A plugin context for a data source over this plugin's temp directory.</summary>
    public PluginContext Context() => new()
    {
        PluginId = "grafana-profiles-datasource",
        DataSourceInstanceSettings = new DataSourceInstanceSettings
        {
            Uid = "in-process",
            JsonData = ByteString.CopyFromUtf8(JsonSerializer.Serialize(new { dataDirectory = DataDirectory })),
            LastUpdatedMS = 1,
        },
    };

    /// <summary>
    /// A POST of <paramref name="content"/> as it is (already framed, or written piece by piece), with
    /// extra request headers; the status and message as the server sent them, decoded and on the wire.
    /// </summary>
    public async Task<RawAnswer> PostAsync(string path, HttpContent content, IReadOnlyDictionary<string, string>? headers = null,
        string contentType = "application/grpc")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = content,
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsByteArrayAsync();
        string? status = Header(response.TrailingHeaders, "grpc-status") ?? Header(response.Headers, "grpc-status");
        string wire = Header(response.TrailingHeaders, "grpc-message") ?? Header(response.Headers, "grpc-message") ?? "";
        return new RawAnswer((int)response.StatusCode, status is null ? null : int.Parse(status, System.Globalization.CultureInfo.InvariantCulture),
            Uri.UnescapeDataString(wire), wire, body);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _loggers.Dispose();
        _directory.Dispose();
    }

    private static Marshaller<T> MarshallerOf<T>() where T : IMessage<T>, new()
    {
        var parser = new MessageParser<T>(() => new T());
        return Marshallers.Create(m => m.ToByteArray(), parser.ParseFrom);
    }

    private async ValueTask<System.IO.Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), cancellationToken);
        return new NetworkStream(socket, ownsSocket: true);
    }

    private static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}

/// <summary>What a raw call saw: the HTTP status, <c>grpc-status</c>, the decoded and the on-the-wire <c>grpc-message</c>, the body.</summary>
public sealed record RawAnswer(int HttpStatus, int? GrpcStatus, string Message, string WireMessage, byte[] Body);
