using System.Net;
using System.Net.Sockets;
using GrafanaProfiles.Store.Ingest;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace GrafanaProfiles.Collector.Scrape;

/// <summary>The target answered with a status other than 200.</summary>
internal sealed class ScrapeStatusException(HttpStatusCode status, string? reason, string bodyStart)
    : Exception($"HTTP {(int)status} {reason}{(bodyStart.Length > 0 ? ": " + bodyStart : "")}")
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>The response is larger than <c>body_size_limit</c>.</summary>
internal sealed class ScrapeBodyTooLargeException(long limit, long? declared)
    : Exception(declared is { } d
        ? $"the response declares {d} bytes, over body_size_limit={limit}; raise body_size_limit or make the target's profiles smaller"
        : $"the response is over body_size_limit={limit} bytes; raise body_size_limit or make the target's profiles smaller");

/// <summary>Which failures are worth retrying, and how to explain each one.</summary>
internal static class ScrapeFailures
{
    /// <summary>
    /// Transient: connection errors (refused, reset, dropped mid-body), attempt timeouts, 5xx, 408
    /// and 429. Not: other 4xx (a wrong path stays wrong), an oversized body, cancellation by
    /// shutdown, an open circuit.
    /// </summary>
    public static bool IsTransient(Exception? e) => e switch
    {
        ScrapeStatusException s => (int)s.Status >= 500 || s.Status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests,
        TimeoutRejectedException => true,
        HttpRequestException => true,
        IOException => true,
        _ => false,
    };

    /// <param name="circuitOpenedBy">For an open circuit: the failure that opened it.</param>
    public static string Describe(Exception e, ScrapeJob job, string? circuitOpenedBy = null) => e switch
    {
        TimeoutRejectedException => $"no complete answer within scrape_timeout={ScrapeConfig.Format(job.Timeout)}",
        IsolatedCircuitException => "skipped: the target's circuit is held open",
        BrokenCircuitException b => "skipped: the target's circuit is open after repeated failures"
            + (circuitOpenedBy is null ? "" : $" ({circuitOpenedBy})")
            + (b.RetryAfter is { } after ? $"; next trial in {after.TotalSeconds:0.#}s" : ""),
        HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } => "connection refused (is the target running and listening on this port?)",
        HttpRequestException h => $"request failed: {h.Message}{Inner(h)}",
        IOException io => $"connection failed while reading the response: {io.Message}{Inner(io)}",
        ProfileRejectedException r => $"the profile was rejected ({r.Reason}): {r.Message}",
        _ => e.Message,
    };

    private static string Inner(Exception e) => e.InnerException is { } inner ? $" ({inner.Message})" : "";
}
