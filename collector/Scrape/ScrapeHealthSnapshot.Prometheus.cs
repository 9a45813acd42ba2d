using System.Globalization;
using System.Text;

namespace GrafanaProfiles.Collector.Scrape;

public sealed partial record ScrapeHealthSnapshot
{
    /// <summary>
    /// Appends the snapshot in the Prometheus text format (version 0.0.4): per profile
    /// <c>gp_scrape_up</c>, <c>gp_scrape_duration_seconds</c>, <c>gp_scrape_last_timestamp_seconds</c>,
    /// <c>gp_scrape_consecutive_failures</c>, <c>gp_scrapes_total</c>, <c>gp_scrape_failures_total</c>,
    /// <c>gp_scrape_skipped_total</c>; per target <c>gp_scrape_circuit_state{state}</c> (1 for the current state).
    /// </summary>
    public void WritePrometheus(StringBuilder text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rows = Targets.SelectMany(t => t.Profiles.Select(p => (Target: t, Profile: p))).ToList();
        Family(text, "gp_scrape_up", "1 if the last scrape of the profile succeeded, 0 if it failed (absent before the first scrape).", "gauge",
            rows.Where(r => r.Profile.State != ScrapeState.Unknown).Select(r => (Labels(r.Target, r.Profile), r.Profile.State == ScrapeState.Up ? 1d : 0d)));
        Family(text, "gp_scrape_duration_seconds", "Duration of the last scrape, retries included.", "gauge",
            rows.Where(r => r.Profile.LastDuration is not null).Select(r => (Labels(r.Target, r.Profile), r.Profile.LastDuration!.Value.TotalSeconds)));
        Family(text, "gp_scrape_last_timestamp_seconds", "Unix time the last scrape started.", "gauge",
            rows.Where(r => r.Profile.LastScrape is not null).Select(r => (Labels(r.Target, r.Profile), r.Profile.LastScrape!.Value.ToUnixTimeMilliseconds() / 1000d)));
        Family(text, "gp_scrape_consecutive_failures", "Failed scrapes since the last success.", "gauge",
            rows.Select(r => (Labels(r.Target, r.Profile), (double)r.Profile.ConsecutiveFailures)));
        Family(text, "gp_scrapes_total", "Scrapes, successful or not.", "counter",
            rows.Select(r => (Labels(r.Target, r.Profile), (double)r.Profile.Scrapes)));
        Family(text, "gp_scrape_failures_total", "Failed scrapes, skipped ones included.", "counter",
            rows.Select(r => (Labels(r.Target, r.Profile), (double)r.Profile.Failures)));
        Family(text, "gp_scrape_skipped_total", "Scrapes skipped because the target's circuit was open.", "counter",
            rows.Select(r => (Labels(r.Target, r.Profile), (double)r.Profile.Skipped)));
        Family(text, "gp_scrape_circuit_state", "The target's circuit breaker state: 1 for the current state.", "gauge",
            Targets.SelectMany(t => Enum.GetValues<TargetCircuitState>().Select(s =>
                ($"job=\"{Escape(t.Job)}\",instance=\"{Escape(t.Instance)}\",state=\"{StateName(s)}\"", t.Circuit == s ? 1d : 0d))));
    }

    private static string Labels(TargetHealth t, ProfileScrapeHealth p) =>
        $"job=\"{Escape(t.Job)}\",instance=\"{Escape(t.Instance)}\",profile=\"{Escape(p.Profile)}\"";

    private static string StateName(TargetCircuitState s) => s switch
    {
        TargetCircuitState.Closed => "closed",
        TargetCircuitState.Open => "open",
        TargetCircuitState.HalfOpen => "half_open",
        _ => "isolated",
    };

    private static void Family(StringBuilder text, string name, string help, string type, IEnumerable<(string Labels, double Value)> samples)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        foreach (var (labels, value) in samples)
        {
            text.Append(name).Append('{').Append(labels).Append("} ").Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
