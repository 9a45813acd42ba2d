using System.Text;
using GrafanaProfiles.Store.Write;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Store.Write.Tests;

public sealed class WriteAheadLogTests
{
    private static byte[] Payload(int i) => Encoding.UTF8.GetBytes($"record {i}: " + new string((char)('a' + (i % 26)), i % 300));

    private static List<WalRecord> ReadBack(string directory)
    {
        var records = new List<WalRecord>();
        var log = WriteAheadLog.Open(directory, new WalOptions(), -1, r => records.Add(new WalRecord(r.Sequence, r.Kind, r.Payload.ToArray())), out _);
        log.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return records;
    }

    [Fact]
    public async Task ConcurrentAppends_AreAllDurable_InSequenceOrder_SharingCommits()
    {
        using var dir = new TempDirectory();
        var log = WriteAheadLog.Open(dir.Path, new WalOptions(), -1, _ => { }, out _);
        const int producers = 8, each = 200;
        var sequences = new long[producers * each];
        // Producers append as fast as they can, each awaiting its own record, as ingest requests do.
        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            for (var j = 0; j < each; j++)
            {
                var i = (p * each) + j;
                sequences[i] = log.Append(7, Payload(i), out var durable);
                await durable;
            }
        })));
        Assert.Equal(producers * each, log.RecordsWritten);
        Assert.InRange(log.Commits, 1, producers * each);
        Assert.Equal(producers * each, log.NextSequence);
        await log.DisposeAsync();

        var records = ReadBack(dir.Path);
        Assert.Equal(Enumerable.Range(0, producers * each).Select(i => (long)i), records.Select(r => r.Sequence));
        foreach (var (sequence, i) in sequences.Select((s, i) => (s, i)))
        {
            Assert.Equal(Payload(i), records[(int)sequence].Payload.ToArray());
            Assert.Equal(7, records[(int)sequence].Kind);
        }
    }

    [Fact]
    public async Task SyncDelay_GathersAppendsThatArriveMeanwhile_IntoOneCommit()
    {
        using var dir = new TempDirectory();
        var log = WriteAheadLog.Open(dir.Path, new WalOptions { SyncDelay = TimeSpan.FromMilliseconds(300) }, -1, _ => { }, out _);
        var durable = new List<Task>();
        for (var i = 0; i < 50; i++)
        {
            log.Append(1, Payload(i), out var d);
            durable.Add(d);
        }
        await Task.WhenAll(durable);
        // The writer wakes on the first append; once it sees more than one waiting (or committed
        // more than one) it waits 300 ms before it takes the queue: the 50 appends queued in a loop
        // land in one commit, or up to three if the writer woke while the first was still alone.
        Assert.InRange(log.Commits, 1, 3);
        Assert.Equal(50, log.RecordsWritten);
        await log.DisposeAsync();
        Assert.Equal(50, ReadBack(dir.Path).Count);
    }

    [Fact]
    public async Task SyncDelay_DoesNotHoldALoneAppend()
    {
        using var dir = new TempDirectory();
        // An hour's delay: an append that waited for it would fail the test by its timeout.
        var log = WriteAheadLog.Open(dir.Path, new WalOptions { SyncDelay = TimeSpan.FromHours(1) }, -1, _ => { }, out _);
        for (var i = 0; i < 5; i++)
        {
            log.Append(1, Payload(i), out var durable);
            await durable.WaitAsync(TimeSpan.FromSeconds(60));
        }
        Assert.Equal(5, log.Commits);
        await log.DisposeAsync();
        Assert.Equal(5, ReadBack(dir.Path).Count);
    }

    [Fact]
    public async Task SyncInterval_CommitsALoneAppendAtOnce_AndHoldsTheNextOnesForOneSharedCommit()
    {
        using var dir = new TempDirectory();
        // An hour's interval: the first append (no commit before it) must not wait for it; the ones
        // after it must, and share one commit, which closing the log makes at once.
        var log = WriteAheadLog.Open(dir.Path, new WalOptions { SyncInterval = TimeSpan.FromHours(1) }, -1, _ => { }, out _);
        log.Append(1, Payload(0), out var first);
        await first.WaitAsync(TimeSpan.FromSeconds(60));
        var held = new List<Task>();
        for (var i = 1; i < 4; i++)
        {
            // Spaced as a steady rate would be: without the interval each would be committed alone.
            log.Append(1, Payload(i), out var d);
            held.Add(d);
            await Task.Delay(50);
        }
        await Task.Delay(200);
        Assert.All(held, d => Assert.False(d.IsCompleted, "an append within the interval was acknowledged before the interval passed"));
        Assert.Equal(1, log.Commits);
        await log.DisposeAsync();
        await Task.WhenAll(held).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, log.Commits);
        Assert.Equal(4, ReadBack(dir.Path).Count);
    }

    [Fact]
    public async Task SyncInterval_IsOnlyForFsync_AppendsWithoutSyncAreWrittenAtOnce()
    {
        using var dir = new TempDirectory();
        var log = WriteAheadLog.Open(dir.Path, new WalOptions { SyncMode = WalSyncMode.None, SyncInterval = TimeSpan.FromHours(1) }, -1, _ => { }, out _);
        for (var i = 0; i < 3; i++)
        {
            log.Append(1, Payload(i), out var durable);
            await durable.WaitAsync(TimeSpan.FromSeconds(60));
        }
        Assert.Equal(3, log.Commits);
        await log.DisposeAsync();
    }

    [Fact]
    public async Task MaxBatchBytes_SplitsAQueueIntoSeveralCommits_AndALargerRecordStillGoesAlone()
    {
        using var dir = new TempDirectory();
        var options = new WalOptions { SyncDelay = TimeSpan.FromMilliseconds(200), MaxBatchBytes = 4096 };
        var log = WriteAheadLog.Open(dir.Path, options, -1, _ => { }, out _);
        var durable = new List<Task>();
        for (var i = 0; i < 20; i++)
        {
            log.Append(1, new byte[1000], out var d);
            durable.Add(d);
        }
        log.Append(1, new byte[10_000], out var large);
        durable.Add(large);
        await Task.WhenAll(durable);
        // 1,017 bytes a record with its header: at most 4 records fit in 4,096 bytes.
        Assert.True(log.Commits >= 6, $"{log.Commits} commits for 20 records of 1,017 bytes and one of 10,017 under max_batch_bytes=4096");
        await log.DisposeAsync();
        var records = ReadBack(dir.Path);
        Assert.Equal(21, records.Count);
        Assert.Equal(10_000, records[20].Payload.Length);
    }

    [Fact]
    public async Task Append_AfterDispose_IsRefused_AndEverythingBeforeItWasWritten()
    {
        using var dir = new TempDirectory();
        var log = WriteAheadLog.Open(dir.Path, new WalOptions(), -1, _ => { }, out _);
        log.Append(1, Payload(1), out var first);
        log.Append(1, Payload(2), out var second);
        await log.DisposeAsync();
        Assert.True(first.IsCompletedSuccessfully && second.IsCompletedSuccessfully);
        var e = Assert.Throws<ObjectDisposedException>(() => log.Append(1, Payload(3), out _));
        Assert.Contains("closed", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, ReadBack(dir.Path).Count);
    }
}
