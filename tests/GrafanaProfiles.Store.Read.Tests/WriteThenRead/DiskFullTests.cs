using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;
using GrafanaProfiles.Store.Write;
using GrafanaProfiles.TestSupport;
using static GrafanaProfiles.TestSupport.Batches;

namespace GrafanaProfiles.Store.Read.Tests.WriteThenRead;

/// <summary>
/// The store on a real tmpfs that fills up: an append the log cannot keep is refused (and never
/// stored, not by the flush, not by replay), what was acknowledged stays, and appends succeed again
/// by themselves once the disk has room.
/// </summary>
public sealed class DiskFullTests
{
    private const int SamplesPerBatch = 40;

    /// <summary>A batch of unique stacks (so each log record is a few KB), every sample worth <paramref name="value"/>.</summary>
    private static ProfileBatch UniqueBatch(int n, long value)
    {
        var samples = Enumerable.Range(0, SamplesPerBatch)
            .Select(i => ($"main;handler_{n};step_{i};leaf_{n}_{i}_{new string('x', 40)}", value)).ToArray();
        return Folded(BaseTime.AddMinutes(n % 50), "full", L("pod", "p" + (n % 3)), Cpu, samples);
    }

    private static long StoredTotal(string dataDirectory)
    {
        using var reader = new ProfileReader(dataDirectory);
        return reader.Top(new ProfileSelection("default", BaseTime, BaseTime.AddHours(1), Cpu, LabelSelector.Parse("{service_name=\"full\"}"))).Total;
    }

    [Fact]
    public async Task FullDisk_RefusesWhatTheLogCannotKeep_KeepsEveryAcknowledgedSample_AndResumesWhenSpaceReturns()
    {
        using var fs = new SizedFilesystem(256 * 1024);
        var options = new StoreOptions { DataDirectory = fs.Path, WriterId = "full", FlushInterval = TimeSpan.FromHours(1) };
        var writer = await ProfileWriter.OpenAsync(options);
        long acknowledged = 0;
        var refused = new List<StoreUnavailableException>();
        try
        {
            // Fill the disk; keep sending after the first refusal, as clients retry.
            for (var n = 0; refused.Count < 5 && n < 5000; n++)
            {
                var value = n + 1;
                try
                {
                    await writer.AppendAsync("default", UniqueBatch(n, value));
                    acknowledged += value * SamplesPerBatch;
                }
                catch (StoreUnavailableException e)
                {
                    refused.Add(e);
                }
            }
            Assert.Equal(5, refused.Count);
            Assert.All(refused, e => Assert.Contains("no space left on device", e.Message, StringComparison.Ordinal));
            // The message is for the sender: it names the cause, not the server's paths.
            Assert.All(refused, e => Assert.DoesNotContain(fs.Path, e.Message, StringComparison.Ordinal));
            Assert.Equal("writing the log: no space left on device", writer.StorageFailure);
            Assert.True(writer.WalWriteFailures >= 5, $"{writer.WalWriteFailures} failed log writes");

            // Space returns: the next append succeeds with no restart, and the state clears.
            fs.Resize(64L * 1024 * 1024);
            await writer.AppendAsync("default", UniqueBatch(9999, 7));
            acknowledged += 7 * SamplesPerBatch;
            Assert.Null(writer.StorageFailure);

            await writer.FlushAsync();
            // The refused appends' rows were buffered before their log write failed; the flush dropped them.
            Assert.Equal(5 * SamplesPerBatch, writer.Stats.FailedAppendRowsDropped);
            Assert.Equal(acknowledged, StoredTotal(fs.Path));
        }
        finally
        {
            await writer.DisposeAsync();
        }

        // Replay finds no record of a refused append, and nothing torn: the log was cut back to where each failed batch began.
        writer = await ProfileWriter.OpenAsync(options);
        await writer.DisposeAsync();
        Assert.Equal(0, writer.Replay.TornRecordsDropped);
        Assert.Equal(acknowledged, StoredTotal(fs.Path));
    }

    [Fact]
    public async Task FullDisk_UnflushedAcknowledgedRows_SurviveARestart_WithoutTheRefusedOnes()
    {
        using var fs = new SizedFilesystem(256 * 1024);
        var options = new StoreOptions { DataDirectory = fs.Path, WriterId = "full", FlushInterval = TimeSpan.FromHours(1) };
        long acknowledged = 0;
        var refusals = 0;
        await using (var writer = await ProfileWriter.OpenAsync(options))
        {
            for (var n = 0; refusals < 3 && n < 5000; n++)
            {
                try
                {
                    await writer.AppendAsync("default", UniqueBatch(n, n + 1));
                    acknowledged += (n + 1) * SamplesPerBatch;
                }
                catch (StoreUnavailableException)
                {
                    refusals++;
                }
            }
            // The disk is still full when the writer closes: its final flush fails (logged), and the
            // acknowledged rows stay in the log for the next start.
            Assert.Equal(0, StoredTotal(fs.Path));
        }
        Assert.Equal(3, refusals);

        fs.Resize(64L * 1024 * 1024);
        await using (var reopened = await ProfileWriter.OpenAsync(options))
        {
            Assert.Equal(0, reopened.Replay.TornRecordsDropped);
        }
        Assert.Equal(acknowledged, StoredTotal(fs.Path));
    }
}
