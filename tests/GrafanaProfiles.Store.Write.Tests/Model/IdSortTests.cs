using GrafanaProfiles.Store.Model;
using Xunit;

namespace GrafanaProfiles.Store.Write.Tests.Model;

public class IdSortTests
{
    public static TheoryData<int, string> Inputs()
    {
        var data = new TheoryData<int, string>();
        foreach (var n in new[] { 0, 1, 2, 23, 24, 25, 152, 1_000, 70_000 })
        {
            foreach (var kind in new[] { "hashes", "small", "equal", "descending", "top-heavy" })
            {
                data.Add(n, kind);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Sorts_like_the_comparison_sort_and_keeps_each_item_with_its_key(int n, string kind)
    {
        var random = new Random(n * 31 + kind.Length);
        var keys = new ulong[n];
        for (var i = 0; i < n; i++)
        {
            keys[i] = kind switch
            {
                "hashes" => ((ulong)random.NextInt64()) ^ ((ulong)(uint)random.Next(2) << 63),
                // Ids that are not spread: all land in the first bucket.
                "small" => (ulong)random.Next(50),
                "equal" => 42UL,
                "descending" => ulong.MaxValue - (ulong)i * 977,
                // Unsigned order: ids with the top bit set sort last.
                _ => (i % 2 == 0 ? 0x8000_0000_0000_0000UL : 0UL) | (uint)random.Next(1000),
            };
        }
        var items = Enumerable.Range(0, n).ToArray();
        var sortedKeys = keys.ToArray();
        IdSort.Sort(sortedKeys, items);

        var expected = keys.Order().ToArray();
        Assert.Equal(expected, sortedKeys);
        Assert.True(IdSort.IsSorted(sortedKeys));
        // Every item still sits beside its own key, and no item is lost or doubled.
        for (var i = 0; i < n; i++)
        {
            Assert.Equal(keys[items[i]], sortedKeys[i]);
        }
        Assert.Equal(Enumerable.Range(0, n), items.Order());
    }

    [Fact]
    public void IsSorted_is_false_for_the_first_descent_in_unsigned_order()
    {
        Assert.True(IdSort.IsSorted([]));
        Assert.True(IdSort.IsSorted([5, 5, 0x8000_0000_0000_0000UL]));
        Assert.False(IdSort.IsSorted([0x8000_0000_0000_0000UL, 1]));
        Assert.False(IdSort.IsSorted([1, 2, 3, 2]));
    }

    [Fact]
    public void Keys_and_items_of_different_lengths_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => IdSort.Sort(new ulong[3], new int[2]));
        Assert.Contains("3 keys but 2 items", error.Message);
    }
}
