using GrafanaProfiles.Store.Ingest;
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

    /// <summary>How many names of unread parts a message lists.</summary>
    private const int ListedParts = 8;

    /// <summary>Reads the form's parts where they lie in <paramref name="body"/>: the profile is a slice of it, not a copy.</summary>
    public static IngestForm Read(string? contentType, ReadOnlyMemory<byte> body)
    {
        var boundary = Boundary(contentType);
        ReadOnlyMemory<byte>? profile = null, previous = null, sampleTypeConfig = null;
        var others = new List<string>();
        MultipartForm.Read(body, boundary, (name, content) =>
        {
            // Like Go's multipart.Form, the first part of a name counts.
            switch (name)
            {
                case ProfilePart:
                    profile ??= content;
                    break;
                case PreviousProfilePart:
                    previous ??= content;
                    break;
                case SampleTypeConfigPart:
                    sampleTypeConfig ??= content;
                    break;
                default:
                    if (others.Count < ListedParts && !others.Contains(name, StringComparer.Ordinal))
                    {
                        others.Add(name);
                    }
                    break;
            }
        });
        if (previous is { Length: > 0 })
        {
            throw new ProfileRejectedException(
                RejectReason.UnsupportedFormat,
                "form part 'prev_profile': unsupported client version (it sends cumulative profiles with the previous one). Update github.com/grafana/pyroscope-go to the latest version.");
        }
        if (profile is not { } profileBytes)
        {
            var found = others.Concat(previous is null ? [] : [PreviousProfilePart]).Concat(sampleTypeConfig is null ? [] : [SampleTypeConfigPart]).ToList();
            throw Invalid($"there is no '{ProfilePart}' part: send the pprof profile in a part named '{ProfilePart}' (parts found: {(found.Count == 0 ? "none" : string.Join(", ", found))})");
        }
        var config = sampleTypeConfig is { Length: > 0 } json
            ? Pyroscope.SampleTypeConfig.Parse(json.Span)
            : null;
        return new IngestForm(profileBytes, config);
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
