using GrafanaProfiles.Store.DuckDb;

namespace GrafanaProfiles.Store.Query;

/// <summary>
/// Values aggregated by stack over a selection, with each stack's frames (function ids, root first)
/// in one flat array. What DuckDB returns for flame graphs and top tables.
/// </summary>
public sealed class StackAggregate
{
    private ulong[] _stackIds = new ulong[1024];
    private long[] _values = new long[1024];
    private int[] _offsets = new int[1025];
    private ulong[] _frames = new ulong[16 * 1024];

    public int Count { get; private set; }

    public long Total { get; private set; }

    public ReadOnlySpan<ulong> StackIds => _stackIds.AsSpan(0, Count);

    public ReadOnlySpan<long> Values => _values.AsSpan(0, Count);

    public ReadOnlySpan<ulong> FramesOf(int index) => _frames.AsSpan(_offsets[index], _offsets[index + 1] - _offsets[index]);

    public static StackAggregate Empty { get; } = new();

    public void Add(ulong stackId, long value, ReadOnlySpan<ulong> framesRootFirst)
    {
        EnsureStacks(Count + 1);
        var start = _offsets[Count];
        EnsureFrames(start + framesRootFirst.Length);
        framesRootFirst.CopyTo(_frames.AsSpan(start));
        _stackIds[Count] = stackId;
        _values[Count] = value;
        _offsets[Count + 1] = start + framesRootFirst.Length;
        Count++;
        Total += value;
    }

    /// <summary>Reads a (stack_id UBIGINT, value BIGINT, frame_ids UBIGINT[]) result whole vector by whole vector.</summary>
    internal static StackAggregate Read(DuckDbResult result)
    {
        var aggregate = new StackAggregate();
        foreach (var chunk in result.Chunks())
        {
            var ids = chunk.Column(0).Values<ulong>();
            var values = chunk.Column(1).Values<long>();
            var lists = chunk.Column(2);
            var entries = lists.ListEntries();
            var child = lists.ListChild().Values<ulong>();
            for (var i = 0; i < chunk.RowCount; i++)
            {
                var frames = lists.IsValid(i) ? child.Slice((int)entries[i].Offset, (int)entries[i].Length) : [];
                aggregate.Add(ids[i], values[i], frames);
            }
        }
        return aggregate;
    }

    private void EnsureStacks(int count)
    {
        if (count <= _stackIds.Length)
        {
            return;
        }
        var size = Math.Max(count, _stackIds.Length * 2);
        Array.Resize(ref _stackIds, size);
        Array.Resize(ref _values, size);
        Array.Resize(ref _offsets, size + 1);
    }

    private void EnsureFrames(int count)
    {
        if (count > _frames.Length)
        {
            Array.Resize(ref _frames, Math.Max(count, _frames.Length * 2));
        }
    }
}
