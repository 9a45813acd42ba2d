using System.Text;
using GrafanaProfiles.Store.Ingest;
using Microsoft.Net.Http.Headers;

namespace GrafanaProfiles.Collector.Ingest.Pyroscope;

/// <summary>
/// A <c>multipart/form-data</c> body (RFC 7578, framed as RFC 2046 §5.1 says) read where it lies in
/// memory: each part's content is a slice of the body, never a copy. Parts are delimited by
/// <c>CRLF "--" boundary</c>; a delimiter line may end in spaces or tabs (transport padding) before
/// its CRLF, the first may begin the body or follow a preamble, the last is followed by <c>"--"</c>
/// and an ignored epilogue. Each part's headers end at an empty line and are bounded like ASP.NET
/// Core's MultipartReader bounds them (16 headers, 16 KiB).
/// </summary>
internal static class MultipartForm
{
    private const int MaxHeadersPerPart = 16;
    private const int MaxHeaderBytesPerPart = 16 * 1024;

    /// <summary>
    /// Calls <paramref name="part"/> with each part's form field name (from its
    /// <c>Content-Disposition: form-data; name="…"</c>) and content, in order. Throws
    /// <see cref="ProfileRejectedException"/> (<see cref="RejectReason.InvalidRequest"/>) for a
    /// body that is not a complete form with this boundary.
    /// </summary>
    public static void Read(ReadOnlyMemory<byte> body, string boundary, Action<string, ReadOnlyMemory<byte>> part)
    {
        var span = body.Span;
        var dashBoundary = Encoding.ASCII.GetBytes("--" + boundary);
        var delimiter = Encoding.ASCII.GetBytes("\r\n--" + boundary);
        // The first boundary: at the very start, or at the start of a line after a preamble.
        int position;
        if (span.StartsWith(dashBoundary))
        {
            position = dashBoundary.Length;
        }
        else
        {
            var found = span.IndexOf(delimiter);
            if (found < 0)
            {
                throw Invalid($"the boundary '{boundary}' of the Content-Type does not occur in the body");
            }
            position = found + delimiter.Length;
        }
        for (var index = 0; ; index++)
        {
            // After a delimiter: "--" closes the form; else padding, then CRLF, then a part.
            if (span[position..].StartsWith("--"u8))
            {
                return;
            }
            position = SkipPadding(span, position);
            if (!span[position..].StartsWith("\r\n"u8))
            {
                throw Invalid($"the boundary line before part {index} does not end in CRLF");
            }
            position += 2;
            var headersEnd = HeadersEnd(span, position, index);
            var name = FieldName(span[position..headersEnd], index);
            var contentStart = headersEnd + 2;
            var next = span[contentStart..].IndexOf(delimiter);
            if (next < 0)
            {
                throw Invalid($"the body ends inside part {index} ('{name}'): no boundary follows it");
            }
            part(name, body.Slice(contentStart, next));
            position = contentStart + next + delimiter.Length;
        }
    }

    private static int SkipPadding(ReadOnlySpan<byte> span, int position)
    {
        while (position < span.Length && span[position] is (byte)' ' or (byte)'\t')
        {
            position++;
        }
        return position;
    }

    /// <summary>The offset of the CRLF that ends the part's header block (the empty line); the headers are [start, returned).</summary>
    private static int HeadersEnd(ReadOnlySpan<byte> span, int start, int index)
    {
        if (span[start..].StartsWith("\r\n"u8))
        {
            return start; // no headers at all
        }
        var end = span[start..].IndexOf("\r\n\r\n"u8);
        if (end < 0 || end > MaxHeaderBytesPerPart)
        {
            throw Invalid(end < 0
                ? $"the headers of part {index} do not end (no empty line)"
                : $"the headers of part {index} are over {MaxHeaderBytesPerPart} bytes");
        }
        return start + end + 2;
    }

    /// <summary>The form field name from a part's headers (CRLF-separated lines).</summary>
    private static string FieldName(ReadOnlySpan<byte> headers, int index)
    {
        var count = 0;
        while (!headers.IsEmpty)
        {
            var lineEnd = headers.IndexOf("\r\n"u8);
            var line = lineEnd < 0 ? headers : headers[..lineEnd];
            headers = lineEnd < 0 ? [] : headers[(lineEnd + 2)..];
            if (++count > MaxHeadersPerPart)
            {
                throw Invalid($"part {index} has more than {MaxHeadersPerPart} headers");
            }
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                throw Invalid($"a header line of part {index} has no name");
            }
            if (!Ascii.EqualsIgnoreCase(line[..colon].TrimEnd((byte)' '), "Content-Disposition"u8))
            {
                continue;
            }
            var value = Encoding.Latin1.GetString(line[(colon + 1)..]).Trim();
            if (!ContentDispositionHeaderValue.TryParse(value, out var disposition)
                || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid($"part {index} has no 'Content-Disposition: form-data' header");
            }
            return HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
        }
        throw Invalid($"part {index} has no 'Content-Disposition: form-data' header");
    }

    private static ProfileRejectedException Invalid(string what) =>
        new(RejectReason.InvalidRequest, $"The multipart/form-data body is malformed: {what}.");
}
