namespace GrafanaProfiles.Store.Query;

/// <summary>
/// Values aggregated by stack over a selection, with each stack's frames (function ids, root first).
/// What DuckDB returns for flame graphs and top tables. Frames are either copied in
/// (<see cref="Add"/>) or referenced in the immutable arrays of the symbol cache
/// (<see cref="AddShared"/>): copying 126,000 frame ids per 24 h query of the scale-1 benchmark
/// made a 1 MB large-object allocation per query, and with it gen-2 collections.
/// </summary>
public sealed class StackAggregate
{
    private ulong[] _stackIds;
    private long[] _values;
    private ulong[]?[] _frameArrays;
    private int[] _frameStarts;
    private int[] _frameLengths;
    private ulong[] _ownFrames = [];
    private int[] _leaves;
    private int _ownCount;
    private CallPaths? _paths;
    private bool _withoutPaths;

    public StackAggregate() : this(1024)
    {
    }

    /// <summary>An aggregate with room for <paramref name="capacity"/> stacks before it grows.</summary>
    internal StackAggregate(int capacity)
    {
        capacity = Math.Max(capacity, 16);
        _stackIds = new ulong[capacity];
        _values = new long[capacity];
        _frameArrays = new ulong[]?[capacity];
        _frameStarts = new int[capacity];
        _frameLengths = new int[capacity];
        _leaves = new int[capacity];
    }

    public int Count { get; private set; }

    public long Total { get; private set; }

    public ReadOnlySpan<ulong> StackIds => _stackIds.AsSpan(0, Count);

    public ReadOnlySpan<long> Values => _values.AsSpan(0, Count);

    public ReadOnlySpan<ulong> FramesOf(int index) =>
        (_frameArrays[index] ?? _ownFrames).AsSpan(_frameStarts[index], _frameLengths[index]);

    public static StackAggregate Empty { get; } = new();

    /// <summary>
    /// The call trie that every stack's leaf refers to (<see cref="Leaves"/>), or null when some
    /// stack was added without one (then the frames are what a call tree is built from).
    /// </summary>
    internal CallPaths? Paths => _withoutPaths ? null : _paths;

    /// <summary>Each stack's leaf node in <see cref="Paths"/>; meaningful only when that is not null.</summary>
    internal ReadOnlySpan<int> Leaves => _leaves.AsSpan(0, Count);

    public void Add(ulong stackId, long value, ReadOnlySpan<ulong> framesRootFirst)
    {
        if (_ownCount + framesRootFirst.Length > _ownFrames.Length)
        {
            Array.Resize(ref _ownFrames, Math.Max(_ownCount + framesRootFirst.Length, Math.Max(1024, _ownFrames.Length * 2)));
        }
        framesRootFirst.CopyTo(_ownFrames.AsSpan(_ownCount));
        Append(stackId, value, null, _ownCount, framesRootFirst.Length, -1);
        _ownCount += framesRootFirst.Length;
        _withoutPaths = true;
    }

    /// <summary>
    /// Adds a stack whose frames stay where they are (<paramref name="frames"/> must never change),
    /// with its leaf node in <paramref name="paths"/>.
    /// </summary>
    internal void AddShared(ulong stackId, long value, ulong[] frames, int start, int length, CallPaths paths, int leaf)
    {
        if (_paths is null)
        {
            _paths = paths;
        }
        else if (!ReferenceEquals(_paths, paths))
        {
            _withoutPaths = true;
        }
        Append(stackId, value, frames, start, length, leaf);
    }

    private void Append(ulong stackId, long value, ulong[]? frames, int start, int length, int leaf)
    {
        if (Count == _stackIds.Length)
        {
            var size = Count * 2;
            Array.Resize(ref _stackIds, size);
            Array.Resize(ref _values, size);
            Array.Resize(ref _frameArrays, size);
            Array.Resize(ref _frameStarts, size);
            Array.Resize(ref _frameLengths, size);
            Array.Resize(ref _leaves, size);
        }
        _stackIds[Count] = stackId;
        _values[Count] = value;
        _frameArrays[Count] = frames;
        _frameStarts[Count] = start;
        _frameLengths[Count] = length;
        _leaves[Count] = leaf;
        Count++;
        Total += value;
    }
}
