using System.Text;
using System.Text.Json;
using GrafanaProfiles.Backend.Frames;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.FlameGraphs;

namespace GrafanaProfiles.Backend.Queries;

/// <summary>
/// Grafana data frames of the store's answers: the flame graph frame of the panel's contract (as the
/// Pyroscope data source writes it), series frames, and the top and diff-changes tables. The frame
/// shapes are listed in README.md.
/// </summary>
public static class ProfileFrames
{
    /// <summary>Name of the flame graph frame (Pyroscope's).</summary>
    public const string FlameGraphName = "response";

    public const string SeriesName = "series";

    public const string TopName = "top";

    public const string ChangesName = "changes";

    public const string FlameGraphMeta = """{"preferredVisualisationType":"flamegraph"}""";

    public const string SeriesMeta = """{"type":"timeseries-multi","typeVersion":[0,1],"preferredVisualisationType":"graph"}""";

    public const string TableMeta = """{"preferredVisualisationType":"table"}""";

    /// <summary>Grafana's unit for percentages on a 0–100 scale.</summary>
    public const string PercentUnit = "percent";

    /// <summary>Grafana's unit for ratios shown as percentages (1.0 = 100%).</summary>
    public const string RatioUnit = "percentunit";

    /// <summary>Most distinct labels an enum field can index (its values are uint16).</summary>
    private const int MaxEnumTexts = ushort.MaxValue + 1;

    /// <summary>
    /// The flame graph frame: <c>level</c>, <c>value</c>, <c>self</c>, <c>label</c> (enum, texts in
    /// first-seen row order), and for a diff <c>valueRight</c>, <c>selfRight</c>; no data gives the same
    /// fields with zero rows. Beyond 65,536 distinct names the label is a plain string field, which the
    /// panel also reads.
    /// </summary>
    public static DataFrame FlameGraph(string refId, FlameGraph graph, string unit, string? metaJson = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var unitConfig = UnitConfig(unit);
        var empty = graph.NodeCount <= 1 && graph.Values[0] == 0 && (graph.ValuesRight?[0] ?? 0) == 0;
        var rows = empty ? 0 : graph.NodeCount;
        var levels = new long[rows];
        for (var i = 0; i < rows; i++)
        {
            levels[i] = graph.Levels[i];
        }
        var fields = new List<Field>
        {
            Field.Int64("level", levels),
            Field.Int64("value", graph.Values.AsSpan(0, rows), configJson: unitConfig),
            Field.Int64("self", graph.Selfs.AsSpan(0, rows), configJson: unitConfig),
            empty ? Field.String("label", []) : LabelField(graph),
        };
        if (graph.IsDiff)
        {
            fields.Add(Field.Int64("valueRight", graph.ValuesRight.AsSpan(0, rows), configJson: unitConfig));
            fields.Add(Field.Int64("selfRight", graph.SelfsRight.AsSpan(0, rows), configJson: unitConfig));
        }
        return new DataFrame(FlameGraphName, refId, fields, metaJson ?? FlameGraphMeta);
    }

    /// <summary>The label field as an enum whose texts are the names in the order rows first use them.</summary>
    private static Field LabelField(FlameGraph graph)
    {
        var rows = graph.NodeCount;
        var position = new int[graph.Names.Count];
        Array.Fill(position, -1);
        var texts = new List<string>();
        var indexes = new ushort[rows];
        for (var i = 0; i < rows; i++)
        {
            ref var p = ref position[graph.Labels[i]];
            if (p < 0)
            {
                p = texts.Count;
                texts.Add(graph.Names[graph.Labels[i]]);
            }
            if (texts.Count > MaxEnumTexts)
            {
                return Field.String("label", [.. Enumerable.Range(0, rows).Select(graph.LabelOf)]);
            }
            indexes[i] = (ushort)p;
        }
        return Field.Enum("label", indexes, configJson: EnumConfig(texts));
    }

    /// <summary>
    /// One frame per series: <c>time</c> (ns) and a number field named <paramref name="valueName"/>
    /// whose labels are the series' group-by labels and whose unit is <paramref name="unit"/>. With
    /// <paramref name="limit"/>, only the series with the largest sums are kept, in their order.
    /// </summary>
    public static IReadOnlyList<DataFrame> Series(string refId, IReadOnlyList<TimeSeries> series, string valueName, string unit, int? limit = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        IEnumerable<TimeSeries> kept = series;
        if (limit is { } n && series.Count > n)
        {
            var largest = series.Select((s, i) => (Sum: s.Values.Sum(), Index: i))
                .OrderByDescending(x => x.Sum).ThenBy(x => x.Index).Take(n).Select(x => x.Index).ToHashSet();
            kept = series.Where((_, i) => largest.Contains(i));
        }
        var config = UnitConfig(unit);
        var frames = new List<DataFrame>();
        foreach (var s in kept)
        {
            var labels = s.Labels.Count == 0 ? null : s.Labels.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            var time = Field.Time("time", [.. s.Times.Select(t => (t - DateTime.UnixEpoch).Ticks * 100)]);
            var value = Field.Float64(valueName, [.. s.Values], labels: labels, configJson: config);
            frames.Add(new DataFrame(SeriesName, refId, [time, value], SeriesMeta));
        }
        return frames;
    }

    /// <summary>
    /// The top table: <c>function</c>, <c>self</c>, <c>total</c>, <c>selfShare</c>, <c>totalShare</c>
    /// (percent of the selection's total), by self descending; the first <paramref name="limit"/> rows when given.
    /// </summary>
    public static DataFrame Top(string refId, TopTable top, string unit, int? limit = null)
    {
        ArgumentNullException.ThrowIfNull(top);
        var rows = top.Entries.Take(limit ?? int.MaxValue).ToList();
        var config = UnitConfig(unit);
        var percent = UnitConfig(PercentUnit);
        double Share(long value) => top.Total == 0 ? 0 : 100.0 * value / top.Total;
        return new DataFrame(TopName, refId,
        [
            Field.String("function", [.. rows.Select(r => r.Function)]),
            Field.Int64("self", [.. rows.Select(r => r.Self)], configJson: config),
            Field.Int64("total", [.. rows.Select(r => r.Total)], configJson: config),
            Field.Float64("selfShare", [.. rows.Select(r => Share(r.Self))], configJson: percent),
            Field.Float64("totalShare", [.. rows.Select(r => Share(r.Total))], configJson: percent),
        ], TableMeta);
    }

    /// <summary>
    /// What changed between the sides of a diff, per function with self time on either side:
    /// <c>function</c>, <c>selfLeft</c>, <c>selfRight</c>, <c>totalLeft</c>, <c>totalRight</c>,
    /// <c>selfShareChange</c> (percentage points of each side's own total, so sides of different size
    /// compare fairly) and <c>relativeChange</c> (of the self share; null for a function new on the
    /// right). Growth first: the regressions lead.
    /// </summary>
    public static DataFrame Changes(string refId, TopTable diff, string unit, int? limit = null)
    {
        ArgumentNullException.ThrowIfNull(diff);
        var rows = diff.Entries
            .Where(e => e.Self != 0 || e.SelfRight != 0)
            .Select(e =>
            {
                var left = diff.Total == 0 ? 0 : (double)e.Self / diff.Total;
                var right = diff.TotalRight == 0 ? 0 : (double)e.SelfRight / diff.TotalRight;
                return (Entry: e, Change: 100 * (right - left), Relative: left == 0 ? (double?)null : (right - left) / left);
            })
            .OrderByDescending(r => r.Change).ThenByDescending(r => r.Entry.SelfRight).ThenBy(r => r.Entry.Function, StringComparer.Ordinal)
            .Take(limit ?? int.MaxValue)
            .ToList();
        var config = UnitConfig(unit);
        return new DataFrame(ChangesName, refId,
        [
            Field.String("function", [.. rows.Select(r => r.Entry.Function)]),
            Field.Int64("selfLeft", [.. rows.Select(r => r.Entry.Self)], configJson: config),
            Field.Int64("selfRight", [.. rows.Select(r => r.Entry.SelfRight)], configJson: config),
            Field.Int64("totalLeft", [.. rows.Select(r => r.Entry.Total)], configJson: config),
            Field.Int64("totalRight", [.. rows.Select(r => r.Entry.TotalRight)], configJson: config),
            Field.Float64("selfShareChange", [.. rows.Select(r => r.Change)], configJson: UnitConfig(PercentUnit)),
            Field.Float64("relativeChange", [.. rows.Select(r => r.Relative)], nullable: true, configJson: UnitConfig(RatioUnit)),
        ], TableMeta);
    }

    /// <summary>FieldConfig JSON with a unit: <c>{"unit":"ns"}</c>.</summary>
    public static string UnitConfig(string unit) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("unit", unit);
        w.WriteEndObject();
    });

    /// <summary>FieldConfig JSON of an enum field: <c>{"type":{"enum":{"text":[…]}}}</c>.</summary>
    public static string EnumConfig(IEnumerable<string> texts) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("type");
        w.WriteStartObject("enum");
        w.WriteStartArray("text");
        foreach (var text in texts)
        {
            w.WriteStringValue(text);
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    });

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(writer);
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
