using System.Buffers;
using System.Text.Json;
using Google.Protobuf;
using GrafanaProfiles.Schema.Otlp.Collector.Profiles.V1Development;
using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest.Otlp;

/// <summary>
/// The bodies the OTLP/HTTP profiles endpoint answers with, in the request's encoding: an
/// <c>ExportProfilesServiceResponse</c> on success (with <c>partial_success</c> when some profiles
/// were rejected), a <c>google.rpc.Status</c> when the whole request is rejected.
/// </summary>
public static class OtlpProfilesResponse
{
    /// <summary>google.rpc.Code INVALID_ARGUMENT: the request is malformed and must not be retried as is.</summary>
    private const int InvalidArgument = 3;

    /// <summary>The <c>Content-Type</c> of a response body in <paramref name="encoding"/>.</summary>
    public static string ContentType(OtlpEncoding encoding) => encoding == OtlpEncoding.Json ? "application/json" : "application/x-protobuf";

    /// <summary>The response message: empty on full success, with <c>partial_success</c> otherwise.</summary>
    public static ExportProfilesServiceResponse Create(OtlpPartialSuccess? partialSuccess)
    {
        var response = new ExportProfilesServiceResponse();
        if (partialSuccess is not null)
        {
            response.PartialSuccess = new ExportProfilesPartialSuccess
            {
                RejectedProfiles = partialSuccess.RejectedProfiles,
                ErrorMessage = partialSuccess.ErrorMessage,
            };
        }
        return response;
    }

    /// <summary>The success (HTTP 200) body for a decoded request, in its encoding.</summary>
    public static byte[] Encode(OtlpDecodeResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Encode(result.PartialSuccess, result.Encoding);
    }

    /// <summary>The success (HTTP 200) body: binary protobuf, or OTLP/JSON (<c>{}</c> when nothing was rejected).</summary>
    public static byte[] Encode(OtlpPartialSuccess? partialSuccess, OtlpEncoding encoding)
    {
        var response = Create(partialSuccess);
        return encoding == OtlpEncoding.Json ? System.Text.Encoding.UTF8.GetBytes(OtlpJson.Format(response)) : response.ToByteArray();
    }

    /// <summary>
    /// The body for a rejected request (OTLP/HTTP: a <c>google.rpc.Status</c> with the message,
    /// code INVALID_ARGUMENT), in the request's encoding.
    /// </summary>
    public static byte[] EncodeError(string message, OtlpEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (encoding == OtlpEncoding.Json)
        {
            var json = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(json))
            {
                writer.WriteStartObject();
                writer.WriteNumber("code", InvalidArgument);
                writer.WriteString("message", message);
                writer.WriteEndObject();
            }
            return json.WrittenSpan.ToArray();
        }
        // google.rpc.Status: int32 code = 1; string message = 2; (details, field 3, left empty).
        var size = CodedOutputStream.ComputeTagSize(1) + CodedOutputStream.ComputeInt32Size(InvalidArgument)
            + CodedOutputStream.ComputeTagSize(2) + CodedOutputStream.ComputeStringSize(message);
        var bytes = new byte[size];
        var output = new CodedOutputStream(bytes);
        output.WriteTag(1, WireFormat.WireType.Varint);
        output.WriteInt32(InvalidArgument);
        output.WriteTag(2, WireFormat.WireType.LengthDelimited);
        output.WriteString(message);
        output.CheckNoSpaceLeft();
        return bytes;
    }
}
