using System.Globalization;
using System.Text.Json;
using GrafanaProfiles.Backend.Settings;

namespace GrafanaProfiles.Backend.Queries;

/// <summary>
/// Reads query model JSON as leniently as Grafana writes it: numbers may arrive as strings, a list
/// as one comma-separated string, absent and null mean "not set". A value of the wrong kind fails
/// the query with a message naming the key and the value seen.
/// </summary>
internal static class QueryJson
{
    /// <summary>A string value (a number is taken as its text); null when absent, null or blank.</summary>
    public static string? String(JsonElement obj, string key)
    {
        if (!TryGet(obj, key, out var value))
        {
            return null;
        }
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => throw Invalid(key, value, "a string"),
        };
        return string.IsNullOrWhiteSpace(text) ? null : text.Trim();
    }

    /// <summary>A whole number, written as a JSON number or a numeric string; null when absent, null or empty.</summary>
    public static long? Integer(JsonElement obj, string key)
    {
        if (!TryGet(obj, key, out var value))
        {
            return null;
        }
        switch (value.ValueKind)
        {
            case JsonValueKind.Number when value.TryGetInt64(out var n):
                return n;
            case JsonValueKind.Number when value.TryGetDouble(out var d) && d == Math.Floor(d) && Math.Abs(d) < 9e18:
                return (long)d;
            case JsonValueKind.String:
                var text = value.GetString()!.Trim();
                if (text.Length == 0)
                {
                    return null;
                }
                if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
                {
                    return parsed;
                }
                break;
        }
        throw Invalid(key, value, "a whole number");
    }

    /// <summary>A list of non-empty strings: a JSON array, or one string split at commas; empty when absent.</summary>
    public static IReadOnlyList<string> StringList(JsonElement obj, string key)
    {
        if (!TryGet(obj, key, out var value))
        {
            return [];
        }
        if (value.ValueKind == JsonValueKind.String)
        {
            return [.. value.GetString()!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(key, value, "a list of strings");
        }
        var list = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            var text = item.ValueKind switch
            {
                JsonValueKind.String => item.GetString()!.Trim(),
                JsonValueKind.Number => item.GetRawText(),
                JsonValueKind.Null => "",
                _ => throw Invalid(key, value, "a list of strings"),
            };
            if (text.Length > 0)
            {
                list.Add(text);
            }
        }
        return list;
    }

    /// <summary>An instant: epoch milliseconds (number or numeric string) or an RFC 3339 timestamp; null when absent.</summary>
    public static DateTime? Instant(JsonElement obj, string key)
    {
        if (!TryGet(obj, key, out var value))
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var ms))
        {
            return FromEpochMilliseconds(key, value, ms);
        }
        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!.Trim();
            if (text.Length == 0)
            {
                return null;
            }
            if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out ms))
            {
                return FromEpochMilliseconds(key, value, ms);
            }
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
            {
                return instant.UtcDateTime;
            }
        }
        throw Invalid(key, value, "epoch milliseconds or an RFC 3339 time such as 2026-11-22T10:00:00Z");
    }

    /// <summary>A duration such as <c>1h</c>, <c>1d</c>, <c>30m</c> (a bare number is seconds); null when absent.</summary>
    public static TimeSpan? Duration(JsonElement obj, string key)
    {
        var text = String(obj, key);
        if (text is null)
        {
            return null;
        }
        if (!PluginSettings.TryParseDuration(text, out var duration))
        {
            throw QueryFailedException.BadRequest($"{key} '{text}' is not a duration; use a number with a unit such as 30m, 1h, 1d or 1w.");
        }
        return duration;
    }

    /// <summary>The object under <paramref name="key"/>; null when absent or null.</summary>
    public static JsonElement? Object(JsonElement obj, string key)
    {
        if (!TryGet(obj, key, out var value))
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.Object ? value : throw Invalid(key, value, "an object");
    }

    private static DateTime FromEpochMilliseconds(string key, JsonElement value, long ms)
    {
        // Year 1970 to 9999: anything else is not a time a dashboard can mean.
        if (ms < 0 || ms > 253_402_300_799_999)
        {
            throw Invalid(key, value, "epoch milliseconds between 1970 and 9999");
        }
        return DateTime.UnixEpoch.AddMilliseconds(ms);
    }

    private static bool TryGet(JsonElement obj, string key, out JsonElement value)
    {
        value = default;
        return obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null;
    }

    private static QueryFailedException Invalid(string key, JsonElement value, string expected)
    {
        var seen = value.GetRawText();
        if (seen.Length > 80)
        {
            seen = seen[..80] + "…";
        }
        return QueryFailedException.BadRequest($"{key} must be {expected}; got {seen}.");
    }
}
