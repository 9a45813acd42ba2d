using GrafanaProfiles.Store.Pprof;

namespace GrafanaProfiles.Collector.Ingest;

/// <summary>The APIs that write through the door, each with its decoder.</summary>
public enum IngestApi
{
    /// <summary>Pyroscope's <c>POST /ingest</c> (every Pyroscope SDK and agent).</summary>
    Pyroscope,
    /// <summary>Pyroscope's Connect push API, <c>push.v1.PusherService/Push</c>.</summary>
    Push,
    /// <summary>OpenTelemetry profiles over OTLP/HTTP.</summary>
    Otlp,
    /// <summary>A pprof profile the collector scraped from a target.</summary>
    Scrape,
}

/// <summary>
/// One request at the door: bytes and the few headers the APIs read, no host types. HTTP APIs give
/// the tenant header and credentials; a scrape gives its job's tenant (the collector's own
/// configuration, trusted) and the decode options its job resolved.
/// </summary>
public sealed class IngestRequest
{
    /// <summary>No query parameters.</summary>
    public static IReadOnlyDictionary<string, string> NoQuery { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public required IngestApi Api { get; init; }

    /// <summary><c>X-Scope-OrgID</c> as sent; null or blank means the default tenant.</summary>
    public string? TenantHeader { get; init; }

    /// <summary>The <c>Authorization</c> header as sent.</summary>
    public string? Authorization { get; init; }

    /// <summary>A tenant given by the collector itself (a scrape job's): not authenticated, only checked to be a valid name.</summary>
    public string? TrustedTenant { get; init; }

    public string? ContentType { get; init; }

    /// <summary><c>Content-Encoding</c> as sent: identity (or none) and gzip are read.</summary>
    public string? ContentEncoding { get; init; }

    /// <summary><c>Connect-Protocol-Version</c> (the push API): absent or 1.</summary>
    public string? ConnectProtocolVersion { get; init; }

    /// <summary>Query parameters, one value each (Pyroscope's /ingest).</summary>
    public IReadOnlyDictionary<string, string> Query { get; init; } = NoQuery;

    /// <summary>The body, when it is in memory already.</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The body as a stream, read by the door once the tenant is known, within <c>max_body_bytes</c>.</summary>
    public Stream? BodyStream { get; init; }

    /// <summary>The declared length of <see cref="BodyStream"/> (Content-Length), if any: refused at once when over the limit.</summary>
    public long? ContentLength { get; init; }

    /// <summary>A scrape's decode options: service, labels, profile name and window.</summary>
    public PprofDecodeOptions? ScrapeOptions { get; init; }

    /// <summary>A scraped pprof body for <paramref name="tenant"/>, with the response's Content-Encoding (null when none).</summary>
    public static IngestRequest Scraped(string tenant, ReadOnlyMemory<byte> pprof, string? contentEncoding, PprofDecodeOptions options) =>
        new() { Api = IngestApi.Scrape, TrustedTenant = tenant, Body = pprof, ContentEncoding = contentEncoding, ScrapeOptions = options };
}
