using System.Text.RegularExpressions;
using Google.Protobuf;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace GrafanaProfiles.Backend.Grpc;

/// <summary>
/// The few answers where this plugin says more than Grpc.AspNetCore does by itself, as grpc-go (the
/// server inside Grafana's own plugins) answers: a malformed <c>grpc-timeout</c> is refused rather than
/// ignored, a request above <c>max_receive_message_size</c> names that setting, a request that is not
/// the method's message is <c>Internal</c> rather than <c>Unknown</c>, and an unknown method names
/// its path. Everything else (framing, deadlines, trailers, percent-encoding) is the library's.
/// </summary>
internal static partial class GrpcCallRules
{
    /// <summary>Grpc.AspNetCore's detail for a request above <c>MaxReceiveMessageSize</c> (2.85, PipeExtensions.cs).</summary>
    private const string ReceivedMessageTooLarge = "Received message exceeds the maximum configured message size.";

    /// <summary>A middleware around every gRPC endpoint.</summary>
    public static Func<HttpContext, RequestDelegate, Task> Middleware(GrpcLimits limits) => async (context, next) =>
    {
        var timeout = context.Request.Headers["grpc-timeout"].ToString();
        if (timeout.Length > 0 && !TimeoutGrammar().IsMatch(timeout))
        {
            Answer(context.Response, StatusCode.Internal,
                $"Malformed grpc-timeout header '{timeout}'; gRPC expects 1 to 8 digits and a unit (H, M, S, m, u or n).");
            return;
        }
        await next(context);
        if (context.Response.HasStarted || context.Features.Get<IServerCallContextFeature>()?.ServerCallContext.Status is not { } status)
        {
            // Only trailers-only answers are restated: every case above fails before a message is sent.
            return;
        }
        if (status.StatusCode == StatusCode.ResourceExhausted && status.Detail == ReceivedMessageTooLarge)
        {
            SetStatus(context.Response.Headers, StatusCode.ResourceExhausted,
                $"Received message larger than max ({limits.MaxReceiveMessageSize} bytes); the limit is the plugin's max_receive_message_size (GF_PLUGIN_MAX_RECEIVE_MESSAGE_SIZE).");
        }
        else if (status.StatusCode == StatusCode.Unknown && status.DebugException is InvalidProtocolBufferException or InvalidDataException)
        {
            SetStatus(context.Response.Headers, StatusCode.Internal, "The request message could not be decoded: " + status.DebugException.Message);
        }
    };

    /// <summary>
    /// The endpoint for every path no service maps (the services ignore unknown names, so unknown
    /// services and unknown methods both arrive here): <c>Unimplemented</c>, which Grafana maps to
    /// "not implemented" and go-plugin ignores for its optional services.
    /// </summary>
    public static Task UnknownMethod(HttpContext context)
    {
        var response = context.Response;
        if (!HttpMethods.IsPost(context.Request.Method) ||
            context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) != true)
        {
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            SetStatus(response.Headers, StatusCode.Internal, "Content-Type must be application/grpc.");
            return Task.CompletedTask;
        }
        Answer(response, StatusCode.Unimplemented, $"Method not found: {context.Request.Path}");
        return Task.CompletedTask;
    }

    /// <summary>A trailers-only answer: the status in the response headers, no message.</summary>
    private static void Answer(HttpResponse response, StatusCode status, string message)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        SetStatus(response.Headers, status, message);
    }

    /// <summary>grpc-status and the percent-encoded grpc-message (gRPC over HTTP/2).</summary>
    private static void SetStatus(IHeaderDictionary headers, StatusCode status, string message)
    {
        headers["grpc-status"] = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        headers["grpc-message"] = Uri.EscapeDataString(message);
    }

    /// <summary>TimeoutValue (1–8 ASCII digits) and TimeoutUnit, per the gRPC over HTTP/2 spec.</summary>
    [GeneratedRegex("^[0-9]{1,8}[HMSmun]$", RegexOptions.CultureInvariant)]
    private static partial Regex TimeoutGrammar();
}
