using System.Text.Json;
using Google.Protobuf;
using GrafanaProfiles.Schema.Pyroscope.Push.V1;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Write;
using Microsoft.Net.Http.Headers;

namespace GrafanaProfiles.Collector.Ingest.Push;

/// <summary>
/// Decodes Pyroscope's push API, <c>POST /push.v1.PusherService/Push</c> over the Connect
/// protocol (unary): a <c>push.v1.PushRequest</c> as binary protobuf or JSON, each raw profile a
/// pprof decoded with the store's decoder. No HTTP host here. See README.md in this folder.
/// </summary>
public static class PushDecoder
{
    public const string ProtoContentType = "application/proto";
    public const string JsonContentType = "application/json";

    /// <summary>The value of the <c>Accept-Post</c> header on a 415 answer (as connect-go sends it).</summary>
    public const string AcceptPost = "application/json, application/proto";

    /// <summary>The Connect protocol version header; when present it must be <c>1</c>.</summary>
    public const string ProtocolVersionHeader = "Connect-Protocol-Version";

    private static readonly JsonParser Json = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    /// <summary>
    /// The codec of a Content-Type: <c>application/proto</c>, or <c>application/json</c> with no
    /// charset or charset utf-8. False for anything else: answer 415 with <see cref="AcceptPost"/>
    /// before reading the body, as connect-go does.
    /// </summary>
    public static bool TryGetCodec(string? contentType, out PushCodec codec)
    {
        codec = PushCodec.Proto;
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            return false;
        }
        if (media.MediaType.Equals(ProtoContentType, StringComparison.OrdinalIgnoreCase) && media.Charset.Length == 0)
        {
            return true;
        }
        if (media.MediaType.Equals(JsonContentType, StringComparison.OrdinalIgnoreCase)
            && (media.Charset.Length == 0 || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)))
        {
            codec = PushCodec.Json;
            return true;
        }
        return false;
    }

    /// <summary>
    /// Checks the <c>Connect-Protocol-Version</c> header: absent (connect-go does not require it by
    /// default) or <c>1</c>; any other value is an invalid_argument.
    /// </summary>
    public static void CheckProtocolVersion(string? value)
    {
        if (!string.IsNullOrEmpty(value) && value != "1")
        {
            throw new ProfileRejectedException(RejectReason.InvalidRequest, $"{ProtocolVersionHeader} must be \"1\": got \"{value}\".");
        }
    }

    /// <summary>The body and Content-Type of a successful answer: an empty PushResponse (zero bytes in protobuf, <c>{}</c> in JSON).</summary>
    public static (string ContentType, byte[] Body) SuccessResponse(PushCodec codec) =>
        codec == PushCodec.Json ? (JsonContentType, "{}"u8.ToArray()) : (ProtoContentType, []);

    /// <summary>
    /// Decodes a request whose body has no Content-Encoding (the door's one Content-Encoding step
    /// has undone it). Throws <see cref="ProfileRejectedException"/> when the request as a whole is
    /// unusable (content type, malformed protobuf or JSON, size); a bad raw profile only lands in
    /// <see cref="PushDecodeResult.Rejected"/>.
    /// </summary>
    public static PushDecodeResult Decode(string contentType, ReadOnlyMemory<byte> body, IngestLimits limits, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(clock);
        if (!TryGetCodec(contentType, out var codec))
        {
            throw new ProfileRejectedException(
                RejectReason.UnsupportedFormat,
                $"Content-Type '{contentType}' is not a Connect unary codec this endpoint reads: use {ProtoContentType} or {JsonContentType}.");
        }
        if (body.Length > limits.MaxRequestBytes)
        {
            throw new ProfileRejectedException(RejectReason.DecompressedTooLarge,
                $"The request body is {body.Length} bytes, over the limit max_request_bytes={limits.MaxRequestBytes}. Send fewer or smaller profiles per request, or raise the limit.");
        }
        var request = codec == PushCodec.Json ? ParseJson(body.Span) : ParseProto(body.Span);
        var now = new FixedClock(clock.GetUtcNow());
        var profiles = new List<PushedProfile>();
        var rejected = new List<ProfileRejectedException>();
        for (var s = 0; s < request.Series.Count; s++)
        {
            DecodeSeries(request.Series[s], s, limits, now, profiles, rejected);
        }
        if (profiles.Count == 0 && rejected.Count == 0)
        {
            throw new ProfileRejectedException(RejectReason.InvalidRequest, "The push request has no profiles: send at least one series with a raw_profile sample.");
        }
        return new PushDecodeResult { Codec = codec, Profiles = profiles, Rejected = rejected };
    }

    private static PushRequest ParseProto(ReadOnlySpan<byte> body)
    {
        try
        {
            return PushRequest.Parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ProfileRejectedException(RejectReason.InvalidRequest, $"The body is not a valid push.v1.PushRequest in binary protobuf: {e.Message}", e);
        }
    }

    private static PushRequest ParseJson(ReadOnlySpan<byte> body)
    {
        string text;
        try
        {
            text = Base64Json.Normalize(body);
        }
        catch (JsonException e)
        {
            throw new ProfileRejectedException(RejectReason.InvalidRequest, $"The body is not valid JSON: {e.Message}", e);
        }
        try
        {
            return Json.Parse<PushRequest>(text);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            throw new ProfileRejectedException(RejectReason.InvalidRequest, $"The body is not a valid push.v1.PushRequest in JSON (protobuf JSON mapping): {e.Message}", e);
        }
    }

    private static void DecodeSeries(RawProfileSeries series, int index, IngestLimits limits, FixedClock now,
        List<PushedProfile> profiles, List<ProfileRejectedException> rejected)
    {
        SeriesLabels labels;
        try
        {
            labels = SeriesLabels.From(series, index);
        }
        catch (ProfileRejectedException e)
        {
            // The series' labels are wrong: each of its profiles is rejected for it.
            for (var i = 0; i < Math.Max(series.Samples.Count, 1); i++)
            {
                rejected.Add(e);
            }
            return;
        }
        var options = new PprofDecodeOptions
        {
            ServiceName = labels.ServiceName,
            Labels = labels.Labels,
            ProfileName = labels.ProfileName,
            Clock = now,
            Limits = limits,
        };
        ReadOnlyMemory<byte>? header = null;
        for (var i = 0; i < series.Samples.Count; i++)
        {
            var raw = series.Samples[i].RawProfile.Memory;
            try
            {
                profiles.Add(new PushedProfile
                {
                    Series = index,
                    Sample = i,
                    ProfileId = series.Samples[i].ID,
                    Batch = PprofDecoder.Decode(raw.Span, options),
                    WalKind = WalRecordKind.Pprof,
                    // The series' options, once: each raw profile is logged after them, as sent.
                    WalHeader = header ??= PprofWalCodec.EncodeHeader(options),
                    WalBody = raw,
                });
            }
            catch (ProfileRejectedException e)
            {
                rejected.Add(new ProfileRejectedException(e.Reason, $"series {index} ({labels.Describe()}) sample {i}: {e.Message}", e));
            }
        }
    }
}
