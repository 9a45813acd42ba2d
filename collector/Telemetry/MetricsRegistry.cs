using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace GrafanaProfiles.Collector.Telemetry;

/// <summary>
/// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text
/// exposition format (version 0.0.4). Thread-safe; updates are lock-free on existing series.
/// </summary>
public sealed class MetricsRegistry
{
    private readonly ConcurrentDictionary<string, Metric> _metrics = new(StringComparer.Ordinal);
    private readonly List<Action<StringBuilder>> _collectors = [];

    public Counter Counter(string name, string help, params string[] labelNames) =>
        (Counter)_metrics.GetOrAdd(name, _ => new Counter(name, help, labelNames));

    public Gauge Gauge(string name, string help, params string[] labelNames) =>
        (Gauge)_metrics.GetOrAdd(name, _ => new Gauge(name, help, labelNames));

    public Histogram Histogram(string name, string help, double[] buckets, params string[] labelNames) =>
        (Histogram)_metrics.GetOrAdd(name, _ => new Histogram(name, help, buckets, labelNames));

    /// <summary>Adds a callback that writes metrics computed at scrape time (gauges read from other components).</summary>
    public void AddCollector(Action<StringBuilder> collector)
    {
        lock (_collectors)
        {
            _collectors.Add(collector);
        }
    }

    public string Render()
    {
        var text = new StringBuilder();
        foreach (var metric in _metrics.Values.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            metric.Render(text);
        }
        lock (_collectors)
        {
            foreach (var collect in _collectors)
            {
                collect(text);
            }
        }
        return text.ToString();
    }

    public static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Writes one sample line; for collectors.</summary>
    public static void WriteSample(StringBuilder text, string name, double value, params (string Name, string Value)[] labels)
    {
        text.Append(name);
        if (labels.Length > 0)
        {
            text.Append('{');
            for (var i = 0; i < labels.Length; i++)
            {
                if (i > 0)
                {
                    text.Append(',');
                }
                text.Append(labels[i].Name).Append("=\"").Append(Escape(labels[i].Value)).Append('"');
            }
            text.Append('}');
        }
        text.Append(' ').Append(Format(value)).Append('\n');
    }

    public static void WriteHeader(StringBuilder text, string name, string help, string type) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    internal static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    internal static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}

public abstract class Metric(string name, string help, string[] labelNames)
{
    public string Name { get; } = name;
    public string Help { get; } = help;
    protected string[] LabelNames { get; } = labelNames;

    internal abstract void Render(StringBuilder text);

    protected string Key(string[] values)
    {
        if (values.Length != LabelNames.Length)
        {
            throw new ArgumentException($"{Name} takes {LabelNames.Length} label values, got {values.Length}.");
        }
        return string.Join('\u0001', values);
    }

    protected (string, string)[] Labels(string key) =>
        LabelNames.Length == 0 ? [] : [.. LabelNames.Zip(key.Split('\u0001'))];
}

public sealed class Counter(string name, string help, string[] labelNames) : Metric(name, help, labelNames)
{
    private readonly ConcurrentDictionary<string, double[]> _values = new(StringComparer.Ordinal);

    public void Inc(double by = 1, params string[] labelValues)
    {
        var cell = _values.GetOrAdd(Key(labelValues), _ => new double[1]);
        double current, next;
        do
        {
            current = Volatile.Read(ref cell[0]);
            next = current + by;
        }
        while (Interlocked.CompareExchange(ref cell[0], next, current) != current);
    }

    public double Value(params string[] labelValues) => _values.TryGetValue(Key(labelValues), out var cell) ? Volatile.Read(ref cell[0]) : 0;

    internal override void Render(StringBuilder text)
    {
        MetricsRegistry.WriteHeader(text, Name, Help, "counter");
        foreach (var (key, cell) in _values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            MetricsRegistry.WriteSample(text, Name, Volatile.Read(ref cell[0]), Labels(key));
        }
    }
}

public sealed class Gauge(string name, string help, string[] labelNames) : Metric(name, help, labelNames)
{
    private readonly ConcurrentDictionary<string, double[]> _values = new(StringComparer.Ordinal);

    public void Set(double value, params string[] labelValues) => Volatile.Write(ref _values.GetOrAdd(Key(labelValues), _ => new double[1])[0], value);

    internal override void Render(StringBuilder text)
    {
        MetricsRegistry.WriteHeader(text, Name, Help, "gauge");
        foreach (var (key, cell) in _values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            MetricsRegistry.WriteSample(text, Name, Volatile.Read(ref cell[0]), Labels(key));
        }
    }
}

public sealed class Histogram(string name, string help, double[] buckets, string[] labelNames) : Metric(name, help, labelNames)
{
    private readonly ConcurrentDictionary<string, Cell> _cells = new(StringComparer.Ordinal);

    public void Observe(double value, params string[] labelValues)
    {
        var cell = _cells.GetOrAdd(Key(labelValues), _ => new Cell(buckets.Length));
        lock (cell)
        {
            for (var i = 0; i < buckets.Length; i++)
            {
                if (value <= buckets[i])
                {
                    cell.Counts[i]++;
                }
            }
            cell.Count++;
            cell.Sum += value;
        }
    }

    internal override void Render(StringBuilder text)
    {
        MetricsRegistry.WriteHeader(text, Name, Help, "histogram");
        foreach (var (key, cell) in _cells.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var labels = Labels(key);
            lock (cell)
            {
                for (var i = 0; i < buckets.Length; i++)
                {
                    MetricsRegistry.WriteSample(text, Name + "_bucket", cell.Counts[i], [.. labels, ("le", MetricsRegistry.Format(buckets[i]))]);
                }
                MetricsRegistry.WriteSample(text, Name + "_bucket", cell.Count, [.. labels, ("le", "+Inf")]);
                MetricsRegistry.WriteSample(text, Name + "_sum", cell.Sum, labels);
                MetricsRegistry.WriteSample(text, Name + "_count", cell.Count, labels);
            }
        }
    }

    private sealed class Cell(int buckets)
    {
        public long[] Counts { get; } = new long[buckets];
        public long Count { get; set; }
        public double Sum { get; set; }
    }
}
