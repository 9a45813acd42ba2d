using System.Text;
using GrafanaProfiles.Collector.Scrape;
using Microsoft.Extensions.Configuration;

namespace GrafanaProfiles.Collector.Tests.Scrape.Support;

/// <summary>Builds scrape configuration the way the host does: JSON → IConfiguration section → Bind → Resolve.</summary>
internal static class ScrapeTestConfig
{
    public static IConfiguration Section(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build().GetSection("scrape");

    public static IReadOnlyList<ScrapeJob> Jobs(string json) => ScrapeConfig.Resolve(ScrapeConfig.Bind(Section(json)));
}
