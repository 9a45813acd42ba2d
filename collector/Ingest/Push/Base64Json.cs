using System.Buffers;
using System.Text;
using System.Text.Json;

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
    public static string Normalize(ReadOnlySpan<byte> json)
    {
        var output = new ArrayBufferWriter<byte>(json.Length + 16);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true }))
        {
            var bytesField = false;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        writer.WriteStartObject();
                        break;
                    case JsonTokenType.EndObject:
                        writer.WriteEndObject();
                        break;
                    case JsonTokenType.StartArray:
                        writer.WriteStartArray();
                        break;
                    case JsonTokenType.EndArray:
                        writer.WriteEndArray();
                        break;
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        bytesField = name is "raw_profile" or "rawProfile";
                        writer.WritePropertyName(name);
                        continue;
                    case JsonTokenType.String:
                        var value = reader.GetString()!;
                        writer.WriteStringValue(bytesField ? StandardBase64(value) : value);
                        break;
                    case JsonTokenType.Number:
                        writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                        break;
                    case JsonTokenType.True:
                    case JsonTokenType.False:
                        writer.WriteBooleanValue(reader.GetBoolean());
                        break;
                    case JsonTokenType.Null:
                        writer.WriteNullValue();
                        break;
                    default:
                        break;
                }
                bytesField = false;
            }
        }
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

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
