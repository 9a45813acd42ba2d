using System.Numerics;

namespace GrafanaProfiles.Store.Write.Parquet;

/// <summary>
/// The dictionary of one column chunk: distinct 64-bit values in first-seen order and each
/// value's index, in an open-addressing table (linear probing, Fibonacci hashing) that grows at
/// half full and is reused chunk after chunk. Sorted columns repeat their last value for long
/// stretches, so a value equal to the previous one is not looked up at all.
/// </summary>
internal sealed class ValueDictionary
{
    private const int InitialCapacity = 1024;

    private long[] _slotValues = new long[InitialCapacity];
    private int[] _slotEntries = new int[InitialCapacity]; // entry index + 1; 0 marks an empty slot
    private long[] _entries = new long[InitialCapacity / 2];
    private int _shift = 64 - BitOperations.Log2(InitialCapacity);

    public int Count { get; private set; }

    /// <summary>The distinct values, index by index.</summary>
    public ReadOnlySpan<long> Entries => _entries.AsSpan(0, Count);

    /// <summary>
    /// Replaces each value with its dictionary index; false (and the dictionary abandoned) as soon
    /// as there would be more than <paramref name="maxEntries"/> distinct values.
    /// </summary>
    public bool TryEncode(ReadOnlySpan<long> values, Span<int> indices, int maxEntries)
    {
        Reset();
        var previous = 0L;
        var previousIndex = -1;
        for (var i = 0; i < values.Length; i++)
        {
            var value = values[i];
            if (value != previous || previousIndex < 0)
            {
                previousIndex = IndexOf(value);
                previous = value;
                if (Count > maxEntries)
                {
                    return false;
                }
            }
            indices[i] = previousIndex;
        }
        return true;
    }

    private void Reset()
    {
        if (Count * 8 < _slotEntries.Length)
        {
            // A table grown by an earlier chunk with many values: empty only the slots in use.
            var mask = _slotEntries.Length - 1;
            foreach (var value in Entries)
            {
                var slot = (int)((ulong)value * 0x9E3779B97F4A7C15UL >> _shift);
                while (_slotValues[slot] != value || _slotEntries[slot] == 0)
                {
                    slot = (slot + 1) & mask;
                }
                _slotEntries[slot] = 0;
            }
        }
        else
        {
            Array.Clear(_slotEntries);
        }
        Count = 0;
    }

    private int IndexOf(long value)
    {
        var mask = _slotEntries.Length - 1;
        var slot = (int)((ulong)value * 0x9E3779B97F4A7C15UL >> _shift);
        while (true)
        {
            var entry = _slotEntries[slot];
            if (entry == 0)
            {
                return Add(value, slot);
            }
            if (_slotValues[slot] == value)
            {
                return entry - 1;
            }
            slot = (slot + 1) & mask;
        }
    }

    private int Add(long value, int slot)
    {
        var index = Count++;
        if (index == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }
        _entries[index] = value;
        _slotValues[slot] = value;
        _slotEntries[slot] = index + 1;
        if (Count * 2 > _slotEntries.Length)
        {
            Grow();
        }
        return index;
    }

    private void Grow()
    {
        var capacity = _slotEntries.Length * 2;
        _slotValues = new long[capacity];
        _slotEntries = new int[capacity];
        _shift--;
        var mask = capacity - 1;
        for (var index = 0; index < Count; index++)
        {
            var value = _entries[index];
            var slot = (int)((ulong)value * 0x9E3779B97F4A7C15UL >> _shift);
            while (_slotEntries[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }
            _slotValues[slot] = value;
            _slotEntries[slot] = index + 1;
        }
    }
}
