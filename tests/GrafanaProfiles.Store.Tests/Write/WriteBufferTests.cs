using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Write;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Store.Tests.Write;

/// <summary>
/// The write buffer's symbols: decodes share one entry per stack across the process, and a buffer
/// skips the entries it has taken already by a stamp on them (<see cref="SharedStack"/>). Every
/// buffer and every hour partition must still get every stack its rows use, and the functions of
/// those stacks' frames.
/// </summary>
public sealed class WriteBufferTests
{
    private static readonly DateTime Hour = new(2026, 3, 2, 12, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Now = new(2026, 3, 2, 13, 30, 0, DateTimeKind.Utc);

    private static ProfileBatch Decode(string file, DateTime start)
    {
        var from = (start - DateTime.UnixEpoch).Ticks * 100;
        return PprofDecoder.Decode(PprofTestData.Read("pprof/" + file), new PprofDecodeOptions
        {
            ServiceName = "checkout",
            FromUnixNanos = from,
            UntilUnixNanos = from + 10_000_000_000,
        });
    }

    private static void AssertHoldsAllSymbolsOf(PartitionBuffer partition, params ProfileBatch[] batches)
    {
        var expected = batches.SelectMany(b => b.IndexStacks().Keys).Distinct().Order().ToArray();
        Assert.Equal(expected, partition.Stacks.Keys.Order().ToArray());
        foreach (var batch in batches)
        {
            foreach (var (id, frames) in batch.IndexStacks())
            {
                Assert.Equal(frames, partition.Stacks[id]);
            }
        }
        var frameIds = partition.Stacks.Values.SelectMany(f => f).Distinct().ToArray();
        Assert.All(frameIds, f => Assert.True(partition.Functions.ContainsKey(f), $"function {f} of a buffered stack is missing"));
    }

    [Fact]
    public void Decodes_of_the_same_stacks_share_their_entries()
    {
        var first = Decode("go-cpu.pb.gz", Hour);
        var second = Decode("go-cpu.pb.gz", Hour.AddSeconds(10));

        Assert.NotNull(first.SharedStacks);
        Assert.Equal(first.IndexStacks().Keys.Order(), first.SharedStacks.Select(s => s.Id).Order());
        var entries = first.SharedStacks.ToDictionary(s => s.Id);
        Assert.All(second.SharedStacks!, s => Assert.Same(entries[s.Id], s));
        Assert.All(second.SharedStacks!, s => Assert.Same(s.Frames, second.IndexStacks()[s.Id]));
    }

    [Fact]
    public void A_new_buffer_takes_every_stack_again_after_an_earlier_buffer_stamped_them()
    {
        var first = Decode("go-cpu.pb.gz", Hour);
        var second = Decode("go-cpu.pb.gz", Hour.AddSeconds(10));
        var heap = Decode("go-heap.pb.gz", Hour.AddSeconds(20));

        using var before = new WriteBuffer();
        before.Add("default", first, 1, Now);
        before.Add("default", second, 2, Now);
        AssertHoldsAllSymbolsOf(before.Partitions.Values.Single(), first, second);

        // The next buffer (after a flush) sees entries stamped by the first one.
        using var after = new WriteBuffer();
        after.Add("default", heap, 3, Now);
        after.Add("default", second, 4, Now);
        AssertHoldsAllSymbolsOf(after.Partitions.Values.Single(), heap, second);
    }

    [Fact]
    public void Each_hour_partition_and_each_tenant_gets_all_stacks_of_its_batches()
    {
        var early = Decode("node-cpu.pb.gz", Hour.AddMinutes(59));
        var late = Decode("node-cpu.pb.gz", Hour.AddMinutes(60));

        using var buffer = new WriteBuffer();
        buffer.Add("default", early, 1, Now);
        buffer.Add("default", late, 2, Now);
        buffer.Add("other", early, 3, Now);

        Assert.Equal(3, buffer.Partitions.Count);
        AssertHoldsAllSymbolsOf(buffer.Partitions[new PartitionKey("default", Hour)], early);
        AssertHoldsAllSymbolsOf(buffer.Partitions[new PartitionKey("default", Hour.AddHours(1))], late);
        AssertHoldsAllSymbolsOf(buffer.Partitions[new PartitionKey("other", Hour)], early);
    }

    [Fact]
    public void A_batch_without_shared_entries_is_taken_from_its_stack_dictionary()
    {
        var source = Decode("go-heap.pb.gz", Hour);
        var decoded = new ProfileBatch();
        foreach (var function in source.IndexFunctions().Values)
        {
            decoded.AddFunction(function);
        }
        foreach (var frames in source.IndexStacks().Values)
        {
            decoded.AddStack(frames);
        }
        decoded.Profiles.AddRange(source.Profiles);
        Assert.Null(decoded.SharedStacks);

        using var buffer = new WriteBuffer();
        buffer.Add("default", decoded, 1, Now);

        AssertHoldsAllSymbolsOf(buffer.Partitions.Values.Single(), decoded);
    }
}
