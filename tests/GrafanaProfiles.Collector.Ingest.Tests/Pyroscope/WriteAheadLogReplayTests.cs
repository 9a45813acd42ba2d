using Google.Protobuf;
using GrafanaProfiles.Collector.Ingest.Push;
using GrafanaProfiles.Collector.Ingest.Pyroscope;
using GrafanaProfiles.Collector.Ingest.Tests.Support;
using GrafanaProfiles.Schema.Pyroscope.Push.V1;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Collector.Ingest.Tests.Pyroscope;

/// <summary>
/// The log records of every ingest path, through the real writer: acknowledged, not flushed, the
/// writer abandoned (as by a crash), replayed by a new writer into Parquet, read back with DuckDB.
/// </summary>
public sealed class WriteAheadLogReplayTests
{
    private static readonly IngestLimits Limits = IngestLimits.Default;

    [Theory]
    [InlineData("format=folded", WalRecordKind.Folded)]
    [InlineData("format=lines", WalRecordKind.Folded)]
    public void FoldedRecord_DecodesToTheSameBatch(string format, WalRecordKind kind)
    {
        foreach (var file in new[] { "pyspy-cpu.folded", "rbspy-cpu.folded", "ebpf-cpu.folded" })
        {
            var body = TestData.Read("pyroscope/" + file);
            var limits = Limits with { MaxStackDepth = 4, MaxSymbolLength = 12 };
            var result = PyroscopeIngest.Decode(PyroscopeIngestTests.Query("name=app.cpu{env=a}&from=now-10s&until=now&" + format), null, body, limits, StoppedClock.Default);
            Assert.Equal(kind, result.WalKind);
            BatchAssert.Equal(result.Batch, WalDecoders.All.Decode(kind, result.WalPayload));
        }
    }

    [Fact]
    public async Task EveryIngestKind_AcknowledgedButNotFlushed_ReplaysIntoParquet()
    {
        using var dir = new TempDirectory();
        var options = new StoreOptions { DataDirectory = dir.Path, WriterId = "w", FlushInterval = TimeSpan.FromHours(1) };
        var now = DateTimeOffset.UtcNow;
        var clock = new StoppedClock(now);
        var results = new List<(ProfileBatch Batch, WalRecordKind Kind, ReadOnlyMemory<byte> Payload)>();

        var folded = PyroscopeIngest.Decode(PyroscopeIngestTests.Query("name=py.app.cpu&from=now-10s&until=now&spyName=pyspy"), null,
            TestData.Read("pyroscope/pyspy-cpu.folded"), Limits, clock);
        results.Add((folded.Batch, folded.WalKind, folded.WalPayload));
        var pyspyPprof = PyroscopeIngest.Decode(PyroscopeIngestTests.Query("name=py.app&format=pprof&from=now-10s&until=now&spyName=pyspy"), null,
            Profiles.Build("cpu", "nanoseconds", [("main", "app.py"), ("fib", "app.py")], [([1, 0], 50_000_000)]), Limits, clock);
        results.Add((pyspyPprof.Batch, pyspyPprof.WalKind, pyspyPprof.WalPayload));
        var form = new GoMultipart().File("profile", "profile.pprof", TestData.Pprof("go-heap.pb.gz"))
            .File("sample_type_config", "sample_type_config.json", """{"inuse_space":{"units":"bytes","aggregation":"average"}}"""u8.ToArray());
        var multipart = PyroscopeIngest.Decode(PyroscopeIngestTests.Query("name=go.app&from=now-10s&until=now&spyName=gospy"), form.ContentType, form.Close(), Limits, clock);
        results.Add((multipart.Batch, multipart.WalKind, multipart.WalPayload));
        var push = new PushRequest { Series = { new RawProfileSeries { Samples = { new RawSample { RawProfile = ByteString.CopyFrom(TestData.Pprof("go-goroutine.pb.gz")) } } } } };
        push.Series[0].Labels.Add(new Schema.Pyroscope.Types.V1.LabelPair { Name = "service_name", Value = "go.app" });
        var pushed = Assert.Single(PushDecoder.Decode("application/proto", push.ToByteArray(), Limits, clock).Profiles);
        results.Add((pushed.Batch, pushed.WalKind, pushed.WalPayload));
        Assert.Equal(new byte[] { 2, 3, 1, 1 }, results.Select(r => (byte)r.Kind));

        var crashed = await ProfileWriter.OpenAsync(options, WalDecoders.All);
        foreach (var (batch, kind, payload) in results)
        {
            await crashed.AppendAsync("default", batch, kind, payload);
        }

        await using var restarted = await ProfileWriter.OpenAsync(options, WalDecoders.All);
        Assert.Equal(4, restarted.Replay.RecordsReplayed);
        await restarted.FlushAsync();
        using var reader = new ProfileReader(dir.Path);
        var (from, to) = (now.UtcDateTime.AddHours(-1), now.UtcDateTime.AddHours(1));
        var cpu = new ProfileSelection("default", from, to, "process_cpu:cpu:nanoseconds:cpu:nanoseconds", LabelSelector.Parse("{service_name=\"py.app\"}"));
        Assert.Equal(folded.Batch.Profiles[0].Total + pyspyPprof.Batch.Profiles[0].Total, reader.Top(cpu).Total);
        // pyspy names pprof functions "file name"; the folded body names them as written.
        Assert.Contains(reader.Top(cpu).Entries, e => e.Function == "app.py fib");
        Assert.Contains(reader.Top(cpu).Entries, e => e.Function == "app.py:22 - fib");
        // The pushed profile keeps its own time (it has no from/until): look over all of it.
        var types = reader.ProfileTypes("default", new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc), to.AddYears(1));
        Assert.Contains("memory:inuse_space:bytes:space:bytes", types);
        Assert.Contains("goroutines:goroutine:count:goroutine:count", types);
    }
}
