using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Write;
using GrafanaProfiles.TestSupport;
using static GrafanaProfiles.TestSupport.Batches;

namespace GrafanaProfiles.Store.Tests.Write;

public sealed class WalRecordDecodersTests
{
    [Fact]
    public void Kinds_AreNumberedAsTheLogStoresThem()
    {
        // The numbers are on disk in every log written so far: they never change.
        Assert.Equal(
            [(0, "Batch"), (1, "Pprof"), (2, "Folded"), (3, "PprofWithFixes")],
            Enum.GetValues<WalRecordKind>().Select(k => ((int)(byte)k, k.ToString())));
    }

    [Fact]
    public void Default_HoldsTheBatchKind_AndThePprofCodecAddsItsOwn()
    {
        Assert.Equal([WalRecordKind.Batch], WalRecordDecoders.Default.Kinds);
        Assert.Equal([WalRecordKind.Batch, WalRecordKind.Pprof], PprofWalCodec.Decoders.Kinds);
    }

    [Fact]
    public void With_AKindThatHasADecoder_IsRefusedNamingTheKind()
    {
        var e = Assert.Throws<ArgumentException>(() => PprofWalCodec.Decoders.With(WalRecordKind.Pprof, p => new ProfileBatch()));
        Assert.Contains("1 (Pprof) already has a decoder", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => WalRecordDecoders.Default.With(WalRecordKind.Batch, p => new ProfileBatch()));
        // A registry is never changed by With: the refused one and the original still hold what they held.
        Assert.Equal([WalRecordKind.Batch, WalRecordKind.Pprof], PprofWalCodec.Decoders.Kinds);
    }

    [Fact]
    public void Decode_AKindWithoutDecoder_IsInvalidDataNamingTheKind()
    {
        var batch = Folded(BaseTime, "api", null, Cpu, ("main;work", 5));
        var payload = ProfileBatchCodec.Encode(batch);

        Assert.Equal(5, WalRecordDecoders.Default.Decode(WalRecordKind.Batch, payload).Profiles[0].Total);
        Assert.Contains("kind 1 (Pprof)", Assert.Throws<InvalidDataException>(() => WalRecordDecoders.Default.Decode(WalRecordKind.Pprof, payload)).Message, StringComparison.Ordinal);
        Assert.Contains("kind 200 ", Assert.Throws<InvalidDataException>(() => WalRecordDecoders.Default.Decode((WalRecordKind)200, payload)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_OfAKindWithoutDecoder_StopsTheOpening_AndKeepsTheLogForAWriterThatHasIt()
    {
        using var dir = new TempDirectory();
        var options = new StoreOptions { DataDirectory = dir.Path, WriterId = "w", FlushInterval = TimeSpan.FromHours(1) };
        var first = await ProfileWriter.OpenAsync(options, PprofWalCodec.Decoders);
        await PprofWalCodec.AppendAsync(first, "default", PprofTestData.Read("pprof/go-heap.pb.gz"), new PprofDecodeOptions { ServiceName = "api" });
        // Abandoned unflushed, as by a crash.

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => ProfileWriter.OpenAsync(options));
        Assert.Contains("Log record 1 has kind 1 (Pprof), which no decoder handles", e.Message, StringComparison.Ordinal);
        Assert.Contains(options.WalDirectory, e.Message, StringComparison.Ordinal);

        await using var second = await ProfileWriter.OpenAsync(options, PprofWalCodec.Decoders);
        Assert.Equal(1, second.Replay.RecordsReplayed);
        Assert.Equal(0, second.Stats.ReplaySkipped);
    }

    [Fact]
    public async Task Replay_OfAKindThisVersionDoesNotKnow_StopsTheOpeningNamingItsNumber()
    {
        using var dir = new TempDirectory();
        var options = new StoreOptions { DataDirectory = dir.Path, WriterId = "w", FlushInterval = TimeSpan.FromHours(1) };
        var first = await ProfileWriter.OpenAsync(options);
        var batch = Folded(BaseTime, "api", null, Cpu, ("main;work", 5));
        await first.AppendAsync("default", batch, (WalRecordKind)200, ProfileBatchCodec.Encode(batch));

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => ProfileWriter.OpenAsync(options, PprofWalCodec.Decoders));
        Assert.Contains("Log record 1 has kind 200, which no decoder handles", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_ADecoderThatFails_SkipsTheRecord_UnlessItCallsTheDataInvalid()
    {
        using var dir = new TempDirectory();
        var options = new StoreOptions { DataDirectory = dir.Path, WriterId = "w", FlushInterval = TimeSpan.FromHours(1) };
        var first = await ProfileWriter.OpenAsync(options);
        await first.AppendAsync("default", Folded(BaseTime, "api", null, Cpu, ("main;work", 5)));

        var invalid = WalRecordDecoders.Default.Wrap((_, _) => _ => throw new InvalidDataException("unreadable"));
        await Assert.ThrowsAsync<InvalidDataException>(() => ProfileWriter.OpenAsync(options, invalid));

        var failing = WalRecordDecoders.Default.Wrap((_, _) => _ => throw new FormatException("cannot decode again"));
        await using var second = await ProfileWriter.OpenAsync(options, failing);
        Assert.Equal(1, second.Replay.RecordsReplayed);
        Assert.Equal(1, second.Stats.ReplaySkipped);
    }
}
