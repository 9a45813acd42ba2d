namespace GrafanaProfiles.Store.Query.FlameGraphs;

/// <summary>
/// Builds a <see cref="FlameGraph"/> from stack aggregates: merge into a call tree on ids, keep the
/// heaviest nodes within the node limit, fold each kept node's dropped children into one
/// <c>other</c> child (so every total stays exact), resolve names for kept nodes only, and emit
/// depth-first with children ordered by name.
/// </summary>
public static class FlameGraphBuilder
{
    /// <param name="resolveNames">Maps function ids to names; asked only for the nodes that are emitted.</param>
    public static FlameGraph Build(StackAggregate left, StackAggregate? right, int maxNodes,
        Func<IReadOnlyCollection<ulong>, IReadOnlyDictionary<ulong, string>> resolveNames)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxNodes, 2);
        var tree = new CallTree();
        tree.Add(left, 0);
        if (right is not null)
        {
            tree.Add(right, 1);
        }
        var kept = ChooseNodes(tree, maxNodes);
        var keptFunctions = new HashSet<ulong>();
        for (var node = 1; node < tree.NodeCount; node++)
        {
            if (kept[node])
            {
                keptFunctions.Add(tree.FunctionIds[tree.Function[node]]);
            }
        }
        var names = resolveNames(keptFunctions);
        return Emit(tree, kept, names, right is not null);
    }

    /// <summary>
    /// Greedy choice, heaviest first: a node is kept when its parent is kept and the nodes plus the
    /// <c>other</c> nodes they would need still fit the limit. Ties go to the shallower node, so a
    /// parent always comes before its children.
    /// </summary>
    private static bool[] ChooseNodes(CallTree tree, int maxNodes)
    {
        var n = tree.NodeCount;
        var kept = new bool[n];
        kept[0] = true;
        if (n <= maxNodes)
        {
            Array.Fill(kept, true);
            return kept;
        }
        var order = Enumerable.Range(1, n - 1).ToArray();
        var weight = new long[n];
        for (var i = 0; i < n; i++)
        {
            weight[i] = tree.Weight(i);
        }
        Array.Sort(order, (a, b) =>
        {
            var c = weight[b].CompareTo(weight[a]);
            return c != 0 ? c : tree.Depth[a].CompareTo(tree.Depth[b]);
        });
        var droppedChildren = tree.ChildCount.ToArray();
        var count = 1;
        var others = droppedChildren[0] > 0 ? 1 : 0;
        foreach (var node in order)
        {
            var parent = tree.Parent[node];
            if (!kept[parent])
            {
                continue;
            }
            var newOthers = others - (droppedChildren[parent] == 1 ? 1 : 0) + (tree.ChildCount[node] > 0 ? 1 : 0);
            if (count + 1 + newOthers > maxNodes)
            {
                break;
            }
            kept[node] = true;
            droppedChildren[parent]--;
            count++;
            others = newOthers;
        }
        return kept;
    }

    private static FlameGraph Emit(CallTree tree, bool[] kept, IReadOnlyDictionary<ulong, string> names, bool diff)
    {
        // Children lists of kept nodes, and the folded remainder per kept parent.
        var n = tree.NodeCount;
        var children = new List<int>?[n];
        var otherTotal = new long[2][];
        otherTotal[0] = new long[n];
        otherTotal[1] = new long[n];
        var hasOther = new bool[n];
        for (var node = 1; node < n; node++)
        {
            var parent = tree.Parent[node];
            if (!kept[parent])
            {
                continue;
            }
            if (kept[node])
            {
                (children[parent] ??= []).Add(node);
            }
            else
            {
                hasOther[parent] = true;
                otherTotal[0][parent] += tree.Totals[0][node];
                otherTotal[1][parent] += tree.Totals[1][node];
            }
        }
        string NameOf(int node) => node == 0
            ? FlameGraph.RootLabel
            : names.TryGetValue(tree.FunctionIds[tree.Function[node]], out var name) ? name : $"unknown function 0x{tree.FunctionIds[tree.Function[node]]:x16}";

        var nameList = new List<string>();
        var nameIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var levels = new List<int>();
        var values = new List<long>();
        var selfs = new List<long>();
        var labels = new List<int>();
        var valuesRight = new List<long>();
        var selfsRight = new List<long>();
        void Push(int level, string label, long value, long self, long valueRight, long selfRight)
        {
            if (!nameIndex.TryGetValue(label, out var index))
            {
                index = nameList.Count;
                nameList.Add(label);
                nameIndex[label] = index;
            }
            levels.Add(level);
            values.Add(value);
            selfs.Add(self);
            labels.Add(index);
            valuesRight.Add(valueRight);
            selfsRight.Add(selfRight);
        }

        // Iterative pre-order walk; children by name (ordinal), the folded 'other' node last.
        var stack = new Stack<int>();
        stack.Push(0);
        while (stack.Count > 0)
        {
            var item = stack.Pop();
            if (item < 0)
            {
                var parent = -item - 1;
                Push(tree.Depth[parent] + 1, FlameGraph.OtherLabel, otherTotal[0][parent], otherTotal[0][parent], otherTotal[1][parent], otherTotal[1][parent]);
                continue;
            }
            Push(tree.Depth[item], NameOf(item), tree.Totals[0][item], tree.Selfs[0][item], tree.Totals[1][item], tree.Selfs[1][item]);
            if (hasOther[item])
            {
                stack.Push(-item - 1);
            }
            if (children[item] is { } list)
            {
                list.Sort((a, b) => string.CompareOrdinal(NameOf(a), NameOf(b)));
                for (var i = list.Count - 1; i >= 0; i--)
                {
                    stack.Push(list[i]);
                }
            }
        }
        return new FlameGraph
        {
            Names = nameList,
            Levels = [.. levels],
            Values = [.. values],
            Selfs = [.. selfs],
            Labels = [.. labels],
            ValuesRight = diff ? [.. valuesRight] : null,
            SelfsRight = diff ? [.. selfsRight] : null,
            Total = tree.Totals[0][0],
            TotalRight = tree.Totals[1][0],
            FullNodeCount = n,
        };
    }
}
