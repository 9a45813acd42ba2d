namespace GrafanaProfiles.Store.Query.FlameGraphs;

/// <summary>
/// A flame graph as Grafana's panel reads it: nodes in depth-first (nested-set) order, each with
/// its level, total value, self value and label; a single root labelled <c>total</c>. For a diff,
/// the right side's values come beside the left's.
/// </summary>
public sealed class FlameGraph
{
    public const string RootLabel = "total";

    /// <summary>Label of the node that stands for the children folded by the node limit.</summary>
    public const string OtherLabel = "other";

    public required IReadOnlyList<string> Names { get; init; }
    public required int[] Levels { get; init; }
    public required long[] Values { get; init; }
    public required long[] Selfs { get; init; }
    /// <summary>Index into <see cref="Names"/> per node (the enum form Grafana reads).</summary>
    public required int[] Labels { get; init; }
    public long[]? ValuesRight { get; init; }
    public long[]? SelfsRight { get; init; }
    public required long Total { get; init; }
    public long TotalRight { get; init; }
    /// <summary>Nodes in the full tree, before the node limit.</summary>
    public required int FullNodeCount { get; init; }

    public int NodeCount => Levels.Length;

    public bool IsDiff => ValuesRight is not null;

    public bool Truncated => NodeCount < FullNodeCount;

    public string LabelOf(int node) => Names[Labels[node]];

    public static FlameGraph Empty(bool diff) => new()
    {
        Names = [RootLabel],
        Levels = [0],
        Values = [0],
        Selfs = [0],
        Labels = [0],
        ValuesRight = diff ? [0] : null,
        SelfsRight = diff ? [0] : null,
        Total = 0,
        FullNodeCount = 1,
    };
}
