using GrafanaProfiles.Backend.Frames;
using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Store.Query.FlameGraphs;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Backend.Benchmarks;

/// <summary>
/// The flame graph frame (<see cref="ProfileFrames.FlameGraph"/>) encoded as an Arrow file
/// (<see cref="ArrowFileWriter.Write(DataFrame)"/>): the 24 h graph of the dataset and a synthetic
/// graph of <see cref="LargeRows"/> rows, each against the store query that produced the first.
/// </summary>
internal static class FrameEncoding
{
    /// <summary>Rows of the large synthetic frame.</summary>
    public const int LargeRows = 100_000;

    /// <summary>Distinct function names of the large synthetic frame (the enum's text list).</summary>
    private const int LargeNames = 20_000;

    /// <summary>Table rows in the benchmark's format: name, encoding time, the query, ratio, note.</summary>
    public static IReadOnlyList<string> Rows(int runs, FlameGraph dayGraph, double storeMs)
    {
        var lines = new List<string>();
        foreach (var (title, graph) in new[] { ("flame graph frame encoding", dayGraph), ("flame graph frame encoding, synthetic", Synthetic(LargeRows, LargeNames)) })
        {
            var bytes = ArrowFileWriter.Write(ProfileFrames.FlameGraph("A", graph, "ns")).Length;
            var time = Timing.Median(3, runs, () => ArrowFileWriter.Write(ProfileFrames.FlameGraph("A", graph, "ns"))).TotalMilliseconds;
            lines.Add($"| {title} ({graph.NodeCount:N0} rows, {bytes / 1024.0:N0} KiB) | {time:F2} ms | {storeMs:F1} ms (the 24 h query) | {time / storeMs:F3}× | ProfileFrames.FlameGraph + ArrowFileWriter.Write |");
        }
        return lines;
    }

    /// <summary>
    /// A deterministic flame graph of <paramref name="nodes"/> nodes in depth-first order (depth up
    /// to 40), labels drawn from <paramref name="names"/> Go-like function names.
    /// </summary>
    public static FlameGraph Synthetic(int nodes, int names)
    {
        var random = new Random(13);
        var texts = new List<string> { FlameGraph.RootLabel };
        for (var i = 1; i < names; i++)
        {
            texts.Add($"github.com/acme/checkout/internal/pkg{i % 97}.(*Service{i % 13}).Method{i}");
        }
        var levels = new int[nodes];
        var values = new long[nodes];
        var selfs = new long[nodes];
        var labels = new int[nodes];
        for (var i = 1; i < nodes; i++)
        {
            levels[i] = Math.Clamp(levels[i - 1] + random.Next(-3, 2) + (levels[i - 1] == 0 ? 1 : 0), 1, 40);
            values[i] = 10_000_000L * (1 + random.Next(1_000));
            selfs[i] = random.Next(4) == 0 ? values[i] : 0;
            labels[i] = 1 + random.Next(names - 1);
        }
        values[0] = values.Sum();
        return new FlameGraph
        {
            Names = texts,
            Levels = levels,
            Values = values,
            Selfs = selfs,
            Labels = labels,
            Total = values[0],
            FullNodeCount = nodes,
        };
    }
}
