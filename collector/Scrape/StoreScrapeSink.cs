using GrafanaProfiles.Collector.Hosting;
using GrafanaProfiles.Collector.Ingest;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Pprof;

namespace GrafanaProfiles.Collector.Scrape;

/// <summary>
/// Scraped profiles go through the same door as pushed ones (<see cref="IngestDoor"/>): rate,
/// decode, series limit, log and buffer, every refusal counted by reason; a refusal comes back as
/// the <see cref="ProfileRejectedException"/> the scrape records as its error.
/// </summary>
public sealed class StoreScrapeSink(StoreService store, IngestDoor door) : IScrapeSink
{
    public async Task AppendAsync(string tenant, byte[] pprof, string? contentEncoding, PprofDecodeOptions options, CancellationToken cancellationToken)
    {
        // While the store replays its log, a scrape waits for it instead of losing its tick.
        while (!store.IsReady && store.Failure is null)
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
        var result = await door.IngestAsync(IngestRequest.Scraped(tenant, pprof, contentEncoding, options), cancellationToken).ConfigureAwait(false);
        if (!result.Accepted)
        {
            throw new ProfileRejectedException(result.Reason!.Value, result.Message ?? "") { RetryAfter = result.RetryAfter };
        }
    }
}
