using System.Text;
using GrafanaProfiles.Collector.Rules;
using GrafanaProfiles.Collector.Rules.RemoteWrite;

namespace GrafanaProfiles.Collector.Telemetry;

/// <summary>
/// On <c>/metrics</c>: each recording rule's latest sealed value per series (a gauge named by the
/// rule, with its labels and the tenant label), and the rules' and remote write's own counters.
/// </summary>
public static class RuleMetrics
{
    public static void Register(MetricsRegistry registry, RuleEvaluator evaluator, RecordedValues values, RemoteWriteSender? sender)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(evaluator);
        ArgumentNullException.ThrowIfNull(values);
        registry.AddCollector(text =>
        {
            Write(text, "gp_rule_points_total", "Points recording rules wrote into metrics files (one per rule, series and step of a flush).", "counter", evaluator.PointsWritten);
            Write(text, "gp_rule_evaluation_seconds_total", "Time spent evaluating recording rules on the flushes' thread.", "counter", evaluator.EvaluationTime.TotalSeconds);
            Write(text, "gp_rule_evaluation_failures_total", "Partitions whose rule evaluation failed (their points were not written; see the log).", "counter", evaluator.Failures);
            Write(text, "gp_rule_late_points_total", "Points for a step already sealed: in the metrics files, not exported again.", "counter", values.LatePoints);
            Write(text, "gp_rule_series", "Recorded series followed for /metrics and remote write.", "gauge", values.SeriesCount);
            Write(text, "gp_rule_series_dropped_points_total", "Points of series beyond recording_rules.max_series (in the metrics files, not exported).", "counter", values.SeriesDropped);
            if (sender is not null)
            {
                MetricsRegistry.WriteHeader(text, "gp_remote_write_samples_total", "Recorded samples by outcome: sent, refused by the receiver, dropped for a full queue (remote_write.max_queue_samples).", "counter");
                MetricsRegistry.WriteSample(text, "gp_remote_write_samples_total", sender.SamplesSent, ("outcome", "sent"));
                MetricsRegistry.WriteSample(text, "gp_remote_write_samples_total", sender.SamplesFailed, ("outcome", "refused"));
                MetricsRegistry.WriteSample(text, "gp_remote_write_samples_total", sender.Queue.Dropped, ("outcome", "dropped"));
                Write(text, "gp_remote_write_queue_samples", "Samples waiting to be sent.", "gauge", sender.Queue.Count);
                Write(text, "gp_remote_write_requests_total", "Remote-write requests made (retries included).", "counter", sender.Requests);
                Write(text, "gp_remote_write_retries_total", "Remote-write requests that failed and are retried.", "counter", sender.Retries);
                Write(text, "gp_remote_write_last_success_timestamp_seconds", "When the receiver last accepted a request (Unix seconds; 0: never).", "gauge", sender.LastSuccessUnixMs / 1000.0);
            }
            values.WritePrometheus(text);
        });
    }

    private static void Write(StringBuilder text, string name, string help, string type, double value)
    {
        MetricsRegistry.WriteHeader(text, name, help, type);
        MetricsRegistry.WriteSample(text, name, value);
    }
}
