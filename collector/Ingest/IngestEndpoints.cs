using System.Globalization;
using GrafanaProfiles.Collector.Ingest.Otlp;
using GrafanaProfiles.Collector.Ingest.Push;
using GrafanaProfiles.Collector.Ingest.Pyroscope;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Write;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace GrafanaProfiles.Collector.Ingest;

/// <summary>The HTTP routes of the ingest APIs, each a thin mapping onto <see cref="IngestPipeline"/>.</summary>
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
    private static async Task<IResult> PyroscopeIngestAsync(HttpContext http, IngestPipeline pipeline)
    {
        var outcome = await pipeline.RunAsync(http, "pyroscope", request =>
        {
            var query = request.Query.ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
            var result = PyroscopeIngest.Decode(query, request.ContentType, request.Body, pipeline.Limits, pipeline.Clock);
            if (!result.HasProfiles)
            {
                // Accepted but nothing to keep (an empty body, or a per-request profile_id as Pyroscope ignores).
                return [];
            }
            return [new WalAppend(result.Batch, result.WalKind, result.WalPayload)];
        });
        if (outcome.Accepted)
        {
            return Results.Ok();
        }
        SetRetryAfter(outcome, http.Response);
        // Pyroscope answers errors of this API in Connect's JSON error form.
        var code = ConnectError.CodeForHttpStatus(outcome.StatusCode);
        return Results.Text(ConnectError.ToJson(code, outcome.Message ?? ""), "application/json", statusCode: outcome.StatusCode);
    }

    /// <summary>Pyroscope's push API over the Connect protocol (binary or JSON): each series carries raw pprof profiles.</summary>
    private static async Task<IResult> PushAsync(HttpContext http, IngestPipeline pipeline)
    {
        var codec = PushCodec.Proto;
        var outcome = await pipeline.RunAsync(http, "push", request =>
        {
            if (!PushDecoder.TryGetCodec(request.ContentType, out codec))
            {
                throw new IngestRejectedException(RejectionReason.UnsupportedMediaType,
                    $"Content-Type '{request.ContentType}' is not one the push API reads: use {PushDecoder.AcceptPost}.");
            }
            PushDecoder.CheckProtocolVersion(request.Headers["Connect-Protocol-Version"]);
            var result = PushDecoder.Decode(request.ContentType!, request.Body, pipeline.Limits, pipeline.Clock);
            if (result.Rejected.Count > 0)
            {
                request.ReportPartialRejection(Rejections.From(result.Rejected[0].Reason), result.Rejected.Count);
            }
            // All or nothing: one bad raw profile refuses the request, so a corrected retry never duplicates the good ones.
            if (result.Error is { } error)
            {
                throw error;
            }
            return result.Profiles.Where(p => p.HasProfiles).Select(p => new WalAppend(p.Batch, p.WalKind, p.WalPayload)).ToList();
        });
        if (outcome.Accepted)
        {
            var (contentType, body) = PushDecoder.SuccessResponse(codec);
            return Results.Bytes(body, contentType);
        }
        if (outcome.Reason == RejectionReason.UnsupportedMediaType)
        {
            // Connect: an unsupported Content-Type is a bare HTTP 415 naming what is accepted.
            http.Response.Headers["Accept-Post"] = PushDecoder.AcceptPost;
            return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
        }
        SetRetryAfter(outcome, http.Response);
        // Connect errors are always JSON, whatever the request's codec; the status follows the code.
        var code = ConnectCodeFor(outcome.Reason!.Value);
        return Results.Text(ConnectError.ToJson(code, outcome.Message ?? ""), "application/json", statusCode: ConnectError.HttpStatusFor(code));
    }

    /// <summary>OpenTelemetry profiles over OTLP/HTTP, protobuf or JSON, with partial success.</summary>
    private static async Task<IResult> OtlpAsync(HttpContext http, IngestPipeline pipeline)
    {
        OtlpDecodeResult? decoded = null;
        if (!OtlpProfilesDecoder.TryGetEncoding(http.Request.ContentType, out var encoding))
        {
            encoding = OtlpEncoding.Protobuf;
        }
        var outcome = await pipeline.RunAsync(http, "otlp", request =>
        {
            decoded = OtlpProfilesDecoder.Decode(request.ContentType ?? "", request.Body, pipeline.Limits, pipeline.Clock);
            foreach (var group in decoded.Rejected.GroupBy(r => r.Reason))
            {
                request.ReportPartialRejection(Rejections.From(group.Key), group.Count());
            }
            return decoded.Batch.Profiles.Count == 0
                ? []
                : [new WalAppend(decoded.Batch, ProfileWriter.BatchRecordKind, ProfileBatchCodec.Encode(decoded.Batch))];
        });
        if (outcome.Accepted)
        {
            return Results.Bytes(OtlpProfilesResponse.Encode(decoded!), OtlpProfilesResponse.ContentType(encoding));
        }
        SetRetryAfter(outcome, http.Response);
        http.Response.StatusCode = outcome.StatusCode;
        return Results.Bytes(OtlpProfilesResponse.EncodeError(outcome.Message ?? "", encoding), OtlpProfilesResponse.ContentType(encoding));
    }

    /// <summary>The Connect code of a refusal; its HTTP status follows from the code (Connect's table).</summary>
    internal static string ConnectCodeFor(RejectionReason reason) => reason switch
    {
        RejectionReason.Unauthorized => ConnectCode.Unauthenticated,
        RejectionReason.RateLimited or RejectionReason.SeriesLimit or RejectionReason.Overloaded or RejectionReason.BodyTooLarge => ConnectCode.ResourceExhausted,
        RejectionReason.UnsupportedFormat or RejectionReason.UnsupportedMediaType => ConnectCode.Unimplemented,
        RejectionReason.NotReady => ConnectCode.Unavailable,
        _ => ConnectCode.InvalidArgument,
    };

    private static void SetRetryAfter(IngestOutcome outcome, HttpResponse response)
    {
        if (outcome.RetryAfter is { } retry)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
    }
}
