using GrafanaProfiles.Store.Write;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Collector.Ingest.Tests;

/// <summary>
/// The fuzzing corpus of log replay (tests/testdata/fuzz/wal): segments the real writer logged and
/// the torn or damaged ones that found something. Each is replayed by a real writer at start-up, with
/// every decoder the collector registers: the writer opens (records replayed, skipped with a log line,
/// or the segment cut at a torn record), flushes what it replayed and closes; nothing is thrown, and
/// no input stops the start except the documented refusal of a record a newer build wrote.
/// </summary>
public sealed class WalDecodersCorpusTests
{
    private const string Segment = "00000000000000000001" + WriteAheadLog.SegmentExtension;

    /// <summary>
    /// What replaying one corpus segment (at most 50 KB) may allocate: the real segments take a few
    /// MiB; a count read from a damaged record and trusted took over 4 GiB.
    /// </summary>
    private const long MaxReplayAllocatedBytes = 256L << 20;

    public static TheoryData<string> Inputs() => [.. FuzzCorpus.Inputs("wal", "wal/every-kind/00000000000000000001.wal")];

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task Replay_CorpusSegment_WriterOpensAndCloses(string input)
    {
        using var directory = new TempDirectory();
        var options = new StoreOptions { DataDirectory = directory.Path, WriterId = "fuzz", FlushInterval = TimeSpan.FromHours(1) };
        Directory.CreateDirectory(options.WalDirectory);
        var bytes = FuzzCorpus.Read(input);
        await File.WriteAllBytesAsync(Path.Combine(options.WalDirectory, Segment), bytes);
        try
        {
            // Replay runs on this thread before OpenAsync first yields, so this thread's allocations are replay's.
            var before = GC.GetAllocatedBytesForCurrentThread();
            var opening = ProfileWriter.OpenAsync(options, WalDecoders.All);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            await using var writer = await opening;
            Assert.True(allocated < MaxReplayAllocatedBytes,
                $"{input}: replaying {bytes.Length} bytes allocated {allocated >> 20} MiB, over {MaxReplayAllocatedBytes >> 20} MiB");
            var replay = writer.Replay;
            Assert.True(replay.RecordsReplayed + replay.TornRecordsDropped + (int)writer.Stats.ReplaySkipped > 0 || bytes.Length == 0,
                $"{input}: replay saw no record at all");
        }
        catch (InvalidDataException e) when (e.Message.Contains("which no decoder handles", StringComparison.Ordinal)
            || e.Message.Contains("unknown version", StringComparison.Ordinal))
        {
            // The one stop: a record of a kind or codec version this build does not know.
        }
    }
}
