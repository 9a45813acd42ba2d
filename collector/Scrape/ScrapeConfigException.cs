namespace GrafanaProfiles.Collector.Scrape;

/// <summary>
/// The scrape configuration is invalid. <see cref="Errors"/> lists every problem found, each
/// starting with the setting's path (e.g. <c>scrape.scrape_configs[0].scrape_timeout</c>).
/// </summary>
public sealed class ScrapeConfigException : Exception
{
    public ScrapeConfigException(IReadOnlyList<string> errors)
        : base("The scrape configuration is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e))) =>
        Errors = errors;

    public ScrapeConfigException() : this(["(no details)"]) { }

    public ScrapeConfigException(string message) : base(message) => Errors = [message];

    public ScrapeConfigException(string message, Exception inner) : base(message, inner) => Errors = [message];

    public IReadOnlyList<string> Errors { get; }
}
