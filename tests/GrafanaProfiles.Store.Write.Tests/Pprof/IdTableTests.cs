using GrafanaProfiles.Store.Pprof;

namespace GrafanaProfiles.Store.Write.Tests.Pprof;

public sealed class IdTableTests
{
    private sealed record Item(ulong Id);

    private static ulong Hash(int i) => unchecked((ulong)(i + 1) * 0x9E3779B97F4A7C15UL);

    [Fact]
    public void GetOrAdd_StoresOnce_AndTryGetFindsWhatWasStored()
    {
        var table = new IdTable<Item>(maxEntries: 1000, initialCapacity: 16);
        var first = new Item(42);

        Assert.False(table.TryGet(42, out _));
        Assert.Same(first, table.GetOrAdd(42, first));
        Assert.Same(first, table.GetOrAdd(42, new Item(42)));
        Assert.True(table.TryGet(42, out var found));
        Assert.Same(first, found);
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void IdZero_IsNeverStored()
    {
        var table = new IdTable<Item>(maxEntries: 1000);
        var zero = new Item(0);

        Assert.Same(zero, table.GetOrAdd(0, zero));
        Assert.False(table.TryGet(0, out _));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void Growing_KeepsEveryEntry_IncludingIdsThatCollideInTheLowBits()
    {
        var table = new IdTable<Item>(maxEntries: 100_000, initialCapacity: 16);
        // Hash ids, and ids that share their low bits (they land in one probe run).
        var ids = Enumerable.Range(0, 5_000).Select(Hash).Concat(Enumerable.Range(1, 300).Select(i => (ulong)i << 32)).ToArray();
        foreach (var id in ids)
        {
            table.GetOrAdd(id, new Item(id));
        }

        Assert.Equal(ids.Length, table.Count);
        Assert.All(ids, id => Assert.True(table.TryGet(id, out var item) && item.Id == id));
        Assert.False(table.TryGet(Hash(5_000), out _));
    }

    [Fact]
    public void Prefetches_AreOnlyHints_AndChangeNothing()
    {
        var table = new IdTable<Item>(maxEntries: 100_000, initialCapacity: 16);
        var ids = Enumerable.Range(0, 2_000).Select(Hash).Concat(Enumerable.Range(1, 50).Select(i => (ulong)i << 32)).ToArray();
        foreach (var id in ids)
        {
            // Before and after the id is stored, while the table grows; and for ids never stored, 0 included.
            table.PrefetchSlot(id);
            table.PrefetchValue(id);
            table.GetOrAdd(id, new Item(id));
            table.PrefetchValue(id);
            table.PrefetchSlot(id ^ 1);
            table.PrefetchValue(0);
        }

        Assert.Equal(ids.Length, table.Count);
        Assert.All(ids, id => Assert.True(table.TryGet(id, out var item) && item.Id == id));
        Assert.False(table.TryGet(0, out _));
    }

    [Fact]
    public void PastMaxEntries_StartsAgainEmpty()
    {
        var table = new IdTable<Item>(maxEntries: 100, initialCapacity: 16);
        for (var i = 0; i < 100; i++)
        {
            table.GetOrAdd(Hash(i), new Item(Hash(i)));
        }
        Assert.Equal(100, table.Count);

        table.GetOrAdd(Hash(100), new Item(Hash(100)));

        Assert.Equal(1, table.Count);
        Assert.True(table.TryGet(Hash(100), out _));
        Assert.False(table.TryGet(Hash(0), out _));
    }

    [Fact]
    public void ConcurrentReadersAndWriters_SeeOnlyCompleteEntries_AndAgreeOnTheStoredObject()
    {
        var table = new IdTable<Item>(maxEntries: 1_000_000, initialCapacity: 16);
        const int ids = 20_000;
        var winners = new Item?[ids];
        var errors = 0;
        Parallel.For(0, 8, worker =>
        {
            var random = new Random(worker);
            for (var n = 0; n < 60_000; n++)
            {
                var i = random.Next(ids);
                var id = Hash(i);
                if (table.TryGet(id, out var seen) && seen.Id != id)
                {
                    Interlocked.Increment(ref errors);
                }
                var stored = table.GetOrAdd(id, new Item(id));
                var previous = Interlocked.CompareExchange(ref winners[i], stored, null);
                if (stored.Id != id || (previous is not null && !ReferenceEquals(previous, stored)))
                {
                    Interlocked.Increment(ref errors);
                }
            }
        });

        Assert.Equal(0, errors);
        Assert.Equal(winners.Count(w => w is not null), table.Count);
    }
}
