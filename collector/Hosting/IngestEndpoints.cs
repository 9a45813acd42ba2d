using System.Globalization;
using GrafanaProfiles.Collector.Ingest;
using GrafanaProfiles.Collector.Ingest.Auth;
using GrafanaProfiles.Collector.Ingest.Otlp;
using GrafanaProfiles.Collector.Ingest.Push;
using GrafanaProfiles.Store.Ingest;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace GrafanaProfiles.Collector.Hosting;

/// <summary>
/// The HTTP routes of the ingest APIs. Each only translates: the request's headers, query and body
/// stream into one <see cref="IngestDoor.IngestAsync"/> call, and its result back into the API's
/// answer (status from the one table, body in the API's own error form).
/// </summary>
public static class IngestEndpoints
{
    public const string PushPath = "/push.v1.PusherService/Push";
    public const string OtlpPath = "/v1development/profiles";

    public static void Map(WebApplication app)
    {
        app.MapPost("/ingest", PyroscopeIngestAsync);
        app.MapPost("/pyroscope/ingest", PyroscopeIngestAsync);
        app.MapPost(PushPath, PushAsync);
        app.MapPost(OtlpPath, OtlpAsync);
    }

    /// <summary>Pyroscope's legacy API: every existing Pyroscope SDK and agent sends here.</summary>
    private static async Task<IResult> PyroscopeIngestAsync(HttpContext http, IngestDoor door)
    {
        var query = new Dictionary<string, string>(http.Request.Query.Count, StringComparer.Ordinal);
        foreach (var (key, value) in http.Request.Query)
        {
            query[key] = value.ToString();
        }
        var result = await door.IngestAsync(RequestOf(http, IngestApi.Pyroscope, query), http.RequestAborted);
        if (result.Accepted)
        {
            return Results.Ok();
        }
        SetRetryAfter(result, http.Response);
        // Pyroscope answers errors of this API in Connect's JSON error form.
        var code = ConnectError.CodeForHttpStatus(result.HttpStatus);
        return Results.Text(ConnectError.ToJson(code, result.Message ?? ""), ConnectError.ContentType, statusCode: result.HttpStatus);
    }

    /// <summary>Pyroscope's push API over the Connect protocol (binary or JSON): each series carries raw pprof profiles.</summary>
    private static async Task<IResult> PushAsync(HttpContext http, IngestDoor door)
    {
        var result = await door.IngestAsync(RequestOf(http, IngestApi.Push, null), http.RequestAborted);
        if (result.Accepted)
        {
            _ = PushDecoder.TryGetCodec(http.Request.ContentType, out var codec);
            var (contentType, body) = PushDecoder.SuccessResponse(codec);
            return Results.Bytes(body, contentType);
        }
        if (result.Reason == RejectReason.UnsupportedMediaType)
        {
            // Connect: an unsupported Content-Type is a bare HTTP 415 naming what is accepted.
            http.Response.Headers["Accept-Post"] = PushDecoder.AcceptPost;
            return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
        }
        SetRetryAfter(result, http.Response);
        // Connect errors are always JSON, whatever the request's codec; clients read the code from the body.
        return Results.Text(ConnectError.ToJson(ConnectError.CodeFor(result.Reason!.Value), result.Message ?? ""), ConnectError.ContentType, statusCode: result.HttpStatus);
    }

    /// <summary>OpenTelemetry profiles over OTLP/HTTP, protobuf or JSON, with partial success.</summary>
    private static async Task<IResult> OtlpAsync(HttpContext http, IngestDoor door)
    {
        if (!OtlpProfilesDecoder.TryGetEncoding(http.Request.ContentType, out var encoding))
        {
            encoding = OtlpEncoding.Protobuf;
        }
        var result = await door.IngestAsync(RequestOf(http, IngestApi.Otlp, null), http.RequestAborted);
        if (result.Accepted)
        {
            var partial = result.DroppedProfiles > 0 ? new OtlpPartialSuccess(result.DroppedProfiles, result.DroppedMessage ?? "") : null;
            return Results.Bytes(OtlpProfilesResponse.Encode(partial, encoding), OtlpProfilesResponse.ContentType(encoding));
        }
        SetRetryAfter(result, http.Response);
        http.Response.StatusCode = result.HttpStatus;
        return Results.Bytes(OtlpProfilesResponse.EncodeError(result.Message ?? "", encoding), OtlpProfilesResponse.ContentType(encoding));
    }

    private static IngestRequest RequestOf(HttpContext http, IngestApi api, IReadOnlyDictionary<string, string>? query)
    {
        var request = http.Request;
        var headers = request.Headers;
        return new IngestRequest
        {
            Api = api,
            TenantHeader = headers[TenantAuthenticator.TenantHeader],
            Authorization = headers.Authorization,
            ContentType = request.ContentType,
            ContentEncoding = headers.ContentEncoding,
            ConnectProtocolVersion = headers[PushDecoder.ProtocolVersionHeader],
            Query = query ?? IngestRequest.NoQuery,
            BodyStream = request.Body,
            ContentLength = request.ContentLength,
        };
    }

    private static void SetRetryAfter(IngestResult result, HttpResponse response)
    {
        if (result.RetryAfter is { } retry)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
    }
}
