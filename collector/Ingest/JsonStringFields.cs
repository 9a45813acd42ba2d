using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace GrafanaProfiles.Collector.Ingest;

/// <summary>
/// Copies UTF-8 JSON token by token in one streaming pass, passing the string value of chosen
/// fields through a rewrite — for the places where a wire format's JSON differs from what
/// Google.Protobuf's parser reads (OTLP's hex ids, Connect's URL-safe or unpadded base64).
/// Throws <see cref="JsonException"/> for input that is not JSON.
/// </summary>
internal static class JsonStringFields
{
    /// <param name="select">Maps a property name to the key the rewrite receives, or null to copy its value as is.</param>
    /// <param name="rewrite">Gets the key and the string value, returns the value to write.</param>
    public static byte[] Rewrite(ReadOnlySpan<byte> utf8, int maxDepth, Func<string, string?> select, Func<string, string, string> rewrite)
    {
        try
        {
            return Copy(utf8, maxDepth, select, rewrite);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // The reader checks structure, not text: a string or property name of invalid UTF-8, or
            // an escape that decodes to a lone surrogate (\udfff), fails only when it is read or written.
            throw new JsonException($"The JSON holds text that is not valid Unicode (invalid UTF-8, or a lone surrogate escape such as \\udfff): {e.Message}", e);
        }
    }

    private static byte[] Copy(ReadOnlySpan<byte> utf8, int maxDepth, Func<string, string?> select, Func<string, string, string> rewrite)
    {
        var output = new ArrayBufferWriter<byte>(utf8.Length + 64);
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true }))
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = maxDepth });
            string? field = null;
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
                        field = select(name);
                        writer.WritePropertyName(name);
                        continue;
                    case JsonTokenType.String when field is not null:
                        writer.WriteStringValue(rewrite(field, reader.GetString()!));
                        break;
                    case JsonTokenType.String when reader.ValueIsEscaped:
                        writer.WriteStringValue(reader.GetString());
                        break;
                    case JsonTokenType.String:
                        writer.WriteStringValue(reader.ValueSpan);
                        break;
                    case JsonTokenType.Number:
                        writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                        break;
                    case JsonTokenType.True or JsonTokenType.False:
                        writer.WriteBooleanValue(reader.GetBoolean());
                        break;
                    case JsonTokenType.Null:
                        writer.WriteNullValue();
                        break;
                }
                field = null;
            }
        }
        return output.WrittenSpan.ToArray();
    }
}
