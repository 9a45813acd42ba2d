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
        var tree = CallTree.Rent();
        try
        {
            tree.Add(left, 0);
            if (right is not null)
            {
                tree.Add(right, 1);
            }
            var kept = ChooseNodes(tree, maxNodes);
            var keptFunctions = new HashSet<ulong>();
            var function = tree.Function;
            for (var node = 1; node < tree.NodeCount; node++)
            {
                if (kept[node])
                {
                    keptFunctions.Add(tree.FunctionIds[function[node]]);
                }
            }
            var names = resolveNames(keptFunctions);
            return Emit(tree, kept, names, right is not null);
        }
        finally
        {
            CallTree.Return(tree);
        }
    }

    /// <summary>
    /// Greedy choice, heaviest first: a node is kept when its parent is kept and the nodes plus the
    /// <c>other</c> nodes they would need still fit the limit; the first that does not fit ends the
    /// choice. Ties go to the shallower node, then the earlier one. A node always ranks after its
    /// parent, so taking the heaviest child of the kept nodes from a priority queue visits the same
    /// nodes, in the same order, as sorting all nodes would — but touches only the kept nodes and
    /// their children. Measured at scale 1 (26,000 nodes, limit 8,192): sorting every node was the
    /// largest part of the C# build.
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
        var children = ChildrenOf(tree, _ => true);
        var childCount = tree.ChildCount;
        var depth = tree.Depth;
        var droppedChildren = childCount.AsSpan(0, n).ToArray();
        var count = 1;
        var others = droppedChildren[0] > 0 ? 1 : 0;
        var frontier = new PriorityQueue<int, (long NegativeWeight, int Depth, int Node)>();
        void Offer(int parent)
        {
            foreach (var child in children.Of(parent))
            {
                frontier.Enqueue(child, (-tree.Weight(child), depth[child], child));
            }
        }
        Offer(0);
        while (frontier.TryDequeue(out var node, out _))
        {
            var parent = tree.Parent[node];
            var newOthers = others - (droppedChildren[parent] == 1 ? 1 : 0) + (childCount[node] > 0 ? 1 : 0);
            if (count + 1 + newOthers > maxNodes)
            {
                break;
            }
            kept[node] = true;
            droppedChildren[parent]--;
            count++;
            others = newOthers;
            Offer(node);
        }
        return kept;
    }

    /// <summary>The children of every node whose children pass <paramref name="include"/>, as one flat array (CSR), in node order.</summary>
    private static Children ChildrenOf(CallTree tree, Func<int, bool> include)
    {
        var n = tree.NodeCount;
        var parent = tree.Parent;
        var start = new int[n + 1];
        for (var node = 1; node < n; node++)
        {
            if (include(node))
            {
                start[parent[node] + 1]++;
            }
        }
        for (var i = 0; i < n; i++)
        {
            start[i + 1] += start[i];
        }
        var items = new int[start[n]];
        var fill = start.AsSpan(0, n).ToArray();
        for (var node = 1; node < n; node++)
        {
            if (include(node))
            {
                items[fill[parent[node]]++] = node;
            }
        }
        return new Children(start, items);
    }

    private readonly record struct Children(int[] Start, int[] Items)
    {
        public Span<int> Of(int node) => Items.AsSpan(Start[node], Start[node + 1] - Start[node]);
    }

    private static FlameGraph Emit(CallTree tree, bool[] kept, IReadOnlyDictionary<ulong, string> names, bool diff)
    {
        var n = tree.NodeCount;
        var parents = tree.Parent;
        var function = tree.Function;
        var depth = tree.Depth;
        var totals = new[] { tree.Totals(0), tree.Totals(1) };
        // The folded remainder per kept parent.
        var otherTotal = new long[2][] { new long[n], new long[n] };
        var hasOther = new bool[n];
        var keptCount = 0;
        for (var node = 1; node < n; node++)
        {
            var parent = parents[node];
            if (!kept[parent])
            {
                continue;
            }
            if (kept[node])
            {
                keptCount++;
            }
            else
            {
                hasOther[parent] = true;
                otherTotal[0][parent] += totals[0][node];
                otherTotal[1][parent] += totals[1][node];
            }
        }
        // Each function's label once, and its rank in ordinal order, so children sort on integers.
        var labels = new string[tree.FunctionIds.Count];
        for (var f = 0; f < labels.Length; f++)
        {
            var id = tree.FunctionIds[f];
            labels[f] = names.TryGetValue(id, out var name) ? name : $"unknown function 0x{id:x16}";
        }
        var byName = Enumerable.Range(0, labels.Length).ToArray();
        Array.Sort(byName, (a, b) => string.CompareOrdinal(labels[a], labels[b]));
        var rank = new int[labels.Length];
        for (var i = 0; i < byName.Length; i++)
        {
            rank[byName[i]] = i;
        }
        var children = ChildrenOf(tree, node => kept[node]);

        var size = 1 + keptCount + hasOther.Count(h => h);
        var nameList = new List<string>();
        var nameIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var functionLabel = new int[labels.Length];
        Array.Fill(functionLabel, -1);
        var levels = new int[size];
        var values = new long[size];
        var selfs = new long[size];
        var labelIds = new int[size];
        var valuesRight = new long[size];
        var selfsRight = new long[size];
        var row = 0;
        int LabelIndex(string label)
        {
            if (!nameIndex.TryGetValue(label, out var index))
            {
                index = nameList.Count;
                nameList.Add(label);
                nameIndex[label] = index;
            }
            return index;
        }
        void Push(int level, int label, long value, long self, long valueRight, long selfRight)
        {
            levels[row] = level;
            values[row] = value;
            selfs[row] = self;
            labelIds[row] = label;
            valuesRight[row] = valueRight;
            selfsRight[row] = selfRight;
            row++;
        }

        // Iterative pre-order walk; children by name (ordinal), the folded 'other' node last.
        var selfs0 = tree.Selfs(0);
        var selfs1 = tree.Selfs(1);
        var stack = new Stack<int>();
        stack.Push(0);
        while (stack.Count > 0)
        {
            var item = stack.Pop();
            if (item < 0)
            {
                var parent = -item - 1;
                Push(depth[parent] + 1, LabelIndex(FlameGraph.OtherLabel), otherTotal[0][parent], otherTotal[0][parent], otherTotal[1][parent], otherTotal[1][parent]);
                continue;
            }
            int label;
            if (item == 0)
            {
                label = LabelIndex(FlameGraph.RootLabel);
            }
            else
            {
                ref var cached = ref functionLabel[function[item]];
                if (cached < 0)
                {
                    cached = LabelIndex(labels[function[item]]);
                }
                label = cached;
            }
            Push(depth[item], label, totals[0][item], selfs0[item], totals[1][item], selfs1[item]);
            if (hasOther[item])
            {
                stack.Push(-item - 1);
            }
            var list = children.Of(item);
            if (list.Length > 1)
            {
                list.Sort((a, b) =>
                {
                    var c = rank[function[a]].CompareTo(rank[function[b]]);
                    return c != 0 ? c : a.CompareTo(b);
                });
            }
            for (var i = list.Length - 1; i >= 0; i--)
            {
                stack.Push(list[i]);
            }
        }
        return new FlameGraph
        {
            Names = nameList,
            Levels = levels,
            Values = values,
            Selfs = selfs,
            Labels = labelIds,
            ValuesRight = diff ? valuesRight : null,
            SelfsRight = diff ? selfsRight : null,
            Total = totals[0][0],
            TotalRight = totals[1][0],
            FullNodeCount = n,
        };
    }
}
