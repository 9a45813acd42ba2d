namespace GrafanaProfiles.Collector.Tests.Scrape.Support;

/// <summary>
/// Runs alone, after the collector's other tests: the fault tests compare how many scrape loops
/// complete in the same period; on a 2-core machine other test classes running alongside would only
/// add noise.
/// </summary>
[CollectionDefinition(nameof(ScrapeLoopsRunAlone), DisableParallelization = true)]
public sealed class ScrapeLoopsRunAlone;
