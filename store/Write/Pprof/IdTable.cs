using System.Diagnostics.CodeAnalysis;

namespace GrafanaProfiles.Store.Pprof;

/// <summary>
/// A process-wide table from 64-bit content-hash ids to immutable objects, for the decoders'
/// interners: reads take no lock, writes take one. Open addressing over an array of (id, value)
/// pairs, so a lookup reads one cache line of the table and no node object. The interners sit in
/// the decode's hottest path (a profile looks up each of its ~400 functions and ~150 stacks), and
/// inside the write path their tables are mostly out of the caches: the log's writes, the buffer
/// and the flushes push them out between profiles (docs/benchmarks.md, change 33). A
/// <c>ConcurrentDictionary</c> read its bucket, then a node, then the value (change 34).
/// </summary>
/// <remarks>
/// A writer stores the value before the id, and a reader reads the id first (acquire), so a reader
/// that sees the id sees the value. Growing or starting again builds a new table and publishes it
/// whole; readers still on the old one see a consistent, older state. Id 0 is the empty slot and
/// is never stored (a content hash of 0 is only looked up, never found).
/// </remarks>
internal sealed class IdTable<T> where T : class
{
    private struct Entry
    {
        public ulong Id;
        public T? Value;
    }

    private readonly Lock _gate = new();
    private readonly int _initialCapacity;
    private Entry[] _entries;
    private int _count;

    public IdTable(int maxEntries, int initialCapacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        MaxEntries = maxEntries;
        _initialCapacity = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(initialCapacity, 16, 1 << 30));
        _entries = new Entry[_initialCapacity];
    }

    /// <summary>Entries held now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Past this many entries the table starts again empty (it bounds memory, not correctness).</summary>
    public int MaxEntries { get; }

    public bool TryGet(ulong id, [NotNullWhen(true)] out T? value)
    {
        var entries = Volatile.Read(ref _entries);
        var mask = entries.Length - 1;
        for (var i = (int)id & mask; ; i = (i + 1) & mask)
        {
            var current = Volatile.Read(ref entries[i].Id);
            if (current == id && id != 0)
            {
                value = entries[i].Value!;
                return true;
            }
            if (current == 0)
            {
                value = null;
                return false;
            }
        }
    }

    /// <summary>
    /// A hint: starts loading the slot where <paramref name="id"/> would be first looked for, so
    /// that a lookup made a little later finds it in the cache (see <see cref="CacheHint"/>).
    /// </summary>
    public void PrefetchSlot(ulong id)
    {
        var entries = _entries;
        CacheHint.Prefetch(ref entries[(int)id & (entries.Length - 1)]);
    }

    /// <summary>
    /// A hint: when the first slot looked at for <paramref name="id"/> holds it, starts loading the
    /// value object (best after <see cref="PrefetchSlot"/> has brought the slot in).
    /// </summary>
    public void PrefetchValue(ulong id)
    {
        var entries = _entries;
        ref var entry = ref entries[(int)id & (entries.Length - 1)];
        if (CacheHint.Available && entry.Id == id && entry.Value is { } value)
        {
            CacheHint.PrefetchObject(value);
        }
    }

    /// <summary>The value stored for <paramref name="id"/>: the one already there, or <paramref name="value"/>, stored now.</summary>
    public T GetOrAdd(ulong id, T value)
    {
        if (id == 0)
        {
            return value;
        }
        lock (_gate)
        {
            var entries = _entries;
            var slot = Find(entries, id);
            if (entries[slot].Id == id)
            {
                return entries[slot].Value!;
            }
            if (_count >= MaxEntries)
            {
                entries = new Entry[_initialCapacity];
                Volatile.Write(ref _count, 0);
                Volatile.Write(ref _entries, entries);
            }
            else if ((_count + 1) * 2 > entries.Length)
            {
                entries = Grown(entries);
                Volatile.Write(ref _entries, entries);
            }
            slot = Find(entries, id);
            entries[slot].Value = value;
            Volatile.Write(ref entries[slot].Id, id);
            Volatile.Write(ref _count, _count + 1);
            return value;
        }
    }

    /// <summary>The slot holding <paramref name="id"/>, or the empty slot where it would go.</summary>
    private static int Find(Entry[] entries, ulong id)
    {
        var mask = entries.Length - 1;
        var i = (int)id & mask;
        while (entries[i].Id != 0 && entries[i].Id != id)
        {
            i = (i + 1) & mask;
        }
        return i;
    }

    private static Entry[] Grown(Entry[] entries)
    {
        var larger = new Entry[entries.Length * 2];
        foreach (var entry in entries)
        {
            if (entry.Id != 0)
            {
                larger[Find(larger, entry.Id)] = entry;
            }
        }
        return larger;
    }
}
