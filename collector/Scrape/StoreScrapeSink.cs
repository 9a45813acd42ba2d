using GrafanaProfiles.Collector.Hosting;
using GrafanaProfiles.Collector.Telemetry;
using GrafanaProfiles.Store.Pprof;

namespace GrafanaProfiles.Collector.Scrape;

/// <summary>Scraped profiles go into the store like pushed ones: decoded, logged, buffered, counted.</summary>
public sealed class StoreScrapeSink(StoreService store, CollectorMetrics metrics) : IScrapeSink
{
    public const string Api = "scrape";

    public async Task AppendAsync(string tenant, byte[] pprof, PprofDecodeOptions options, CancellationToken cancellationToken)
    {
        while (!store.IsReady)
        {
            if (store.Failure is { } failure)
            {
                throw new InvalidOperationException("The store could not be opened: " + failure.Message, failure);
            }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
        var batch = await PprofWalCodec.AppendAsync(store.Writer, tenant, pprof, options, cancellationToken).ConfigureAwait(false);
        metrics.Profiles.Inc(batch.Profiles.Count, tenant, Api);
        metrics.Samples.Inc(batch.SampleCount, tenant, Api);
        metrics.Bytes.Inc(pprof.Length, tenant, Api);
    }
}
