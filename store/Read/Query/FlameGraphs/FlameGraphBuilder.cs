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
        Func<IReadOnlyCollection<ulong>, IReadOnlyDictionary<ulong, string>> resolveNames) =>
        Build(left, right, maxNodes, resolveNames, NodeChoice.Fastest);

    /// <summary>How the nodes within the limit are chosen (both ways choose the same nodes where both apply).</summary>
    internal enum NodeChoice
    {
        /// <summary>By weight buckets when no value is negative, else by the heap.</summary>
        Fastest,

        /// <summary>Always by the heap (any values).</summary>
        Heap,
    }

    internal static FlameGraph Build(StackAggregate left, StackAggregate? right, int maxNodes,
        Func<IReadOnlyCollection<ulong>, IReadOnlyDictionary<ulong, string>> resolveNames, NodeChoice choice)
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
                var size = ChooseNodes(tree, maxNodes, work, choice);
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
    /// choice. Ties go to the shallower node, then the earlier one. Without negative values a node
    /// never outweighs its parent, and the choice is made by weight buckets in linear time
    /// (<see cref="ChooseByWeightBuckets"/>); otherwise by a heap of the kept nodes' children
    /// (<see cref="ChooseByHeap"/>), which keeps a kept node's parent kept whatever the weights.
    /// Both choose the same nodes wherever both apply. Fills <see cref="Workspace.Kept"/> and the
    /// children index; returns the rows to emit (kept nodes and the <c>other</c> nodes they need).
    /// </summary>
    private static int ChooseNodes(CallTree tree, int maxNodes, Workspace work, NodeChoice choice)
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
        return choice == NodeChoice.Fastest && !tree.HasNegativeValues
            ? ChooseByWeightBuckets(tree, maxNodes, work)
            : ChooseByHeap(tree, maxNodes, work);
    }

    /// <summary>
    /// The greedy choice of <see cref="ChooseNodes"/> on a priority queue of the kept nodes'
    /// children, for any values. Taking the heaviest child of the kept nodes visits the nodes in the
    /// order of a sort of all nodes, touching only the kept nodes and their children. This heap
    /// replaced a <c>PriorityQueue</c> with tuple priorities (compared through
    /// <c>Comparer&lt;T&gt;.Default</c>): on the scale-1 1 h aggregate, thread CPU time 0.8–0.9 ms
    /// for that queue, about 0.65 ms for this heap.
    /// </summary>
    private static int ChooseByHeap(CallTree tree, int maxNodes, Workspace work)
    {
        var n = tree.NodeCount;
        var kept = work.Kept;
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

    /// <summary>
    /// The same choice as <see cref="ChooseByHeap"/>, in a few linear passes, when no node weighs more
    /// than its parent (no negative values). Then the heap's order is simply all nodes sorted by
    /// (weight descending, depth, node), every node after its parent, and the choice keeps the
    /// longest prefix of that order whose rows fit. Taking a node adds one row, one more for the
    /// <c>other</c> node it needs if it has children, and one less if it is the last child of its
    /// parent in that order (the parent's <c>other</c> node goes away): 0, 1 or 2 rows, so the rows
    /// grow with the prefix and the prefix ends where they first pass the limit. The nodes are counted
    /// into buckets of weight (64 per power of two, heaviest last); the bucket in which the limit is
    /// passed is the only one sorted. On the scale-1 benchmark's 1 h aggregate (25,922 nodes, limit
    /// 8,192): 0.25–0.34 ms against 0.98–1.02 ms for the heap (docs/benchmarks.md, change 35).
    /// </summary>
    private static int ChooseByWeightBuckets(CallTree tree, int maxNodes, Workspace work)
    {
        var n = tree.NodeCount;
        var kept = work.Kept;
        var parent = tree.Parent;
        var depth = tree.Depth;
        var childCount = tree.ChildCount;
        var totals0 = tree.Totals(0);
        var weight = totals0;
        if (tree.HasTwoSides)
        {
            var totals1 = tree.Totals(1);
            weight = work.Weights;
            for (var node = 0; node < n; node++)
            {
                weight[node] = Math.Max(totals0[node], totals1[node]);
            }
        }
        // The child of each node that comes last in the order: the lightest, and of equal weights the
        // latest (siblings share their depth). Nodes are visited in increasing order.
        var last = work.Dropped;
        Array.Fill(last, -1, 0, n);
        for (var node = 1; node < n; node++)
        {
            ref var l = ref last[parent[node]];
            if (l < 0 || weight[node] <= weight[l])
            {
                l = node;
            }
        }
        var rowsIn = work.BucketRows;
        Array.Clear(rowsIn);
        var bucketOf = work.BucketOf;
        for (var node = 0; node < n; node++)
        {
            var bucket = WeightBucket(weight[node]);
            bucketOf[node] = (ushort)bucket;
            rowsIn[bucket] += RowsAdded(node, parent, childCount, last);
        }
        var rows = 0;
        var boundary = WeightBuckets - 1;
        while (rows + rowsIn[boundary] <= maxNodes)
        {
            rows += rowsIn[boundary--];
        }
        // Heavier buckets are kept whole; the boundary bucket's nodes, sorted, until the limit.
        var candidates = work.Heap;
        var count = 0;
        for (var node = 0; node < n; node++)
        {
            var bucket = bucketOf[node];
            if (bucket > boundary)
            {
                kept[node] = true;
            }
            else if (bucket == boundary)
            {
                if (count == candidates.Length)
                {
                    Array.Resize(ref candidates, count * 2);
                    work.Heap = candidates;
                }
                candidates[count++] = new Entry(weight[node], depth[node], node);
            }
        }
        candidates.AsSpan(0, count).Sort(default(EntryOrder));
        for (var i = 0; i < count; i++)
        {
            var node = candidates[i].Node;
            var added = RowsAdded(node, parent, childCount, last);
            if (rows + added > maxNodes)
            {
                break;
            }
            kept[node] = true;
            rows += added;
        }
        return rows;
    }

    /// <summary>Rows that keeping <paramref name="node"/> adds after the nodes before it in the order (see <see cref="ChooseByWeightBuckets"/>).</summary>
    private static int RowsAdded(int node, int[] parent, int[] childCount, int[] last) =>
        1 + (childCount[node] > 0 ? 1 : 0) - (node > 0 && last[parent[node]] == node ? 1 : 0);

    /// <summary>Buckets of <see cref="WeightBucket"/>: weights below 128 each, then 64 per power of two up to 2^63.</summary>
    private const int WeightBuckets = 58 * 64;

    /// <summary>A bucket number that grows with the weight (not negative): relative width 1/64.</summary>
    private static int WeightBucket(long weight)
    {
        if (weight < 128)
        {
            return (int)weight;
        }
        var exponent = 63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)weight);
        // The top seven bits are 64–127: bucket 64–127 for exponent 6 (the weight itself), 128–191 for 7, ...
        return ((exponent - 6) << 6) + (int)(weight >> (exponent - 6));
    }

    /// <summary>The heap's order as a comparer: heaviest first, then shallower, then earlier.</summary>
    private readonly struct EntryOrder : IComparer<Entry>
    {
        public int Compare(Entry x, Entry y) => x.Before(y) ? -1 : y.Before(x) ? 1 : 0;
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
        public long[] Weights = [];
        public ushort[] BucketOf = [];
        public readonly int[] BucketRows = new int[WeightBuckets];
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
                Weights = new long[size];
                BucketOf = new ushort[size];
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
                        other1 += diff ? totals1[child] : 0;
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
            Push(depth[item], label, totals0[item], selfs0[item], diff ? totals1[item] : 0, diff ? selfs1[item] : 0);
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

