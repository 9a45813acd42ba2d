using System.Globalization;
using System.Net;
using System.Text;
using GrafanaProfiles.Store.Query.FlameGraphs;

namespace GrafanaProfiles.Collector.Demo;

/// <summary>
/// Renders a flame graph as a self-contained SVG (icicle layout: root on top), the way a browser
/// shows it without Grafana: one bar per node, width by total value, names where they fit, and a
/// hover title with the value and share on every bar.
/// </summary>
public static class FlameGraphSvg
{
    private const double Width = 1200;
    private const double RowHeight = 17;
    private const double Top = 40;
    private const double CharWidth = 6.6;

    public static string Render(FlameGraph graph, string title, string unit)
    {
        var depth = graph.NodeCount == 0 ? 1 : graph.Levels.Max() + 1;
        var height = Top + (depth * RowHeight) + 20;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{height}" viewBox="0 0 {Width} {height}" font-family="Verdana, sans-serif" font-size="11">""").Append('\n');
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"#f8f8f8\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Width / 2}" y="20" text-anchor="middle" font-size="15">{Escape(title)}</text>""").Append('\n');
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Width / 2}" y="34" text-anchor="middle" fill="#555">total {FormatValue(graph.Total, unit)} · {graph.NodeCount} nodes{(graph.Truncated ? $" (of {graph.FullNodeCount}, smallest folded into 'other')" : "")}</text>""").Append('\n');
        if (graph.Total <= 0)
        {
            svg.Append("</svg>\n");
            return svg.ToString();
        }
        var scale = Width / graph.Total;
        // Nested-set order: a node starts where its previous sibling ended, or at its parent's start.
        var starts = new double[depth + 1];
        var ends = new double[depth + 1];
        for (var i = 0; i < graph.NodeCount; i++)
        {
            var level = graph.Levels[i];
            var x = level == 0 ? 0 : Math.Max(starts[level - 1], i > 0 && graph.Levels[i - 1] >= level ? ends[level] : starts[level - 1]);
            var w = graph.Values[i] * scale;
            starts[level] = x;
            ends[level] = x + w;
            if (w < 0.3)
            {
                continue;
            }
            var y = Top + (level * RowHeight);
            var name = graph.LabelOf(i);
            var share = 100.0 * graph.Values[i] / graph.Total;
            svg.Append("<g><title>").Append(Escape(name)).Append(CultureInfo.InvariantCulture,
                $" — total {FormatValue(graph.Values[i], unit)} ({share:0.##}%), self {FormatValue(graph.Selfs[i], unit)}</title>");
            svg.Append(CultureInfo.InvariantCulture,
                $"""<rect x="{x:0.##}" y="{y:0.##}" width="{w:0.##}" height="{RowHeight - 1}" fill="{Color(name)}" rx="2"/>""");
            var fit = (int)((w - 6) / CharWidth);
            if (fit >= 3)
            {
                var text = name.Length <= fit ? name : name[..(fit - 2)] + "..";
                svg.Append(CultureInfo.InvariantCulture, $"""<text x="{x + 3:0.##}" y="{y + 12:0.##}">{Escape(text)}</text>""");
            }
            svg.Append("</g>\n");
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    public static string FormatValue(long value, string unit) => unit switch
    {
        "nanoseconds" => value >= 1_000_000_000 ? $"{value / 1e9:0.##} s" : $"{value / 1e6:0.##} ms",
        "bytes" => value >= 1 << 30 ? $"{value / (double)(1 << 30):0.##} GiB" : value >= 1 << 20 ? $"{value / (double)(1 << 20):0.##} MiB" : $"{value / 1024.0:0.##} KiB",
        _ => value.ToString("N0", CultureInfo.InvariantCulture),
    };

    private static string Escape(string s) => WebUtility.HtmlEncode(s);

    /// <summary>A warm colour per function name, stable across renders.</summary>
    private static string Color(string name)
    {
        var h = (uint)Store.Model.ContentHash.XxHash64(Encoding.UTF8.GetBytes(name));
        var r = 200 + (int)(h % 55);
        var g = 90 + (int)((h >> 8) % 120);
        var b = 40 + (int)((h >> 16) % 50);
        return $"rgb({r},{g},{b})";
    }
}
