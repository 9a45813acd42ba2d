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
    private ulong[] _stackIds = new ulong[1024];
    private long[] _values = new long[1024];
    private ulong[]?[] _frameArrays = new ulong[]?[1024];
    private int[] _frameStarts = new int[1024];
    private int[] _frameLengths = new int[1024];
    private ulong[] _ownFrames = new ulong[1024];
    private int _ownCount;

    public int Count { get; private set; }

    public long Total { get; private set; }

    public ReadOnlySpan<ulong> StackIds => _stackIds.AsSpan(0, Count);

    public ReadOnlySpan<long> Values => _values.AsSpan(0, Count);

    public ReadOnlySpan<ulong> FramesOf(int index) =>
        (_frameArrays[index] ?? _ownFrames).AsSpan(_frameStarts[index], _frameLengths[index]);

    public static StackAggregate Empty { get; } = new();

    public void Add(ulong stackId, long value, ReadOnlySpan<ulong> framesRootFirst)
    {
        if (_ownCount + framesRootFirst.Length > _ownFrames.Length)
        {
            Array.Resize(ref _ownFrames, Math.Max(_ownCount + framesRootFirst.Length, _ownFrames.Length * 2));
        }
        framesRootFirst.CopyTo(_ownFrames.AsSpan(_ownCount));
        Append(stackId, value, null, _ownCount, framesRootFirst.Length);
        _ownCount += framesRootFirst.Length;
    }

    /// <summary>Adds a stack whose frames stay where they are: <paramref name="frames"/> must never change.</summary>
    internal void AddShared(ulong stackId, long value, ulong[] frames, int start, int length) => Append(stackId, value, frames, start, length);

    private void Append(ulong stackId, long value, ulong[]? frames, int start, int length)
    {
        if (Count == _stackIds.Length)
        {
            var size = Count * 2;
            Array.Resize(ref _stackIds, size);
            Array.Resize(ref _values, size);
            Array.Resize(ref _frameArrays, size);
            Array.Resize(ref _frameStarts, size);
            Array.Resize(ref _frameLengths, size);
        }
        _stackIds[Count] = stackId;
        _values[Count] = value;
        _frameArrays[Count] = frames;
        _frameStarts[Count] = start;
        _frameLengths[Count] = length;
        Count++;
        Total += value;
    }
}
