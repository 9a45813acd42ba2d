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
            // Both sides' stacks have leaves in one call trie (the usual case, see CallPaths): build
            // from the leaves; otherwise from the frames.
            var paths = left.Paths;
            if (paths is not null && (right is null || ReferenceEquals(right.Paths, paths) || right.Count == 0))
            {
                tree.Add(left, 0, paths);
                if (right is not null)
                {
                    tree.Add(right, 1, paths);
                }
            }
            else
            {
                tree.Add(left, 0);
                if (right is not null)
                {
                    tree.Add(right, 1);
                }
            }
            var work = Workspace.Rent();
            try
            {
                var size = ChooseNodes(tree, maxNodes, work);
                var kept = work.Kept;
                var names = resolveNames(KeptFunctions(tree, kept));
                return Emit(tree, work, size, names, right is not null);
            }
            finally
            {
                Workspace.Return(work);
            }
        }
        finally
        {
            CallTree.Return(tree);
        }
    }

    /// <summary>The function ids of the kept nodes, each once (marked by dense index, not hashed per node).</summary>
    private static ulong[] KeptFunctions(CallTree tree, bool[] kept)
    {
        var used = new bool[tree.FunctionIds.Count];
        var function = tree.Function;
        var count = 0;
        for (var node = 1; node < tree.NodeCount; node++)
        {
            if (kept[node] && !used[function[node]])
            {
                used[function[node]] = true;
                count++;
            }
        }
        var ids = new ulong[count];
        count = 0;
        for (var f = 0; f < used.Length; f++)
        {
            if (used[f])
            {
                ids[count++] = tree.FunctionIds[f];
            }
        }
        return ids;
    }

    /// <summary>
    /// Greedy choice, heaviest first: a node is kept when its parent is kept and the nodes plus the
    /// <c>other</c> nodes they would need still fit the limit; the first that does not fit ends the
    /// choice. Ties go to the shallower node, then the earlier one. A node always ranks after its
    /// parent, so taking the heaviest child of the kept nodes from a priority queue visits the same
    /// nodes, in the same order, as sorting all nodes would — but touches only the kept nodes and
    /// their children. Measured at scale 1 (26,000 nodes, limit 8,192): sorting every node was the
    /// largest part of the C# build. The heap below replaces a <c>PriorityQueue</c> with tuple
    /// priorities (compared through <c>Comparer&lt;T&gt;.Default</c>) and its per-query arrays: on the
    /// 1 h aggregate, thread CPU time 0.8–0.9 ms for that queue, about 0.65 ms for this heap.
    /// Fills <see cref="Workspace.Kept"/> and the children index; returns the rows to emit
    /// (kept nodes and the <c>other</c> nodes they need).
    /// </summary>
    private static int ChooseNodes(CallTree tree, int maxNodes, Workspace work)
    {
        var n = tree.NodeCount;
        work.Prepare(tree);
        var kept = work.Kept;
        kept[0] = true;
        if (n <= maxNodes)
        {
            Array.Fill(kept, true, 0, n);
            return n;
        }
        var start = work.ChildStart;
        var items = work.ChildItems;
        var childCount = tree.ChildCount;
        var depth = tree.Depth;
        var totals0 = tree.Totals(0);
        var totals1 = tree.Totals(1);
        var droppedChildren = work.Dropped;
        Array.Copy(childCount, droppedChildren, n);
        var count = 1;
        var others = droppedChildren[0] > 0 ? 1 : 0;
        var heap = new Frontier(work);
        heap.OfferChildren(0, start, items, totals0, totals1, depth);
        while (heap.TryTake(out var node))
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
            heap.OfferChildren(node, start, items, totals0, totals1, depth);
        }
        return count + others;
    }

    /// <summary>A binary heap of nodes, heaviest first (then shallower, then earlier), on the workspace's array.</summary>
    private ref struct Frontier(Workspace work)
    {
        private Entry[] _heap = work.Heap;
        private int _count;

        public void OfferChildren(int node, int[] start, int[] items, long[] totals0, long[] totals1, int[] depth)
        {
            for (var i = start[node]; i < start[node + 1]; i++)
            {
                var child = items[i];
                Push(new Entry(Math.Max(totals0[child], totals1[child]), depth[child], child));
            }
        }

        private void Push(Entry entry)
        {
            if (_count == _heap.Length)
            {
                Array.Resize(ref _heap, _count * 2);
                work.Heap = _heap;
            }
            var i = _count++;
            while (i > 0)
            {
                var up = (i - 1) >> 1;
                if (!entry.Before(_heap[up]))
                {
                    break;
                }
                _heap[i] = _heap[up];
                i = up;
            }
            _heap[i] = entry;
        }

        public bool TryTake(out int node)
        {
            if (_count == 0)
            {
                node = -1;
                return false;
            }
            node = _heap[0].Node;
            var last = _heap[--_count];
            var i = 0;
            while (true)
            {
                var child = (2 * i) + 1;
                if (child >= _count)
                {
                    break;
                }
                if (child + 1 < _count && _heap[child + 1].Before(_heap[child]))
                {
                    child++;
                }
                if (!_heap[child].Before(last))
                {
                    break;
                }
                _heap[i] = _heap[child];
                i = child;
            }
            _heap[i] = last;
            return true;
        }
    }

    private readonly record struct Entry(long Weight, int Depth, int Node)
    {
        public bool Before(Entry other) =>
            Weight != other.Weight ? Weight > other.Weight : Depth != other.Depth ? Depth < other.Depth : Node < other.Node;
    }

    /// <summary>
    /// The per-query arrays of the node choice and the emit, kept per thread (like the
    /// <see cref="CallTree"/>): a query allocated about 1.7 MB of them at 26,000 nodes.
    /// </summary>
    private sealed class Workspace
    {
        [ThreadStatic]
        private static Workspace? _reusable;

        public bool[] Kept = [];
        public int[] ChildStart = [];
        public int[] ChildItems = [];
        public int[] Dropped = [];
        public Entry[] Heap = new Entry[1024];
        public int[] Stack = new int[256];
        public int[] SortKeys = new int[256];
        public int[] SortItems = new int[256];

        public static Workspace Rent()
        {
            var work = _reusable ?? new Workspace();
            _reusable = null;
            return work;
        }

        public static void Return(Workspace work)
        {
            if (work.Kept.Length <= 262_144)
            {
                _reusable = work;
            }
        }

        /// <summary>Sizes the arrays for the tree, clears the kept flags and indexes every node's children (CSR, in node order).</summary>
        public void Prepare(CallTree tree)
        {
            var n = tree.NodeCount;
            if (Kept.Length < n)
            {
                var size = Math.Max(n, Kept.Length * 2);
                Kept = new bool[size];
                ChildItems = new int[size];
                Dropped = new int[size];
                ChildStart = new int[size + 1];
            }
            Array.Clear(Kept, 0, n);
            var start = ChildStart;
            var childCount = tree.ChildCount;
            start[0] = 0;
            for (var node = 0; node < n; node++)
            {
                start[node + 1] = start[node] + childCount[node];
            }
            // Dropped is free until the node choice: use it as the fill position per parent.
            var fill = Dropped;
            Array.Copy(start, fill, n);
            var parent = tree.Parent;
            for (var node = 1; node < n; node++)
            {
                ChildItems[fill[parent[node]]++] = node;
            }
        }
    }

    private static FlameGraph Emit(CallTree tree, Workspace work, int size, IReadOnlyDictionary<ulong, string> names, bool diff)
    {
        var n = tree.NodeCount;
        var function = tree.Function;
        var depth = tree.Depth;
        var kept = work.Kept;
        var start = work.ChildStart;
        var items = work.ChildItems;
        var totals0 = tree.Totals(0);
        var totals1 = tree.Totals(1);
        var selfs0 = tree.Selfs(0);
        var selfs1 = tree.Selfs(1);
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

        var nameList = new List<string>();
        var nameIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var functionLabel = new int[labels.Length];
        Array.Fill(functionLabel, -1);
        var levels = new int[size];
        var values = new long[size];
        var selfs = new long[size];
        var labelIds = new int[size];
        var valuesRight = diff ? new long[size] : [];
        var selfsRight = diff ? new long[size] : [];
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
            if (diff)
            {
                valuesRight[row] = valueRight;
                selfsRight[row] = selfRight;
            }
            row++;
        }

        // Iterative pre-order walk; children by name (ordinal), the folded 'other' node last.
        var stack = work.Stack;
        var top = 0;
        stack[top++] = 0;
        while (top > 0)
        {
            var item = stack[--top];
            if (item < 0)
            {
                // The dropped children of a kept node, folded into one node.
                var parent = -item - 1;
                long other0 = 0, other1 = 0;
                for (var i = start[parent]; i < start[parent + 1]; i++)
                {
                    var child = items[i];
                    if (!kept[child])
                    {
                        other0 += totals0[child];
                        other1 += totals1[child];
                    }
                }
                var otherLabel = LabelIndex(FlameGraph.OtherLabel);
                Push(depth[parent] + 1, otherLabel, other0, other0, other1, other1);
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
            Push(depth[item], label, totals0[item], selfs0[item], totals1[item], selfs1[item]);
            var childTotal = start[item + 1] - start[item];
            if (work.SortKeys.Length < childTotal)
            {
                work.SortKeys = new int[Math.Max(childTotal, work.SortKeys.Length * 2)];
                work.SortItems = new int[work.SortKeys.Length];
            }
            var keys = work.SortKeys;
            var sorted = work.SortItems;
            var keptChildren = 0;
            for (var i = start[item]; i < start[item + 1]; i++)
            {
                var child = items[i];
                if (kept[child])
                {
                    // Siblings never share a function, so the name rank alone orders them.
                    keys[keptChildren] = rank[function[child]];
                    sorted[keptChildren++] = child;
                }
            }
            if (top + keptChildren + 1 > stack.Length)
            {
                Array.Resize(ref stack, Math.Max(top + keptChildren + 1, stack.Length * 2));
                work.Stack = stack;
            }
            if (keptChildren < childTotal)
            {
                stack[top++] = -item - 1;
            }
            if (keptChildren > 1)
            {
                keys.AsSpan(0, keptChildren).Sort(sorted.AsSpan(0, keptChildren));
            }
            for (var i = keptChildren - 1; i >= 0; i--)
            {
                stack[top++] = sorted[i];
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
            Total = totals0[0],
            TotalRight = totals1[0],
            FullNodeCount = n,
        };
    }
}
