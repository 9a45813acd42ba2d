using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace GrafanaProfiles.Store.Model;

/// <summary>
/// Sorts 64-bit content-hash ids (stack, function, series ids) in unsigned order, moving an item
/// with each. The ids are hashes, so they spread evenly over the 64-bit range: one pass that
/// distributes them by their top bits into about one bucket per id leaves buckets of one or two,
/// which insertion sort finishes. That is linear, where <see cref="MemoryExtensions.Sort{TKey, TValue}(Span{TKey}, Span{TValue})"/>
/// compares n log n times (the flush's perf profile found sorting the rows of each profile
/// window by stack id to be 40% of a flush's CPU). Ids that are not spread (tests, hostile input)
/// only make buckets larger; a large bucket falls back to the comparison sort (docs/benchmarks.md,
/// change 29).
/// </summary>
internal static class IdSort
{
    /// <summary>Up to this many ids, insertion sort alone is faster than distributing them.</summary>
    private const int InsertionLimit = 24;

    /// <summary>At most 2^16 buckets (a 256 KiB count array); larger inputs get larger buckets.</summary>
    private const int MaxBucketBits = 16;

    /// <summary>True when <paramref name="keys"/> are in unsigned order.</summary>
    public static bool IsSorted(ReadOnlySpan<ulong> keys)
    {
        for (var i = 1; i < keys.Length; i++)
        {
            if (keys[i] < keys[i - 1])
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Sorts <paramref name="keys"/> in unsigned order; <paramref name="items"/> (same length) follow their keys. Not stable.</summary>
    public static void Sort(Span<ulong> keys, Span<int> items)
    {
        if (keys.Length != items.Length)
        {
            throw new ArgumentException($"{keys.Length} keys but {items.Length} items.", nameof(items));
        }
        var n = keys.Length;
        if (n <= InsertionLimit)
        {
            Insertion(keys, items);
            return;
        }
        var bits = Math.Min(MaxBucketBits, BitOperations.Log2((uint)n - 1) + 1);
        var shift = 64 - bits;
        var bucketCount = 1 << bits;
        var starts = ArrayPool<int>.Shared.Rent(bucketCount + 1);
        var keysCopy = ArrayPool<ulong>.Shared.Rent(n);
        var itemsCopy = ArrayPool<int>.Shared.Rent(n);
        try
        {
            var offsets = starts.AsSpan(0, bucketCount + 1);
            offsets.Clear();
            foreach (var key in keys)
            {
                offsets[(int)(key >> shift) + 1]++;
            }
            for (var b = 1; b <= bucketCount; b++)
            {
                offsets[b] += offsets[b - 1];
            }
            // offsets[b] is now where bucket b starts; scatter advances it to where bucket b ends.
            var sortedKeys = keysCopy.AsSpan(0, n);
            var sortedItems = itemsCopy.AsSpan(0, n);
            for (var i = 0; i < n; i++)
            {
                var slot = offsets[(int)(keys[i] >> shift)]++;
                sortedKeys[slot] = keys[i];
                sortedItems[slot] = items[i];
            }
            // Bucket b now ends at offsets[b] and starts where bucket b - 1 ends.
            var start = 0;
            for (var b = 0; b < bucketCount; b++)
            {
                var end = offsets[b];
                var size = end - start;
                if (size > InsertionLimit)
                {
                    sortedKeys[start..end].Sort(sortedItems[start..end]);
                }
                else if (size > 1)
                {
                    Insertion(sortedKeys[start..end], sortedItems[start..end]);
                }
                start = end;
            }
            sortedKeys.CopyTo(keys);
            sortedItems.CopyTo(items);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(starts);
            ArrayPool<ulong>.Shared.Return(keysCopy);
            ArrayPool<int>.Shared.Return(itemsCopy);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Insertion(Span<ulong> keys, Span<int> items)
    {
        for (var i = 1; i < keys.Length; i++)
        {
            var key = keys[i];
            var item = items[i];
            var j = i - 1;
            while (j >= 0 && keys[j] > key)
            {
                keys[j + 1] = keys[j];
                items[j + 1] = items[j];
                j--;
            }
            keys[j + 1] = key;
            items[j + 1] = item;
        }
    }
}
