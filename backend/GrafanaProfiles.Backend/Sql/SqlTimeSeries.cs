using GrafanaProfiles.Backend.Frames;
using GrafanaProfiles.Backend.Queries;

namespace GrafanaProfiles.Backend.Sql;

/// <summary>
/// The <c>time_series</c> format, as Grafana's SQL engines make it: a time column (named <c>time</c>,
/// else the first time-typed one), numeric columns as float64 values, string and bool columns as
/// labels. Long results are widened: rows sorted by time, one field per (value column, label set),
/// missing points null. The time field is named <c>Time</c>, as in those engines.
/// </summary>
internal static class SqlTimeSeries
{
    public const string TimeFieldName = "Time";

    public static IReadOnlyList<DataFrame> Build(SqlRun run)
    {
        var columns = run.Columns;
        var (rows, limited) = run.ReadAll();
        var meta = new FrameMeta
        {
            Type = "timeseries-wide",
            PreferredVisualisationType = "graph",
            ExecutedQueryString = run.ExecutedSql,
            Notices = limited ? [FrameMeta.RowLimitNotice(run.RowLimit)] : null,
        };
        var time = columns.FirstOrDefault(c => c.Kind == SqlColumnKind.Time && string.Equals(c.Name, "time", StringComparison.OrdinalIgnoreCase))
            ?? columns.FirstOrDefault(c => c.Kind == SqlColumnKind.Time)
            ?? throw QueryFailedException.BadRequest(
                $"The time_series format needs a time column, and the time column is missing; add $__timeGroupAlias(time, $__interval) (or a column named time). Columns: {run.DescribeColumns()}.");
        var values = columns.Where(c => c != time && c.IsNumeric).ToList();
        var labels = columns.Where(c => c != time && c.Kind is SqlColumnKind.String or SqlColumnKind.UBigIntText or SqlColumnKind.Bool).ToList();
        if (values.Count == 0)
        {
            throw QueryFailedException.BadRequest(
                $"The time_series format needs at least one numeric column for the values; got {run.DescribeColumns()}. Aggregate a value, e.g. sum(value) AS value.");
        }
        if (rows == 0)
        {
            return [new DataFrame("", run.Context.RefId, [], meta.ToJson())];
        }
        var times = time.Times;
        for (var r = 0; r < rows; r++)
        {
            if (times[r] is null)
            {
                throw QueryFailedException.BadRequest($"The time column '{time.Name}' is null in row {r + 1}; filter those rows out (WHERE {time.Name} IS NOT NULL).");
            }
        }
        var order = Enumerable.Range(0, rows).OrderBy(r => times[r]!.Value).ToArray();
        var timeIndex = new Dictionary<long, int>();
        var wideTimes = new List<long?>();
        foreach (var r in order)
        {
            var t = times[r]!.Value;
            if (!timeIndex.ContainsKey(t))
            {
                timeIndex[t] = wideTimes.Count;
                wideTimes.Add(t);
            }
        }

        // One series per (value column, label values), in the order first seen along time.
        var series = new Dictionary<SeriesKey, double?[]>();
        var seriesOrder = new List<SeriesKey>();
        foreach (var r in order)
        {
            var labelValues = labels.Select(l => l.LabelAt(r)).ToArray();
            for (var v = 0; v < values.Count; v++)
            {
                var key = new SeriesKey(v, labelValues);
                if (!series.TryGetValue(key, out var points))
                {
                    points = new double?[wideTimes.Count];
                    series[key] = points;
                    seriesOrder.Add(key);
                }
                // Two rows with the same time and labels: the later row wins, as in Grafana's long-to-wide.
                points[timeIndex[times[r]!.Value]] = values[v].NumberAt(r);
            }
        }

        var fields = new List<Field> { Field.Time(TimeFieldName, wideTimes) };
        // Grafana 7 compatibility of its SQL engines: time, value and a `metric` column name the series by the metric.
        var metricNames = columns.Count == 3 && labels.Count == 1 && string.Equals(labels[0].Name, "metric", StringComparison.Ordinal);
        foreach (var key in seriesOrder)
        {
            var name = metricNames ? key.Labels[0] : values[key.Value].Name;
            Dictionary<string, string>? fieldLabels = null;
            if (labels.Count > 0 && !metricNames)
            {
                fieldLabels = new Dictionary<string, string>(StringComparer.Ordinal);
                for (var i = 0; i < labels.Count; i++)
                {
                    fieldLabels[labels[i].Name] = key.Labels[i];
                }
            }
            fields.Add(Field.Float64(name, series[key], nullable: true, labels: fieldLabels));
        }
        return [new DataFrame("", run.Context.RefId, fields, meta.ToJson())];
    }

    private sealed class SeriesKey(int value, string[] labels) : IEquatable<SeriesKey>
    {
        public int Value { get; } = value;

        public string[] Labels { get; } = labels;

        public bool Equals(SeriesKey? other) => other is not null && other.Value == Value && other.Labels.AsSpan().SequenceEqual(Labels);

        public override bool Equals(object? obj) => Equals(obj as SeriesKey);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            hash.Add(Value);
            foreach (var label in Labels)
            {
                hash.Add(label, StringComparer.Ordinal);
            }
            return hash.ToHashCode();
        }
    }
}
