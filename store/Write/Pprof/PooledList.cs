using System.Buffers;
using System.Runtime.CompilerServices;

namespace GrafanaProfiles.Store.Pprof;

/// <summary>
/// A growable list over arrays rented from <see cref="ArrayPool{T}.Shared"/>, for the per-profile
/// tables of the decoder. A mutable struct: keep it in a field and use it through that field.
/// </summary>
internal struct PooledList<T> : IDisposable
{
    private T[] _items;
    private int _count;

    public PooledList(int capacity)
    {
        _items = ArrayPool<T>.Shared.Rent(Math.Max(capacity, 4));
        _count = 0;
    }

    public readonly int Count => _count;

    /// <summary>Elements the backing array holds without growing.</summary>
    public readonly int Capacity => _items.Length;

    public readonly Span<T> Span => _items.AsSpan(0, _count);

    public readonly ref T this[int index] => ref _items[index];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(T item)
    {
        if (_count == _items.Length)
        {
            Grow(_count + 1);
        }
        _items[_count++] = item;
    }

    public void AddRange(ReadOnlySpan<T> items)
    {
        if (_count + items.Length > _items.Length)
        {
            Grow(_count + items.Length);
        }
        items.CopyTo(_items.AsSpan(_count));
        _count += items.Length;
    }

    /// <summary>Makes the list <paramref name="count"/> long, new elements default.</summary>
    public void Resize(int count)
    {
        if (count > _items.Length)
        {
            Grow(count);
        }
        if (count > _count)
        {
            Array.Clear(_items, _count, count - _count);
        }
        _count = count;
    }

    public void Clear() => _count = 0;

    /// <summary>
    /// Makes room for <paramref name="capacity"/> elements and returns them as a span (exactly
    /// <paramref name="capacity"/> long, the first <see cref="Count"/> kept), for writing past
    /// <see cref="Count"/>; <see cref="SetCount"/> then says how many count.
    /// </summary>
    public Span<T> Reserve(int capacity)
    {
        if (capacity > _items.Length)
        {
            Grow(capacity);
        }
        return _items.AsSpan(0, capacity);
    }

    /// <summary>Sets the count after writing through <see cref="Reserve"/>; the elements are not cleared.</summary>
    public void SetCount(int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)count, (uint)_items.Length, nameof(count));
        _count = count;
    }

    private void Grow(int needed)
    {
        var larger = ArrayPool<T>.Shared.Rent(Math.Max(needed, _items.Length * 2));
        Array.Copy(_items, larger, _count);
        Return(_items);
        _items = larger;
    }

    public void Dispose()
    {
        if (_items is not null)
        {
            Return(_items);
            _items = null!;
            _count = 0;
        }
    }

    private static void Return(T[] items) =>
        ArrayPool<T>.Shared.Return(items, clearArray: RuntimeHelpers.IsReferenceOrContainsReferences<T>());
}
