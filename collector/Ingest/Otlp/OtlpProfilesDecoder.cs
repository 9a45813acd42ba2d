using System.Text;
using Google.Protobuf;
using GrafanaProfiles.Schema.Otlp.Collector.Profiles.V1Development;
using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest.Otlp;

/// <summary>
/// Decodes an OTLP profiles export request (<c>POST /v1development/profiles</c>) into the store's
/// model. Profiles are converted one by one: an invalid one is left out and reported (OTLP's
/// partial success) while the others are kept. See README.md in this folder for the mapping.
/// </summary>
public static class OtlpProfilesDecoder
{
    /// <summary>How many rejection messages a partial success or an error quotes.</summary>
    private const int QuotedRejections = 5;

    /// <summary>
    /// Decodes <paramref name="body"/>, an <c>ExportProfilesServiceRequest</c> in the encoding its
    /// <paramref name="contentType"/> names. The caller has already bounded the body's size and
    /// undone any <c>Content-Encoding</c>.
    /// </summary>
    /// <exception cref="ProfileRejectedException">
    /// The whole request is rejected: <see cref="RejectReason.UnsupportedMediaType"/> (HTTP 415) for
    /// a content type other than <c>application/x-protobuf</c>, <c>application/protobuf</c> or
    /// <c>application/json</c>; <see cref="RejectReason.InvalidProfile"/> for a body that does not
    /// parse or a dictionary that breaks the format; and, when every profile of the request was
    /// rejected, the reason of the first one, with the messages of the first few.
    /// </exception>
    public static OtlpDecodeResult Decode(string contentType, ReadOnlyMemory<byte> body, IngestLimits limits, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(clock);
        if (!TryGetEncoding(contentType, out var encoding))
        {
            throw new ProfileRejectedException(
                RejectReason.UnsupportedMediaType,
                $"The content type '{contentType}' is not supported for OTLP profiles: send a binary ExportProfilesServiceRequest as application/x-protobuf (or application/protobuf), or OTLP/JSON as application/json.");
        }
        var request = encoding == OtlpEncoding.Json ? OtlpJson.ParseRequest(body.Span) : ParseProtobuf(body.Span);
        var converter = new OtlpConverter(request, limits, clock);
        var (batch, accepted, rejected) = converter.Convert();
        if (accepted == 0 && rejected.Count > 0)
        {
            throw new ProfileRejectedException(rejected[0].Reason, Summarize(rejected, rejected.Count));
        }
        return new OtlpDecodeResult(batch, encoding, accepted, rejected);
    }

    /// <summary>
    /// The encoding a <c>Content-Type</c> header names: its media type, compared without case,
    /// with parameters such as <c>charset=utf-8</c> ignored.
    /// </summary>
    public static bool TryGetEncoding(string? contentType, out OtlpEncoding encoding)
    {
        var mediaType = contentType.AsSpan();
        var semicolon = mediaType.IndexOf(';');
        if (semicolon >= 0)
        {
            mediaType = mediaType[..semicolon];
        }
        mediaType = mediaType.Trim();
        if (mediaType.Equals("application/x-protobuf", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/protobuf", StringComparison.OrdinalIgnoreCase))
        {
            encoding = OtlpEncoding.Protobuf;
            return true;
        }
        if (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            encoding = OtlpEncoding.Json;
            return true;
        }
        encoding = default;
        return false;
    }

    private static ExportProfilesServiceRequest ParseProtobuf(ReadOnlySpan<byte> body)
    {
        try
        {
            return ExportProfilesServiceRequest.Parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ProfileRejectedException(
                RejectReason.InvalidProfile,
                $"The body ({body.Length} bytes) is not a binary OTLP ExportProfilesServiceRequest: {e.Message}",
                e);
        }
    }

    /// <summary>"2 of 5 profiles were rejected: path: message; path: message; …".</summary>
    internal static string Summarize(IReadOnlyList<OtlpRejectedProfile> rejected, int total)
    {
        var text = new StringBuilder();
        text.Append(
            rejected.Count < total ? $"{rejected.Count} of {total} profiles were rejected: "
            : total == 1 ? "The request's only profile was rejected: "
            : $"All {total} profiles of the request were rejected: ");
        for (var i = 0; i < rejected.Count && i < QuotedRejections; i++)
        {
            text.Append(i == 0 ? "" : "; ").Append(rejected[i].Path).Append(": ").Append(rejected[i].Message);
        }
        if (rejected.Count > QuotedRejections)
        {
            text.Append($"; and {rejected.Count - QuotedRejections} more.");
        }
        return text.ToString();
    }
}
