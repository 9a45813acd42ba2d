using System.Buffers;
using System.IO.Pipelines;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Backend.Grpc;

/// <summary>Limits of the gRPC layer; named so Grafana's ini (<c>GF_PLUGIN_*</c>) can raise them.</summary>
public sealed record GrpcLimits
{
    /// <summary>Largest request message accepted (the Go SDK's default is 16 MiB).</summary>
    public int MaxReceiveMessageSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>Largest response message sent (Grafana's client accepts up to 2 GiB).</summary>
    public int MaxSendMessageSize { get; init; } = int.MaxValue - GrpcMessageFraming.HeaderLength;
}

/// <summary>
/// gRPC over Kestrel's HTTP/2: one request delegate that reads the framed request message, calls the
/// method's handler and writes framed responses, then the <c>grpc-status</c>/<c>grpc-message</c>
/// trailers. Unary and server-streaming calls only (all that the plugin protocol needs).
/// </summary>
public sealed class GrpcEndpoint(GrpcServiceTable services, GrpcLimits limits, ILogger logger, CancellationToken serverStopping)
{
    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (!HttpMethods.IsPost(request.Method) || request.ContentType is not { } contentType ||
            !contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            response.Headers["grpc-status"] = ((int)StatusCode.Internal).ToString(System.Globalization.CultureInfo.InvariantCulture);
            response.Headers["grpc-message"] = "Content-Type must be application/grpc";
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-accept-encoding"] = "identity,gzip";
        string path = request.Path.Value ?? "";
        if (!response.SupportsTrailers())
        {
            // HTTP/1.x has no trailers: answer trailers-only style in the headers.
            SetStatusHeaders(response, StatusCode.Internal, "gRPC needs HTTP/2.");
            return;
        }
        if (!services.TryGet(path, out var handler))
        {
            Finish(response, StatusCode.Unimplemented, $"Method not found: {path}");
            return;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, serverStopping);
        if (request.Headers["grpc-timeout"].ToString() is { Length: > 0 } timeoutText)
        {
            if (!GrpcMessageFraming.TryParseTimeout(timeoutText, out var timeout))
            {
                Finish(response, StatusCode.Internal, $"Malformed grpc-timeout header '{timeoutText}'.");
                return;
            }
            deadline.CancelAfter(timeout);
        }

        var status = StatusCode.OK;
        string? message = null;
        try
        {
            var payload = await ReadRequestAsync(request, deadline.Token);
            var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            var call = new ServerCallContext(path, headers, deadline.Token);
            await handler.InvokeAsync(payload, new ResponseSink(response.BodyWriter, limits), call);
        }
        catch (RpcException e)
        {
            (status, message) = (e.Status, e.Message);
        }
        catch (InvalidProtocolBufferException e)
        {
            (status, message) = (StatusCode.Internal, "The request message could not be decoded: " + e.Message);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            (status, message) = context.RequestAborted.IsCancellationRequested ? (StatusCode.Cancelled, "The call was cancelled.")
                : serverStopping.IsCancellationRequested ? (StatusCode.Unavailable, "The plugin is shutting down.")
                : (StatusCode.DeadlineExceeded, "The call's deadline (grpc-timeout) passed.");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogError(e, "Unhandled error in {Method}", path);
            (status, message) = (StatusCode.Unknown, $"The plugin failed in {path}: {e.GetType().Name}: {e.Message}");
        }
        if (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        Finish(response, status, message);
    }

    private async Task<ReadOnlySequence<byte>> ReadRequestAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var reader = request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var probe = buffer;
            // Reject an oversized message as soon as its header arrives.
            GrpcMessageFraming.TryReadMessage(ref probe, limits.MaxReceiveMessageSize, out _, out _);
            if (result.IsCompleted)
            {
                var remaining = buffer;
                if (!GrpcMessageFraming.TryReadMessage(ref remaining, limits.MaxReceiveMessageSize, out var compressed, out var message))
                {
                    throw new RpcException(StatusCode.Internal, buffer.IsEmpty ? "The request has no message." : "The request message is incomplete.");
                }
                if (!remaining.IsEmpty)
                {
                    throw new RpcException(StatusCode.Internal, "The request has more than one message; this method takes exactly one.");
                }
                // Copy: the pipe's buffers are released below.
                ReadOnlySequence<byte> payload = compressed
                    ? new(Decompress(request, message))
                    : new(message.ToArray());
                reader.AdvanceTo(buffer.End);
                return payload;
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private byte[] Decompress(HttpRequest request, ReadOnlySequence<byte> message)
    {
        var encoding = request.Headers["grpc-encoding"].ToString();
        if (!string.Equals(encoding, "gzip", StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(StatusCode.Unimplemented,
                $"The message is compressed with '{(encoding.Length == 0 ? "identity" : encoding)}'; this server accepts identity and gzip.");
        }
        return GrpcMessageFraming.Gunzip(message, limits.MaxReceiveMessageSize);
    }

    private static void Finish(HttpResponse response, StatusCode status, string? message)
    {
        response.AppendTrailer("grpc-status", ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (status != StatusCode.OK && !string.IsNullOrEmpty(message))
        {
            response.AppendTrailer("grpc-message", GrpcMessageFraming.EncodeStatusMessage(message));
        }
    }

    private static void SetStatusHeaders(HttpResponse response, StatusCode status, string message)
    {
        response.Headers["grpc-status"] = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = GrpcMessageFraming.EncodeStatusMessage(message);
    }

    private sealed class ResponseSink(PipeWriter writer, GrpcLimits limits) : IMessageSink
    {
        public async ValueTask WriteAsync(IMessage message, CancellationToken cancellationToken)
        {
            int size = message.CalculateSize();
            if (size > limits.MaxSendMessageSize)
            {
                throw new RpcException(StatusCode.ResourceExhausted,
                    $"The response message is {size} bytes, above the max_send_message_size of {limits.MaxSendMessageSize}; narrow the query (time range, maxNodes, row limit).");
            }
            var span = writer.GetSpan(GrpcMessageFraming.HeaderLength + size);
            GrpcMessageFraming.WriteHeader(span, size);
            message.WriteTo(span.Slice(GrpcMessageFraming.HeaderLength, size));
            writer.Advance(GrpcMessageFraming.HeaderLength + size);
            await writer.FlushAsync(cancellationToken);
        }
    }
}
