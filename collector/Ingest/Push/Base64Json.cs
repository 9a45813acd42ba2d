using System.Text;

namespace GrafanaProfiles.Collector.Ingest.Push;

/// <summary>
/// The protobuf JSON mapping lets bytes fields be standard or URL-safe base64, with or without
/// padding (Go's protojson reads all four); Google.Protobuf's JsonParser reads only padded
/// standard base64. This rewrites the one bytes field of a PushRequest (<c>raw_profile</c> /
/// <c>rawProfile</c>) to that form and passes every other token through unchanged. It also
/// checks that the body is UTF-8 JSON (throws <see cref="JsonException"/>).
/// </summary>
internal static class Base64Json
{
    public static string Normalize(ReadOnlySpan<byte> json) =>
        Encoding.UTF8.GetString(JsonStringFields.Rewrite(json, 64,
            name => name is "raw_profile" or "rawProfile" ? name : null,
            (_, value) => StandardBase64(value)));

    private static string StandardBase64(string value)
    {
        if (value.Length % 4 == 0 && value.AsSpan().IndexOfAny('-', '_') < 0)
        {
            return value;
        }
        var standard = value.Replace('-', '+').Replace('_', '/');
        return standard.PadRight(standard.Length + ((4 - (standard.Length % 4)) % 4), '=');
    }
}
