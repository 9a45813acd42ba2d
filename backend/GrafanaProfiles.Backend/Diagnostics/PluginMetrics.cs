using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace GrafanaProfiles.Backend.Diagnostics;

/// <summary>
/// The plugin's own metrics, served to Grafana through <c>CollectMetrics</c> in the Prometheus text
/// format (Grafana exposes them at <c>/metrics/plugins/&lt;id&gt;</c>).
/// </summary>
public sealed class PluginMetrics
{
    private static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly ConcurrentDictionary<(string Type, int Status), long> _queries = new();
    private readonly ConcurrentDictionary<string, Histogram> _durations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Path, int Code), long> _resources = new();
    private long _frameBytes;

    /// <summary>Counts one finished query of <paramref name="type"/> with its status and duration.</summary>
    public void Query(string type, int status, TimeSpan duration, long frameBytes)
    {
        _queries.AddOrUpdate((type, status), 1, (_, n) => n + 1);
        _durations.GetOrAdd(type, _ => new Histogram()).Observe(duration.TotalSeconds);
        Interlocked.Add(ref _frameBytes, frameBytes);
    }

    public void Resource(string path, int code) => _resources.AddOrUpdate((path, code), 1, (_, n) => n + 1);

    public string Render(int instances)
    {
        var text = new StringBuilder();
        text.Append("# HELP grafana_profiles_plugin_queries_total Queries answered, by query type and status.\n");
        text.Append("# TYPE grafana_profiles_plugin_queries_total counter\n");
        foreach (var ((type, status), n) in _queries.OrderBy(p => p.Key.Type, StringComparer.Ordinal).ThenBy(p => p.Key.Status))
        {
            text.Append(CultureInfo.InvariantCulture, $"grafana_profiles_plugin_queries_total{{type=\"{type}\",status=\"{status}\"}} {n}\n");
        }
        text.Append("# HELP grafana_profiles_plugin_query_duration_seconds Time to answer one query, frames encoded.\n");
        text.Append("# TYPE grafana_profiles_plugin_query_duration_seconds histogram\n");
        foreach (var (type, histogram) in _durations.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            histogram.Render(text, "grafana_profiles_plugin_query_duration_seconds", $"type=\"{type}\"");
        }
        text.Append("# HELP grafana_profiles_plugin_frame_bytes_total Bytes of Arrow frames sent.\n");
        text.Append("# TYPE grafana_profiles_plugin_frame_bytes_total counter\n");
        text.Append(CultureInfo.InvariantCulture, $"grafana_profiles_plugin_frame_bytes_total {Interlocked.Read(ref _frameBytes)}\n");
        text.Append("# HELP grafana_profiles_plugin_resource_calls_total Resource calls, by path and HTTP status.\n");
        text.Append("# TYPE grafana_profiles_plugin_resource_calls_total counter\n");
        foreach (var ((path, code), n) in _resources.OrderBy(p => p.Key.Path, StringComparer.Ordinal).ThenBy(p => p.Key.Code))
        {
            text.Append(CultureInfo.InvariantCulture, $"grafana_profiles_plugin_resource_calls_total{{path=\"{path}\",code=\"{code}\"}} {n}\n");
        }
        text.Append("# HELP grafana_profiles_plugin_datasource_instances Data sources with an open store reader.\n");
        text.Append("# TYPE grafana_profiles_plugin_datasource_instances gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"grafana_profiles_plugin_datasource_instances {instances}\n");
        using var process = Process.GetCurrentProcess();
        text.Append("# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"process_resident_memory_bytes {process.WorkingSet64}\n");
        text.Append("# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n# TYPE process_cpu_seconds_total counter\n");
        text.Append(CultureInfo.InvariantCulture, $"process_cpu_seconds_total {process.TotalProcessorTime.TotalSeconds:0.###}\n");
        text.Append("# HELP dotnet_gc_heap_bytes Bytes in the managed heap.\n# TYPE dotnet_gc_heap_bytes gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"dotnet_gc_heap_bytes {GC.GetTotalMemory(false)}\n");
        return text.ToString();
    }

    private sealed class Histogram
    {
        private readonly long[] _counts = new long[Buckets.Length];
        private readonly Lock _gate = new();
        private long _count;
        private double _sum;

        public void Observe(double seconds)
        {
            lock (_gate)
            {
                for (int i = 0; i < Buckets.Length; i++)
                {
                    if (seconds <= Buckets[i])
                    {
                        _counts[i]++;
                    }
                }
                _count++;
                _sum += seconds;
            }
        }

        public void Render(StringBuilder text, string name, string labels)
        {
            lock (_gate)
            {
                for (int i = 0; i < Buckets.Length; i++)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{labels},le=\"{Buckets[i]}\"}} {_counts[i]}\n");
                }
                text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{labels},le=\"+Inf\"}} {_count}\n");
                text.Append(CultureInfo.InvariantCulture, $"{name}_sum{{{labels}}} {_sum:0.######}\n");
                text.Append(CultureInfo.InvariantCulture, $"{name}_count{{{labels}}} {_count}\n");
            }
        }
    }
}
