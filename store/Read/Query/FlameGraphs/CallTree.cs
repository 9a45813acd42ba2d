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
    private int[] _parent = new int[1024];
    private int[] _function = new int[1024];
    private int[] _depth = new int[1024];
    private int[] _childCount = new int[1024];
    private readonly long[][] _totals = [new long[1024], new long[1024]];
    private readonly long[][] _selfs = [new long[1024], new long[1024]];
    private int[] _path = new int[64];

    // Building from a CallPaths trie: the query node of each trie node (+1, 0 = none yet), the
    // query's function index of each trie function (+1), and back links to clear them.
    private int[] _nodeOfPath = [];
    private int[] _functionOfPath = [];
    private int[] _pathOfNode = new int[1024];
    private readonly List<int> _pathFunctions = [];
    private int[] _trail = new int[64];

    public CallTree()
    {
        AddNode(-1, -1, 0);
    }

    /// <summary>
    /// A tree for this thread's next build, reused: its arrays (a few MB at 26,000 nodes, on the
    /// large object heap) made every query pay for gen-2 collections. Measured on the scale-1
    /// benchmark's 1 h aggregate (5,982 stacks), 40 builds: before, 5 MB allocated per build and
    /// 15 gen-2 collections, median 4.4–4.9 ms; reused, nothing allocated, median 2.4–2.7 ms.
    /// </summary>
    [ThreadStatic]
    private static CallTree? _reusable;

    /// <summary>Takes this thread's tree (emptied), or a new one; give it back with <see cref="Return"/>.</summary>
    public static CallTree Rent()
    {
        var tree = _reusable ?? new CallTree();
        _reusable = null;
        return tree;
    }

    /// <summary>Nodes above which a tree is not kept: a thread should not hold a huge query's memory forever.</summary>
    private const int MaxReusedNodes = 262_144;

    /// <summary>Trie nodes above which the trie-to-tree map is not kept (4 bytes each).</summary>
    private const int MaxReusedPathNodes = 4_194_304;

    /// <summary>Empties the tree and keeps it for this thread's next build (unless it grew very large).</summary>
    public static void Return(CallTree tree)
    {
        if (tree._parent.Length > MaxReusedNodes || tree._nodeOfPath.Length > MaxReusedPathNodes)
        {
            return;
        }
        tree.Clear();
        _reusable = tree;
    }

    private void Clear()
    {
        var n = NodeCount;
        Array.Clear(_childCount, 0, n);
        // Only the sides that were added to hold values (a flame graph that is not a diff has one).
        for (var side = 0; side < _sides; side++)
        {
            Array.Clear(_totals[side], 0, n);
            Array.Clear(_selfs[side], 0, n);
        }
        _sides = 0;
        if (_usedPaths)
        {
            for (var node = 0; node < n; node++)
            {
                _nodeOfPath[_pathOfNode[node]] = 0;
            }
            foreach (var f in _pathFunctions)
            {
                _functionOfPath[f] = 0;
            }
            _pathFunctions.Clear();
            _usedPaths = false;
        }
        _children.Clear();
        _functionIndex.Clear();
        FunctionIds.Clear();
        HasNegativeValues = false;
        NodeCount = 0;
        AddNode(-1, -1, 0);
    }

    public List<ulong> FunctionIds { get; } = [];
    public int NodeCount { get; private set; }

    /// <summary>
    /// Whether some stack added a negative value. Without one, every total is at least the total of
    /// each child on both sides, so a node never weighs more than its parent.
    /// </summary>
    public bool HasNegativeValues { get; private set; }

    /// <summary>Sides that may hold values: 1 + the highest side added so far (0 when empty).</summary>
    private int _sides;

    /// <summary>Whether the right side (a diff's) was added: then a node weighs the larger of its two totals.</summary>
    public bool HasTwoSides => _sides > 1;

    // The per-node arrays: valid for indexes below NodeCount (they grow in steps).
    public int[] Parent => _parent;
    public int[] Function => _function;
    public int[] Depth => _depth;
    public int[] ChildCount => _childCount;

    public long[] Totals(int side) => _totals[side];

    public long[] Selfs(int side) => _selfs[side];

    public void Add(StackAggregate aggregate, int side)
    {
        _sides = Math.Max(_sides, side + 1);
        var totals = _totals[side];
        ReadOnlySpan<ulong> previous = [];
        for (var i = 0; i < aggregate.Count; i++)
        {
            var value = aggregate.Values[i];
            if (value == 0)
            {
                continue;
            }
            HasNegativeValues |= value < 0;
            var frames = aggregate.FramesOf(i);
            if (frames.Length + 1 > _path.Length)
            {
                Array.Resize(ref _path, Math.Max(frames.Length + 1, _path.Length * 2));
            }
            // Stacks share long prefixes (goroutine entry, server, middleware): the nodes of the
            // prefix shared with the previous stack are already in _path, so only the rest costs
            // hash lookups. Measured on the scale-1 benchmark (6,000 stacks, mean depth 21): this
            // and flat arrays took the tree build from 9.5 ms to a few ms.
            var shared = frames.CommonPrefixLength(previous);
            var node = _path[shared];
            for (var j = shared; j < frames.Length; j++)
            {
                node = Child(node, FunctionIndexOf(frames[j]));
                _path[j + 1] = node;
                totals = _totals[side];
            }
            totals[0] += value;
            for (var j = 1; j <= frames.Length; j++)
            {
                totals[_path[j]] += value;
            }
            _selfs[side][node] += value;
            previous = frames;
        }
    }

    private bool _usedPaths;

    /// <summary>
    /// Adds an aggregate whose stacks all have leaves in <paramref name="paths"/>
    /// (<see cref="StackAggregate.Paths"/>): each stack's value goes to its leaf's node, a path
    /// missing from the tree is copied in from the trie by parent links (its nodes numbered root
    /// first, so every node comes after its parent), and the totals are summed in one backward
    /// pass over the nodes. No frame is hashed. Do not mix with <see cref="Add(StackAggregate, int)"/>
    /// in one tree. Measured on the scale-1 1 h aggregate (5,982 stacks, 25,922 nodes), thread CPU
    /// time per build: 0.18–0.22 ms, against 2.4–2.6 ms hashing the frames with <see cref="Add(StackAggregate, int)"/>.
    /// </summary>
    public void Add(StackAggregate aggregate, int side, CallPaths paths)
    {
        _sides = Math.Max(_sides, side + 1);
        var trieParent = paths.Parent;
        var trieFunction = paths.Function;
        var functionIds = paths.FunctionIds;
        if (_nodeOfPath.Length < trieParent.Length)
        {
            Array.Resize(ref _nodeOfPath, trieParent.Length);
        }
        if (_functionOfPath.Length < functionIds.Length)
        {
            Array.Resize(ref _functionOfPath, functionIds.Length);
        }
        _usedPaths = true;
        var nodeOf = _nodeOfPath;
        nodeOf[0] = 1;
        var leaves = aggregate.Leaves;
        var values = aggregate.Values;
        for (var i = 0; i < leaves.Length; i++)
        {
            if (i + LeafPrefetchDistance < leaves.Length)
            {
                // The leaf's entries a few stacks ahead, fetched into the cache meanwhile (after
                // DuckDB's aggregate these arrays are out of it; see docs/benchmarks.md, change 38).
                PrefetchLeaf(nodeOf, trieParent, leaves[i + LeafPrefetchDistance]);
            }
            var value = values[i];
            if (value == 0)
            {
                continue;
            }
            HasNegativeValues |= value < 0;
            var leaf = leaves[i];
            var node = nodeOf[leaf] - 1;
            if (node < 0)
            {
                node = CopyPath(leaf, trieParent, trieFunction, functionIds);
            }
            _selfs[side][node] += value;
        }
        var totals = _totals[side];
        var selfs = _selfs[side];
        var parent = _parent;
        for (var node = NodeCount - 1; node > 0; node--)
        {
            totals[node] += selfs[node];
            totals[parent[node]] += totals[node];
        }
        totals[0] += selfs[0];
    }

    private const int LeafPrefetchDistance = 8;

    private static void PrefetchLeaf(int[] nodeOf, int[] trieParent, int leaf)
    {
        if (CacheHint.Available && (uint)leaf < (uint)nodeOf.Length && (uint)leaf < (uint)trieParent.Length)
        {
            CacheHint.Prefetch(ref nodeOf[leaf]);
            CacheHint.Prefetch(ref trieParent[leaf]);
        }
    }

    /// <summary>Adds the nodes of a trie path that the tree does not have yet; returns the leaf's node.</summary>
    private int CopyPath(int leaf, int[] trieParent, int[] trieFunction, ulong[] functionIds)
    {
        var nodeOf = _nodeOfPath;
        var count = 0;
        var t = leaf;
        while (nodeOf[t] == 0)
        {
            if (count == _trail.Length)
            {
                Array.Resize(ref _trail, count * 2);
            }
            _trail[count++] = t;
            t = trieParent[t];
        }
        var node = nodeOf[t] - 1;
        while (count > 0)
        {
            t = _trail[--count];
            ref var function = ref _functionOfPath[trieFunction[t]];
            if (function == 0)
            {
                FunctionIds.Add(functionIds[trieFunction[t]]);
                _pathFunctions.Add(trieFunction[t]);
                function = FunctionIds.Count;
            }
            var parent = node;
            node = AddNode(parent, function - 1, _depth[parent] + 1);
            _childCount[parent]++;
            _pathOfNode[node] = t;
            nodeOf[t] = node + 1;
        }
        return node;
    }

    /// <summary>The larger of the two sides' totals: what the node limit ranks nodes by.</summary>
    public long Weight(int node) => Math.Max(_totals[0][node], _totals[1][node]);

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
            node = AddNode(parent, function, _depth[parent] + 1);
            _children[key] = node;
            _childCount[parent]++;
        }
        return node;
    }

    private int AddNode(int parent, int function, int depth)
    {
        if (NodeCount == _parent.Length)
        {
            var size = NodeCount * 2;
            Array.Resize(ref _parent, size);
            Array.Resize(ref _function, size);
            Array.Resize(ref _depth, size);
            Array.Resize(ref _childCount, size);
            Array.Resize(ref _pathOfNode, size);
            for (var side = 0; side < 2; side++)
            {
                Array.Resize(ref _totals[side], size);
                Array.Resize(ref _selfs[side], size);
            }
        }
        var node = NodeCount++;
        _parent[node] = parent;
        _function[node] = function;
        _depth[node] = depth;
        return node;
    }
}
