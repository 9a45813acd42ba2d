using System.Collections.Concurrent;
using GrafanaProfiles.Collector.Ingest;
using GrafanaProfiles.Collector.Scrape;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;

namespace GrafanaProfiles.Collector.Tests.Scrape.Support;

/// <summary>
/// A sink that does what the host's does short of writing: decodes the profile with the options
/// it was given (so rejected profiles throw as they would in production), and keeps the result.
/// </summary>
internal sealed class CollectingSink : IScrapeSink
{
    public ConcurrentQueue<Received> Profiles { get; } = new();

    public Task AppendAsync(string tenant, byte[] pprof, string? contentEncoding, PprofDecodeOptions options, CancellationToken cancellationToken)
    {
        // The ingest door's one Content-Encoding step, then the decoder, as the host's sink runs them.
        using var body = ContentEncoding.Decode(contentEncoding, pprof, options.Limits);
        var batch = PprofDecoder.Decode(body.Body.Span, options);
        Profiles.Enqueue(new Received(tenant, pprof, options, batch));
        return Task.CompletedTask;
    }

    public int CountFor(string profileName, string instance) =>
        Profiles.Count(p => p.Options.ProfileName == profileName && p.Options.Labels.Get("instance") == instance);

    internal sealed record Received(string Tenant, byte[] Pprof, PprofDecodeOptions Options, ProfileBatch Batch);
}
