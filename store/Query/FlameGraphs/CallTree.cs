namespace GrafanaProfiles.Store.Query.FlameGraphs;

/// <summary>
/// The merged call tree of one or two stack aggregates (two for a diff), built on integer ids:
/// function ids are mapped to dense indexes and children found through one hash of (parent, function).
/// Names are not needed to build it.
/// </summary>
internal sealed class CallTree
{
    private readonly Dictionary<long, int> _children = [];
    private readonly Dictionary<ulong, int> _functionIndex = [];

    public CallTree()
    {
        AddNode(-1, -1, 0);
    }

    public List<ulong> FunctionIds { get; } = [];
    public List<int> Parent { get; } = [];
    public List<int> Function { get; } = [];
    public List<int> Depth { get; } = [];
    public List<int> ChildCount { get; } = [];
    public List<long>[] Totals { get; } = [[], []];
    public List<long>[] Selfs { get; } = [[], []];

    public int NodeCount => Parent.Count;

    public void Add(StackAggregate aggregate, int side)
    {
        for (var i = 0; i < aggregate.Count; i++)
        {
            var value = aggregate.Values[i];
            if (value == 0)
            {
                continue;
            }
            var node = 0;
            Totals[side][0] += value;
            foreach (var functionId in aggregate.FramesOf(i))
            {
                node = Child(node, FunctionIndexOf(functionId));
                Totals[side][node] += value;
            }
            Selfs[side][node] += value;
        }
    }

    /// <summary>The larger of the two sides' totals: what the node limit ranks nodes by.</summary>
    public long Weight(int node) => Math.Max(Totals[0][node], Totals[1][node]);

    private int FunctionIndexOf(ulong functionId)
    {
        if (!_functionIndex.TryGetValue(functionId, out var index))
        {
            index = FunctionIds.Count;
            FunctionIds.Add(functionId);
            _functionIndex[functionId] = index;
        }
        return index;
    }

    private int Child(int parent, int function)
    {
        var key = ((long)parent << 32) | (uint)function;
        if (!_children.TryGetValue(key, out var node))
        {
            node = AddNode(parent, function, Depth[parent] + 1);
            _children[key] = node;
            ChildCount[parent]++;
        }
        return node;
    }

    private int AddNode(int parent, int function, int depth)
    {
        Parent.Add(parent);
        Function.Add(function);
        Depth.Add(depth);
        ChildCount.Add(0);
        Totals[0].Add(0);
        Totals[1].Add(0);
        Selfs[0].Add(0);
        Selfs[1].Add(0);
        return Parent.Count - 1;
    }
}
