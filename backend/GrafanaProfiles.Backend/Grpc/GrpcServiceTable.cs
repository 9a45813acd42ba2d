using System.Buffers;
using Google.Protobuf;

namespace GrafanaProfiles.Backend.Grpc;

/// <summary>What a handler knows about its call: method, deadline, cancellation, request headers.</summary>
public sealed class ServerCallContext
{
    internal ServerCallContext(string method, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        Method = method;
        CancellationToken = cancellationToken;
        RequestHeaders = headers;
    }

    /// <summary>The full method path, e.g. <c>/pluginv2.Data/QueryData</c>.</summary>
    public string Method { get; }

    /// <summary>Cancelled when the client cancels, the deadline passes or the server stops.</summary>
    public CancellationToken CancellationToken { get; }

    public IReadOnlyDictionary<string, string> RequestHeaders { get; }
}

/// <summary>Sends the messages of a server-streaming call, in order.</summary>
public interface IServerStreamWriter<in T>
{
    Task WriteAsync(T message);
}

/// <summary>Writes one encoded message to the call's response.</summary>
internal interface IMessageSink
{
    ValueTask WriteAsync(IMessage message, CancellationToken cancellationToken);
}

/// <summary>The methods the server answers, by full path. Messages are Google.Protobuf generated classes.</summary>
public sealed class GrpcServiceTable
{
    private readonly Dictionary<string, MethodHandler> _methods = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Methods => _methods.Keys;

    /// <summary>Adds a unary method <c>/{service}/{method}</c>.</summary>
    public GrpcServiceTable Unary<TRequest, TResponse>(string service, string method,
        Func<TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>
    {
        var parser = new MessageParser<TRequest>(() => new TRequest());
        _methods.Add($"/{service}/{method}", new MethodHandler(async (request, sink, context) =>
        {
            var response = await handler(parser.ParseFrom(request), context);
            await sink.WriteAsync(response, context.CancellationToken);
        }));
        return this;
    }

    /// <summary>Adds a server-streaming method <c>/{service}/{method}</c>.</summary>
    public GrpcServiceTable ServerStreaming<TRequest, TResponse>(string service, string method,
        Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>
    {
        var parser = new MessageParser<TRequest>(() => new TRequest());
        _methods.Add($"/{service}/{method}", new MethodHandler((request, sink, context) =>
            handler(parser.ParseFrom(request), new StreamWriter<TResponse>(sink, context.CancellationToken), context)));
        return this;
    }

    internal bool TryGet(string path, out MethodHandler handler) => _methods.TryGetValue(path, out handler!);

    internal sealed class MethodHandler(Func<ReadOnlySequence<byte>, IMessageSink, ServerCallContext, Task> invoke)
    {
        public Task InvokeAsync(ReadOnlySequence<byte> request, IMessageSink sink, ServerCallContext context) =>
            invoke(request, sink, context);
    }

    private sealed class StreamWriter<T>(IMessageSink sink, CancellationToken cancellationToken) : IServerStreamWriter<T>
        where T : IMessage<T>
    {
        public Task WriteAsync(T message) => sink.WriteAsync(message, cancellationToken).AsTask();
    }
}
