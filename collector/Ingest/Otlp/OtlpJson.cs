using System.Text;
using System.Text.Json;
using Google.Protobuf;
using GrafanaProfiles.Schema.Otlp.Collector.Profiles.V1Development;
using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest.Otlp;

/// <summary>
/// OTLP/JSON (the OTLP specification's "JSON Protobuf Encoding"): the protobuf JSON mapping with
/// lowerCamelCase keys, except that trace, span and profile ids are hexadecimal strings, not
/// base64; enums are integers; 64-bit integers may be numbers or strings; unknown fields are
/// ignored. Google.Protobuf's JSON parser does the mapping; this class only turns the id fields
/// (<c>traceId</c>, <c>spanId</c>, <c>profileId</c>) from hex to base64 on the way in, and back on
/// the way out, in one streaming pass over the UTF-8.
/// </summary>
internal static class OtlpJson
{
    /// <summary>Deeper than any OTLP request needs (nested attribute values included); bounds a hostile one.</summary>
    private const int MaxDepth = 128;

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true).WithRecursionLimit(MaxDepth));

    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default);

    public static ExportProfilesServiceRequest ParseRequest(ReadOnlySpan<byte> utf8)
    {
        if (utf8.StartsWith("\uFEFF"u8))
        {
            // A UTF-8 byte order mark, which JSON readers may ignore (RFC 8259, section 8.1).
            utf8 = utf8[3..];
        }
        string json;
        try
        {
            json = Encoding.UTF8.GetString(RewriteIds(utf8, HexToBase64));
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            // JsonException: not JSON, or text that is not valid Unicode; FormatException: an id that is not hex.
            throw Invalid(utf8.Length, e.Message, e);
        }
        try
        {
            return Parser.Parse<ExportProfilesServiceRequest>(json);
        }
        catch (Exception e) when (e is InvalidJsonException or InvalidProtocolBufferException or FormatException)
        {
            throw Invalid(utf8.Length, e.Message, e);
        }
    }

    /// <summary>A message in OTLP/JSON (ids as hex).</summary>
    public static string Format(IMessage message) =>
        Encoding.UTF8.GetString(RewriteIds(Encoding.UTF8.GetBytes(Formatter.Format(message)), Base64ToHex));

    private static ProfileRejectedException Invalid(int length, string detail, Exception inner) =>
        new(RejectReason.InvalidProfile, $"The body ({length} bytes) is not an OTLP/JSON ExportProfilesServiceRequest: {detail}", inner);

    /// <summary>The id field a property name names (lowerCamelCase, or the proto name the parser also accepts), else null.</summary>
    private static string? IdField(string name) => name switch
    {
        "traceId" or "trace_id" => "traceId",
        "spanId" or "span_id" => "spanId",
        "profileId" or "profile_id" => "profileId",
        _ => null,
    };

    /// <summary>
    /// Copies the JSON, passing the string value of each id field through <paramref name="convert"/>.
    /// Only the id fields of the OTLP schema have these names (attribute keys are values, not
    /// names), so no path needs tracking.
    /// </summary>
    private static byte[] RewriteIds(ReadOnlySpan<byte> utf8, Func<string, string, string> convert) =>
        JsonStringFields.Rewrite(utf8, MaxDepth, IdField, convert);

    private static string HexToBase64(string field, string hex)
    {
        try
        {
            return Convert.ToBase64String(Convert.FromHexString(hex));
        }
        catch (FormatException e)
        {
            var shown = hex.Length <= 64 ? hex : hex[..64] + "…";
            throw new FormatException($"{field} is '{shown}': OTLP/JSON writes trace, span and profile ids as hexadecimal strings (an even number of 0-9a-f digits).", e);
        }
    }

    private static string Base64ToHex(string field, string base64) => Convert.ToHexStringLower(Convert.FromBase64String(base64));
}
