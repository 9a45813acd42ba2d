using System.Runtime.InteropServices;
using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;

namespace GrafanaProfiles.Store.Query;

/// <summary>
/// The stacks and function names of each Parquet file, kept in memory between queries. Files are
/// immutable (written under a temporary name, renamed into place, replaced only by new files of a
/// compaction), so an entry keyed by path, size and modification time never goes stale; entries
/// are evicted least recently used first beyond <see cref="ReaderOptions.SymbolCacheBytes"/>.
/// Measured (docs/benchmarks.md, scale 1): the 24 h flame graph spent 61 ms of its 147 ms joining
/// samples with the stacks files in DuckDB and 32 ms resolving names; with the tables cached both
/// become hash lookups.
/// </summary>
/// <param name="maxPathNodes">
/// Nodes after which the call trie starts afresh; by default about a quarter of the budget at
/// roughly 64 bytes per node, never below 65,536 (it only grows, with the paths of every stack queried).
/// </param>
internal sealed class SymbolCache(long budgetBytes, int maxPathNodes = 0)
{
    private readonly int _maxPathNodes = maxPathNodes > 0 ? maxPathNodes : (int)Math.Clamp(budgetBytes / 4 / 64, 65_536, int.MaxValue / 4);
    private readonly Lock _lock = new();
    private CallPaths _paths = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _recent = [];
    private long _bytes;

    /// <summary>Approximate memory held: the cached tables and the call trie.</summary>
    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes + _paths.Bytes;
            }
        }
    }

    /// <summary>
    /// The call trie that a query's stacks are interned into; a query takes it once and uses it
    /// throughout. Past its node limit a new, empty trie replaces it (queries still holding the
    /// old one finish with it; the stacks tables intern their stacks again on their next use).
    /// </summary>
    public CallPaths Paths
    {
        get
        {
            lock (_lock)
            {
                if (_paths.NodeCount > _maxPathNodes)
                {
                    _paths = new CallPaths();
                }
                return _paths;
            }
        }
    }

    public StackTable Stacks(DuckDbConnection connection, string file) =>
        (StackTable)Get(file, "s", () => StackTable.Load(connection, file));

    public NameTable Names(DuckDbConnection connection, string file) =>
        (NameTable)Get(file, "f", () => NameTable.Load(connection, file));

    private ISymbolTable Get(string file, string kind, Func<ISymbolTable> load)
    {
        var info = new FileInfo(file);
        if (!info.Exists)
        {
            // An I/O error of a listed file that is gone: QueryFiles.VanishedUnder tells the reader to
            // list again and retry (a compaction removed it), as for DuckDB's own I/O errors.
            throw new DuckDbException($"No such file: {file}", DuckDB.NET.Native.DuckDBErrorType.Io);
        }
        var key = $"{kind}|{info.Length}|{info.LastWriteTimeUtc.Ticks}|{file}";
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                _recent.Remove(node);
                _recent.AddFirst(node);
                return node.Value.Table;
            }
        }
        var table = load();
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var raced))
            {
                return raced.Value.Table;
            }
            if (table.Bytes <= budgetBytes)
            {
                _entries[key] = _recent.AddFirst(new Entry(key, table));
                _bytes += table.Bytes;
                while (_bytes > budgetBytes && _recent.Last is { } oldest)
                {
                    _recent.RemoveLast();
                    _entries.Remove(oldest.Value.Key);
                    _bytes -= oldest.Value.Table.Bytes;
                }
            }
        }
        return table;
    }

    private sealed record Entry(string Key, ISymbolTable Table);
}

internal interface ISymbolTable
{
    /// <summary>Approximate managed memory held, for the cache budget.</summary>
    long Bytes { get; }
}

/// <summary>
/// One stacks file: stack id → frame ids (root first), in one flat array, and each stack's leaf
/// in the <see cref="CallPaths"/> trie once a query has used it.
/// </summary>
internal sealed class StackTable : ISymbolTable
{
    private readonly StackIdIndex _index;
    private readonly int[] _offsets;
    private readonly ulong[] _frames;
    private Leaves? _leaves;

    private StackTable(Dictionary<ulong, int> index, int[] offsets, ulong[] frames)
    {
        _index = new StackIdIndex(index);
        _offsets = offsets;
        _frames = frames;
    }

    public long Bytes => _index.Bytes + (_offsets.Length * 8L) + (_frames.Length * 8L) + 64;

    /// <summary>
    /// Adds the stack to <paramref name="aggregate"/> with its frames referenced here and its leaf
    /// in <paramref name="paths"/>; false when this file does not have it.
    /// </summary>
    public bool TryAddTo(StackAggregate aggregate, ulong stackId, long value, CallPaths paths)
    {
        var i = _index.IndexOf(stackId);
        if (i < 0)
        {
            return false;
        }
        var start = _offsets[i];
        var length = _offsets[i + 1] - start;
        var leaves = LeavesIn(paths);
        // Leaf + 1, so that 0 means "not interned yet". Racing writers store the same value.
        var leaf = Volatile.Read(ref leaves[i]) - 1;
        if (leaf < 0)
        {
            leaf = paths.Intern(stackId, _frames.AsSpan(start, length));
            Volatile.Write(ref leaves[i], leaf + 1);
        }
        aggregate.AddShared(stackId, value, _frames, start, length, paths, leaf);
        return true;
    }

    /// <summary>How far ahead <see cref="AddAll"/> prefetches: index slots twice this far, rows this far.</summary>
    private const int PrefetchDistance = 8;

    /// <summary>
    /// Adds each stack <paramref name="ids"/>[i] with <paramref name="values"/>[i] to
    /// <paramref name="aggregate"/>, its frames from whichever of <paramref name="tables"/> has it
    /// (ids are content hashes: any copy is the same; no frames when none has it), starting at
    /// <paramref name="last"/>, the table the previous stack came from (consecutive stacks usually
    /// come from the same file). Stacks further on are fetched into the cache meanwhile, from that
    /// same table: index slots 16 ahead, then the rows of those 8 ahead. A flame graph looks its
    /// stacks up right after DuckDB's aggregate has pushed these tables out of the caches; one
    /// after another, each lookup waited for three misses (docs/benchmarks.md, change 38).
    /// </summary>
    public static void AddAll(StackAggregate aggregate, StackTable[] tables, ReadOnlySpan<ulong> ids, ReadOnlySpan<long> values, CallPaths paths, ref int last)
    {
        for (var i = 0; i < ids.Length; i++)
        {
            if (i + (2 * PrefetchDistance) < ids.Length)
            {
                tables[last].PrefetchSlot(ids[i + (2 * PrefetchDistance)]);
            }
            if (i + PrefetchDistance < ids.Length)
            {
                tables[last].PrefetchRow(ids[i + PrefetchDistance], paths);
            }
            AddFromAny(aggregate, tables, paths, ids[i], values[i], ref last);
        }
    }

    private static void AddFromAny(StackAggregate aggregate, StackTable[] tables, CallPaths paths, ulong stackId, long value, ref int last)
    {
        for (var n = 0; n < tables.Length; n++)
        {
            var t = (last + n) % tables.Length;
            if (tables[t].TryAddTo(aggregate, stackId, value, paths))
            {
                last = t;
                return;
            }
        }
        aggregate.AddShared(stackId, value, [], 0, 0, paths, 0);
    }

    /// <summary>A hint: starts loading the index slot of <paramref name="stackId"/>.</summary>
    private void PrefetchSlot(ulong stackId) => _index.PrefetchSlot(stackId);

    /// <summary>A hint, best a few stacks after <see cref="PrefetchSlot"/> for the same id: when this file has the stack, starts loading what <see cref="TryAddTo"/> reads of its row (offsets, leaf).</summary>
    private void PrefetchRow(ulong stackId, CallPaths paths)
    {
        if (!CacheHint.Available)
        {
            return;
        }
        var i = _index.IndexOf(stackId);
        if (i < 0)
        {
            return;
        }
        CacheHint.Prefetch(ref _offsets[i]);
        if (Volatile.Read(ref _leaves) is { } leaves && ReferenceEquals(leaves.Paths, paths))
        {
            CacheHint.Prefetch(ref leaves.Leaf[i]);
        }
    }

    private int[] LeavesIn(CallPaths paths)
    {
        var leaves = Volatile.Read(ref _leaves);
        if (leaves is null || !ReferenceEquals(leaves.Paths, paths))
        {
            // First use, or the cache started a new trie: intern again, lazily, stack by stack.
            leaves = new Leaves(paths, new int[_offsets.Length - 1]);
            Volatile.Write(ref _leaves, leaves);
        }
        return leaves.Leaf;
    }

    private sealed record Leaves(CallPaths Paths, int[] Leaf);

    public static StackTable Load(DuckDbConnection connection, string file)
    {
        var index = new Dictionary<ulong, int>();
        var offsets = new List<int> { 0 };
        var frames = new List<ulong>();
        using var statement = connection.Prepare($"SELECT {StacksTable.StackId}, {StacksTable.FrameIds} FROM read_parquet($1)");
        statement.Bind(1, file);
        using var result = statement.Execute();
        foreach (var chunk in result.Chunks())
        {
            var ids = chunk.Column(0).Values<ulong>();
            var lists = chunk.Column(1);
            var entries = lists.ListEntries();
            var child = lists.ListChild().Values<ulong>();
            for (var i = 0; i < chunk.RowCount; i++)
            {
                // A writer's later files leave out stacks it already wrote; within a file ids are unique.
                if (!index.TryAdd(ids[i], offsets.Count - 1))
                {
                    continue;
                }
                if (lists.IsValid(i))
                {
                    frames.AddRange(child.Slice((int)entries[i].Offset, (int)entries[i].Length));
                }
                offsets.Add(frames.Count);
            }
        }
        return new StackTable(index, [.. offsets], [.. frames]);
    }
}

/// <summary>
/// Stack id → row of a <see cref="StackTable"/>: open addressing over (id, row) pairs side by side,
/// so a lookup usually reads one cache line. A flame graph looks up each stack of its aggregate
/// right after DuckDB's aggregate has pushed the table out of the caches; a
/// <see cref="Dictionary{TKey, TValue}"/> reads its bucket array and then its entry (two misses).
/// </summary>
internal sealed class StackIdIndex
{
    private struct Slot
    {
        public ulong Id;
        /// <summary>Row + 1; 0 marks an empty slot.</summary>
        public int Row;
    }

    private readonly Slot[] _slots;
    private readonly int _mask;

    public StackIdIndex(Dictionary<ulong, int> rows)
    {
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, rows.Count * 2));
        _slots = new Slot[size];
        _mask = size - 1;
        foreach (var (id, row) in rows)
        {
            var slot = (int)id & _mask;
            while (_slots[slot].Row != 0)
            {
                slot = (slot + 1) & _mask;
            }
            _slots[slot] = new Slot { Id = id, Row = row + 1 };
        }
    }

    public long Bytes => _slots.Length * 16L;

    /// <summary>A hint: starts loading the slot where <paramref name="stackId"/> is first looked for.</summary>
    public void PrefetchSlot(ulong stackId) => CacheHint.Prefetch(ref _slots[(int)stackId & _mask]);

    /// <summary>The row of <paramref name="stackId"/>, or -1.</summary>
    public int IndexOf(ulong stackId)
    {
        // Stack ids are 64-bit content hashes: their low bits are uniform.
        for (var slot = (int)stackId & _mask; ; slot = (slot + 1) & _mask)
        {
            ref readonly var entry = ref _slots[slot];
            if (entry.Row == 0)
            {
                return -1;
            }
            if (entry.Id == stackId)
            {
                return entry.Row - 1;
            }
        }
    }
}

/// <summary>One functions file: function id → name.</summary>
internal sealed class NameTable : ISymbolTable
{
    private readonly Dictionary<ulong, string> _names;
    private readonly long _bytes;

    private NameTable(Dictionary<ulong, string> names, long bytes)
    {
        _names = names;
        _bytes = bytes;
    }

    public long Bytes => _bytes;

    public bool TryGet(ulong functionId, out string name) => _names.TryGetValue(functionId, out name!);

    public static NameTable Load(DuckDbConnection connection, string file)
    {
        var names = new Dictionary<ulong, string>();
        long bytes = 64;
        using var statement = connection.Prepare($"SELECT {FunctionsTable.FunctionId}, {FunctionsTable.FunctionName} FROM read_parquet($1)");
        statement.Bind(1, file);
        using var result = statement.Execute();
        foreach (var chunk in result.Chunks())
        {
            var ids = chunk.Column(0).Values<ulong>();
            var column = chunk.Column(1);
            for (var i = 0; i < chunk.RowCount; i++)
            {
                ref var name = ref CollectionsMarshal.GetValueRefOrAddDefault(names, ids[i], out var exists);
                if (!exists)
                {
                    name = column.GetString(i) ?? "";
                    bytes += 48 + (name.Length * 2L);
                }
            }
        }
        return new NameTable(names, bytes);
    }
}
