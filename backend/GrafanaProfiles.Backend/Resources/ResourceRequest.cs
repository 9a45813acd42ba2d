using System.Globalization;
using System.Text.Json;
using GrafanaProfiles.Backend.Queries;
using Microsoft.AspNetCore.WebUtilities;

namespace GrafanaProfiles.Backend.Resources;

/// <summary>A resource call as the handlers see it: path, method, query-string parameters, body.</summary>
public sealed class ResourceRequest
{
    private readonly Dictionary<string, string> _query;

    public ResourceRequest(string path, string method, string url, ReadOnlyMemory<byte> body, DateTime now)
    {
        Path = path.Trim('/');
        Method = method.Length == 0 ? "GET" : method.ToUpperInvariant();
        Body = body;
        Now = now;
        int q = url.IndexOf('?', StringComparison.Ordinal);
        _query = q < 0
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : QueryHelpers.ParseQuery(url[q..]).ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
    }

    public string Path { get; }

    public string Method { get; }

    public ReadOnlyMemory<byte> Body { get; }

    public DateTime Now { get; }

    public string? Query(string name) => _query.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

    /// <summary>
    /// The time range from <c>from</c>/<c>to</c> (or Pyroscope's <c>start</c>/<c>end</c>): Unix milliseconds
    /// (or seconds when below 1e11), RFC 3339, or absent (the last <paramref name="fallback"/>).
    /// </summary>
    public (DateTime From, DateTime To) Range(TimeSpan fallback)
    {
        var to = Time("to") ?? Time("end") ?? Now;
        var from = Time("from") ?? Time("start") ?? to - fallback;
        if (to <= from)
        {
            throw QueryFailedException.BadRequest($"The time range is empty or reversed (from {from:O}, to {to:O}).");
        }
        return (from, to);
    }

    public int Int(string name, int fallback, int max)
    {
        if (Query(name) is not { } text)
        {
            return fallback;
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
        {
            throw QueryFailedException.BadRequest($"Parameter '{name}' must be a positive whole number; got '{text}'.");
        }
        if (value > max)
        {
            throw QueryFailedException.BadRequest($"Parameter '{name}' is {value}, above its limit of {max}.");
        }
        return value;
    }

    private DateTime? Time(string name)
    {
        if (Query(name) is not { } text)
        {
            return null;
        }
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            return number < 100_000_000_000 ? DateTime.UnixEpoch.AddSeconds(number) : DateTime.UnixEpoch.AddMilliseconds(number);
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
        {
            return instant.UtcDateTime;
        }
        throw QueryFailedException.BadRequest($"Parameter '{name}' must be Unix milliseconds or an RFC 3339 time; got '{text}'.");
    }

    /// <summary>The JSON body as an element (empty body: an empty object).</summary>
    public JsonElement JsonBody()
    {
        if (Body.IsEmpty)
        {
            return JsonDocument.Parse("{}").RootElement.Clone();
        }
        try
        {
            using var document = JsonDocument.Parse(Body);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw QueryFailedException.BadRequest("The request body is not valid JSON: " + e.Message);
        }
    }
}

/// <summary>A resource answer: status, content type, extra headers and the body.</summary>
public sealed record ResourceResponse(int Code, string ContentType, ReadOnlyMemory<byte> Body, IReadOnlyDictionary<string, string>? Headers = null)
{
    public static ResourceResponse Json<T>(T value, int code = 200) =>
        new(code, "application/json", JsonSerializer.SerializeToUtf8Bytes(value, JsonOptions));

    public static ResourceResponse Error(int code, string message) => Json(new { message }, code);

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}
