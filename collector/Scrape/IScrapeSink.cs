using GrafanaProfiles.Store.Pprof;

namespace GrafanaProfiles.Collector.Scrape;

/// <summary>
/// Where scraped profiles go. The host implements it with the ingest door (<c>StoreScrapeSink</c>);
/// a <c>ProfileRejectedException</c> thrown here is recorded as the scrape's error (the target
/// served something the store does not accept, or a limit refused it) and does not count against
/// the target's circuit.
/// </summary>
public interface IScrapeSink
{
    /// <param name="tenant">The job's tenant.</param>
    /// <param name="pprof">The response body as served (gzipped or raw pprof); the sink may keep it.</param>
    /// <param name="contentEncoding">The response's Content-Encoding (null when none): undone by the sink, within its limit.</param>
    /// <param name="options">Service name, series labels (job, instance, target labels), profile name from the configuration key, and for delta profiles the window.</param>
    Task AppendAsync(string tenant, byte[] pprof, string? contentEncoding, PprofDecodeOptions options, CancellationToken cancellationToken);
}
