using System.Runtime.InteropServices;
using GrafanaProfiles.Store.Ingest;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace GrafanaProfiles.Collector.Ingest.Pyroscope;

/// <summary>
/// The <c>multipart/form-data</c> upload of the Go and Node.js SDKs: a <c>profile</c> part
/// (pprof), an optional <c>sample_type_config</c> part (JSON), and <c>prev_profile</c>, which only
/// clients too old to support send. See README.md, "pprof bodies".
/// </summary>
internal sealed record IngestForm(ReadOnlyMemory<byte> Profile, IReadOnlyDictionary<string, SampleTypeConfig?>? SampleTypeConfig)
{
    private const string ProfilePart = "profile";
    private const string PreviousProfilePart = "prev_profile";
    private const string SampleTypeConfigPart = "sample_type_config";

    public static IngestForm Read(string? contentType, ReadOnlyMemory<byte> body)
    {
        var boundary = Boundary(contentType);
        var parts = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        try
        {
            // The body is in memory, so every read completes synchronously.
            using var stream = MemoryMarshal.TryGetArray(body, out var segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(body.ToArray(), writable: false);
            var reader = new MultipartReader(boundary, stream);
            while (reader.ReadNextSectionAsync().GetAwaiter().GetResult() is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    throw Invalid("a part has no 'Content-Disposition: form-data' header");
                }
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                using var content = new MemoryStream();
                section.Body.CopyTo(content);
                // Like Go's multipart.Form, the first part of a name counts.
                parts.TryAdd(name, content.ToArray());
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new ProfileRejectedException(RejectReason.InvalidRequest, $"The multipart/form-data body is malformed: {e.Message}", e);
        }
        if (parts.TryGetValue(PreviousProfilePart, out var previous) && previous.Length > 0)
        {
            throw new ProfileRejectedException(
                RejectReason.UnsupportedFormat,
                "form part 'prev_profile': unsupported client version (it sends cumulative profiles with the previous one). Update github.com/grafana/pyroscope-go to the latest version.");
        }
        if (!parts.TryGetValue(ProfilePart, out var profile))
        {
            throw Invalid($"there is no '{ProfilePart}' part: send the pprof profile in a part named '{ProfilePart}' (parts found: {(parts.Count == 0 ? "none" : string.Join(", ", parts.Keys))})");
        }
        var config = parts.TryGetValue(SampleTypeConfigPart, out var json) && json.Length > 0
            ? Pyroscope.SampleTypeConfig.Parse(json.Span)
            : null;
        return new IngestForm(profile, config);
    }

    private static string Boundary(string? contentType)
    {
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            throw Invalid($"the Content-Type '{contentType}' is not a valid media type");
        }
        var boundary = HeaderUtilities.RemoveQuotes(media.Boundary).Value;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 70)
        {
            throw Invalid("the Content-Type has no valid boundary parameter (RFC 2046: 1 to 70 characters)");
        }
        return boundary;
    }

    private static ProfileRejectedException Invalid(string what) =>
        new(RejectReason.InvalidRequest, $"The multipart/form-data body is not a valid profile upload: {what}.");
}
