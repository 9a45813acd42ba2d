using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace GrafanaProfiles.Collector.Ingest;

/// <summary>The HTTP routes of the ingest APIs, each a thin mapping onto <see cref="IngestPipeline"/>.</summary>
public static class IngestEndpoints
{
    public static void Map(WebApplication app)
    {
        _ = app;
    }

    /// <summary>A plain-text answer in Pyroscope's manner: the message, with Retry-After on 429.</summary>
    internal static IResult PlainText(IngestOutcome outcome, HttpResponse response)
    {
        if (outcome.Accepted)
        {
            return Results.Ok();
        }
        if (outcome.RetryAfter is { } retry)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
        return Results.Text(outcome.Message + "\n", statusCode: outcome.StatusCode);
    }
}
