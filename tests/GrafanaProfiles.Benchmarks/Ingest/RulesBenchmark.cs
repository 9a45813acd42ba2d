using System.Text;
using GrafanaProfiles.Benchmarks.Measurement;
using GrafanaProfiles.Collector.Rules;
using GrafanaProfiles.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrafanaProfiles.Benchmarks.Ingest;

/// <summary>
/// The ingest cost of recording rules: the concurrent ingest without rules and with ten (totals and
/// function filters, grouped by service, pod and version, one with a regex matcher), pass against
/// pass in the same run and alternating, so that the machine's drift hits both alike; the
/// evaluation's own time on the flush thread and the points it wrote are reported beside them.
/// </summary>
internal sealed class RulesBenchmark(IngestBenchmark ingest, Report report, int profiles, int producers, int pairs)
{
    private const string Cpu = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
    private const string Alloc = "memory:alloc_space:bytes:space:bytes";

    /// <summary>Ten rules of the kinds users write: a service's CPU and memory, by pod or version, and a few functions' total or self.</summary>
    public static string TenRules => $$"""
        { "recording_rules": { "rules": [
          { "metric_name": "cpu_by_service", "profile_type": "{{Cpu}}", "group_by": [ "service_name" ] },
          { "metric_name": "cpu_by_pod", "profile_type": "{{Cpu}}", "group_by": [ "service_name", "pod" ] },
          { "metric_name": "cpu_shop_by_version", "profile_type": "{{Cpu}}", "matchers": [ "{namespace=\"shop\"}" ], "group_by": [ "version" ] },
          { "metric_name": "alloc_by_service", "profile_type": "{{Alloc}}", "group_by": [ "service_name" ] },
          { "metric_name": "cpu_some_services", "profile_type": "{{Cpu}}", "matchers": [ "{service_name=~\".*[aeiou]r.*\"}" ], "group_by": [ "pod" ] },
          { "metric_name": "json_marshal_total", "profile_type": "{{Cpu}}", "group_by": [ "service_name" ], "function_name": "encoding/json.Marshal" },
          { "metric_name": "sql_query_total", "profile_type": "{{Cpu}}", "group_by": [ "service_name" ], "function_name": "database/sql.(*DB).QueryContext" },
          { "metric_name": "mallocgc_self", "profile_type": "{{Cpu}}", "group_by": [ "service_name", "pod" ], "function_name": "runtime.mallocgc", "function_value": "self" },
          { "metric_name": "gc_worker_total", "profile_type": "{{Cpu}}", "function_name": "runtime.gcBgMarkWorker" },
          { "metric_name": "json_alloc_total", "profile_type": "{{Alloc}}", "group_by": [ "service_name" ], "function_name": "encoding/json.Marshal" }
        ] } }
        """;

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    public static RecordingRuleSet Resolve(string json) =>
        RecordingRulesConfig.Resolve(RecordingRulesConfig.Bind(
            new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build().GetSection(RecordingRulesConfig.Section)));

    public async Task RunAsync(string work)
    {
        Report.Section($"Ingest with recording rules: {pairs} pairs of passes, without and with 10 rules, alternating");
        var rules = Resolve(TenRules);
        var without = new List<IngestRun>();
        var with = new List<IngestRun>();
        var evaluation = new List<double>();
        long points = 0;
        for (var pair = 0; pair < pairs; pair++)
        {
            // Alternate which goes first, so neither always follows the other's garbage.
            foreach (var withRules in pair % 2 == 0 ? new[] { false, true } : [true, false])
            {
                var dir = Path.Combine(work, $"rules-{pair}-{(withRules ? "with" : "without")}");
                using var evaluator = withRules ? new RuleEvaluator(rules, null, NullLogger.Instance) : null;
                var run = await ingest.IngestAsync(dir, producers, profiles, evaluator);
                (withRules ? with : without).Add(run);
                if (evaluator is not null)
                {
                    evaluation.Add(evaluator.EvaluationTime.TotalMicroseconds / run.Profiles);
                    points = evaluator.PointsWritten;
                    if (evaluator.Failures > 0)
                    {
                        throw new InvalidOperationException($"{evaluator.Failures} partitions failed to evaluate the rules.");
                    }
                }
                Console.WriteLine($"  pair {pair + 1}, {(withRules ? "10 rules" : "no rules")}: CPU per profile {run.CpuPerProfileUs:N0} µs, wall per profile {run.Wall.TotalMicroseconds / run.Profiles:N0} µs, " +
                    $"flush {run.Split.Flush.TotalMicroseconds / run.Profiles:N0} µs" + (withRules ? $", rule evaluation {evaluation[^1]:N1} µs" : ""));
                Directory.Delete(dir, recursive: true);
            }
        }
        var ratios = with.Zip(without, (w, o) => w.CpuPerProfileUs / o.CpuPerProfileUs).Order().ToList();
        var medianWith = Median(with.Select(r => r.CpuPerProfileUs));
        var medianWithout = Median(without.Select(r => r.CpuPerProfileUs));
        report.Add("Rules", $"Ingest, {producers} producers ({profiles:N0} profiles): CPU per profile, 10 rules against none (median of {pairs} pairs)",
            Timing.Us(medianWith), Timing.Us(medianWithout), medianWith / medianWithout);
        report.Add("Rules", "Each pair: CPU with rules / without", string.Join(", ", with.Zip(without, (w, o) => $"{Timing.Us(w.CpuPerProfileUs)} / {Timing.Us(o.CpuPerProfileUs)} = {w.CpuPerProfileUs / o.CpuPerProfileUs:0.000}×")));
        report.Add("Rules", "Rule evaluation on the flush thread, per profile (median; range)",
            $"{Median(evaluation):N1} µs ({evaluation.Min():N1}–{evaluation.Max():N1} µs)");
        report.Add("Rules", "Wall per profile with rules / without (median)",
            $"{Timing.Us(Median(with.Select(r => r.Wall.TotalMicroseconds / r.Profiles)))} / {Timing.Us(Median(without.Select(r => r.Wall.TotalMicroseconds / r.Profiles)))}");
        report.Add("Rules", "Points written by one pass with rules", $"{points:N0} ({(double)points / profiles:0.00} per profile)");
        report.Add("Rules", "Spread of the pair ratios", $"{ratios[0]:0.000}× – {ratios[^1]:0.000}×");
    }
}
