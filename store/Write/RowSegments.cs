using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Store.Write;

/// <summary>
/// The rows of a partition buffer in fixed-size segments that come from, and go back to, one
/// process-wide pool. A buffer fills up to a million rows and is dropped after its flush; as a
/// <c>List</c> it grew by doubling into fresh large-object arrays each time, and touching that
/// fresh memory (page faults) plus the copies were 5–8% of the ingest CPU in the benchmark's
/// profile (perf, scale 1). Segments are reused flush after flush and never copied when growing.
/// </summary>
internal sealed class RowSegments : IDisposable
{
    private const int SegmentShift = 16;
    private const int SegmentSize = 1 << SegmentShift;
    private const int SegmentMask = SegmentSize - 1;

    /// <summary>Segments kept for reuse: two full buffers of the default flush size (1 M rows), 1.5 MiB each.</summary>
    internal const int MaxPooledSegments = 40;

    private static readonly ConcurrentBag<SampleRow[]> Pool = [];
    private static int _pooled;

    private readonly List<SampleRow[]> _segments = [];

    public int Count { get; private set; }

    public ref readonly SampleRow this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"The buffer holds {Count} rows.");
            }
            return ref _segments[index >> SegmentShift][index & SegmentMask];
        }
    }

    public void AddRange(ReadOnlySpan<SampleRow> rows)
    {
        while (rows.Length > 0)
        {
            var offset = Count & SegmentMask;
            if (offset == 0 && Count >> SegmentShift == _segments.Count)
            {
                _segments.Add(Rent());
            }
            var room = SegmentSize - offset;
            var n = Math.Min(room, rows.Length);
            rows[..n].CopyTo(_segments[Count >> SegmentShift].AsSpan(offset));
            Count += n;
            rows = rows[n..];
        }
    }

    /// <summary>Copies the stack ids of the rows from <paramref name="start"/> on into <paramref name="destination"/> (its length is the row count).</summary>
    public void CopyStackIds(int start, Span<ulong> destination)
    {
        if ((uint)start > (uint)Count || destination.Length > Count - start)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, $"Rows {start} to {start + destination.Length} are not all among the {Count} rows the buffer holds.");
        }
        while (!destination.IsEmpty)
        {
            var offset = start & SegmentMask;
            var rows = _segments[start >> SegmentShift].AsSpan(offset, Math.Min(SegmentSize - offset, destination.Length));
            for (var i = 0; i < rows.Length; i++)
            {
                destination[i] = rows[i].StackId;
            }
            destination = destination[rows.Length..];
            start += rows.Length;
        }
    }

    /// <summary>Gives the segments back to the pool; the buffer is empty afterwards.</summary>
    public void Dispose()
    {
        foreach (var segment in _segments)
        {
            if (Interlocked.Increment(ref _pooled) <= MaxPooledSegments)
            {
                Pool.Add(segment);
            }
            else
            {
                Interlocked.Decrement(ref _pooled);
            }
        }
        _segments.Clear();
        Count = 0;
    }

    private static SampleRow[] Rent()
    {
        if (Pool.TryTake(out var segment))
        {
            Interlocked.Decrement(ref _pooled);
            return segment;
        }
        return new SampleRow[SegmentSize];
    }
}
