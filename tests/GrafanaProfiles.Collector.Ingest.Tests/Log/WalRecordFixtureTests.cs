using System.Globalization;
using System.Text;
using Google.Protobuf;
using GrafanaProfiles.Collector.Ingest.Push;
using GrafanaProfiles.Collector.Ingest.Pyroscope;
using GrafanaProfiles.Collector.Ingest.Tests.Pyroscope;
using GrafanaProfiles.Collector.Ingest.Tests.Support;
using GrafanaProfiles.Schema.Pyroscope.Push.V1;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Collector.Ingest.Tests.Log;

/// <summary>
/// A write-ahead log with one record of every kind, committed under tests/testdata/wal/every-kind
/// as the collector wrote it, with the batches its replay produced (batches.txt). A log written by
/// an earlier version must replay to the same batches, and today's code must write the same bytes.
/// Set GRAFANAPROFILES_REWRITE_WAL_FIXTURES=1 to write the fixture again (only for a deliberate
/// change of the log's layout, which also needs a new record version).
/// </summary>
public sealed class WalRecordFixtureTests
{
    private const string Tenant = "fixture";
    private const string FixtureDirectory = "wal/every-kind";
    private static readonly IngestLimits Limits = IngestLimits.Default;

    private static bool Rewrite => Environment.GetEnvironmentVariable("GRAFANAPROFILES_REWRITE_WAL_FIXTURES") == "1";

    [Fact]
    public async Task CommittedLog_OfEveryKind_ReplaysToTheCommittedBatches()
    {
        if (Rewrite)
        {
            await WriteFixtureAsync();
        }
        using var dir = new TempDirectory();
        var options = Options(dir.Path);
        CopySegments(TestData.Path(FixtureDirectory), options.WalDirectory);
        var replayed = new List<(byte Kind, ProfileBatch Batch)>();

        await using var writer = await ProfileWriter.OpenAsync(options, Capturing(replayed));

        Assert.Equal(4, writer.Replay.RecordsReplayed);
        Assert.Equal(0, writer.Stats.ReplaySkipped);
        Assert.Equal(new byte[] { 0, 1, 2, 3 }, replayed.Select(r => r.Kind));
        Assert.Equal(Enum.GetValues<WalRecordKind>(), WalDecoders.All.Kinds);
        Assert.Equal(File.ReadAllText(TestData.Path(FixtureDirectory + "/batches.txt")), Dump(replayed));
    }

    [Fact]
    public async Task TodaysWriter_WritesTheCommittedBytes()
    {
        using var dir = new TempDirectory();
        var options = Options(dir.Path);
        await AppendEveryKindAsync(options);

        var committed = Directory.GetFiles(TestData.Path(FixtureDirectory), "*" + WriteAheadLog.SegmentExtension).Order(StringComparer.Ordinal).ToArray();
        var written = Directory.GetFiles(options.WalDirectory, "*" + WriteAheadLog.SegmentExtension).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(committed.Select(Path.GetFileName), written.Select(Path.GetFileName));
        for (var i = 0; i < committed.Length; i++)
        {
            Assert.Equal(File.ReadAllBytes(committed[i]), File.ReadAllBytes(written[i]));
        }
    }

    private static StoreOptions Options(string dataDirectory) =>
        new() { DataDirectory = dataDirectory, WriterId = "w", FlushInterval = TimeSpan.FromHours(1) };

    /// <summary>The real decoders, each wrapped to keep what it returns.</summary>
    private static WalRecordDecoders Capturing(List<(byte Kind, ProfileBatch Batch)> replayed)
        => WalDecoders.All.Wrap((kind, decode) => payload =>
        {
            var batch = decode(payload);
            replayed.Add(((byte)kind, batch));
            return batch;
        });

    /// <summary>One record of each kind, in kind order, appended by the real writer, which is then abandoned unflushed.</summary>
    private static async Task AppendEveryKindAsync(StoreOptions options)
    {
        var clock = StoppedClock.Default;
        var writer = await ProfileWriter.OpenAsync(options, WalDecoders.All);

        var own = new ProfileBatch();
        var main = own.AddFunction(new FunctionInfo("main", "main", "main.go", 3));
        var work = own.AddFunction(new FunctionInfo("work", "pkg.work", "work.go", 10));
        var stack = own.AddStack([main, work]);
        var profile = new SeriesProfile(StoppedClock.InstantNanos, 10_000_000_000, "own.app", "process_cpu:cpu:nanoseconds:cpu:nanoseconds",
            LabelSet.From([new("service_name", "own.app"), new("env", "fixture")]));
        profile.Samples.Add(new SampleRow(stack, 42, 0));
        profile.Samples.Add(new SampleRow(own.AddStack([main]), 7, 0xabcdef));
        own.Profiles.Add(profile);
        await writer.AppendAsync(Tenant, own);

        var push = new PushRequest { Series = { new RawProfileSeries { Samples = { new RawSample { RawProfile = ByteString.CopyFrom(TestData.Pprof("go-goroutine.pb.gz")) } } } } };
        push.Series[0].Labels.Add(new Schema.Pyroscope.Types.V1.LabelPair { Name = "service_name", Value = "go.app" });
        var pushed = Assert.Single(PushDecoder.Decode("application/proto", push.ToByteArray(), Limits, clock).Profiles);
        await writer.AppendAsync(Tenant, pushed.Batch, pushed.WalKind, pushed.WalPayload);

        var folded = PyroscopeIngest.Decode(PyroscopeIngestTests.Query("name=py.app.cpu{env=fixture}&from=now-10s&until=now&spyName=pyspy"), null,
            TestData.Read("pyroscope/pyspy-cpu.folded"), Limits with { MaxStackDepth = 6, MaxSymbolLength = 40 }, clock);
        await writer.AppendAsync(Tenant, folded.Batch, folded.WalKind, folded.WalPayload);

        var fixedPprof = PyroscopeIngest.Decode(PyroscopeIngestTests.Query("name=py.app&format=pprof&from=now-10s&until=now&spyName=pyspy"), null,
            Profiles.Build("cpu", "nanoseconds", [("main", "app.py"), ("fib", "app.py")], [([1, 0], 50_000_000), ([0], 10_000_000)]), Limits, clock);
        await writer.AppendAsync(Tenant, fixedPprof.Batch, fixedPprof.WalKind, fixedPprof.WalPayload);
    }

    private static async Task WriteFixtureAsync()
    {
        using var dir = new TempDirectory();
        var options = Options(dir.Path);
        await AppendEveryKindAsync(options);
        var target = TestData.Path(FixtureDirectory);
        Directory.CreateDirectory(target);
        foreach (var old in Directory.GetFiles(target, "*" + WriteAheadLog.SegmentExtension))
        {
            File.Delete(old);
        }
        CopySegments(options.WalDirectory, target);
        var replayed = new List<(byte Kind, ProfileBatch Batch)>();
        using var again = new TempDirectory();
        var replayOptions = Options(again.Path);
        CopySegments(target, replayOptions.WalDirectory);
        await using (await ProfileWriter.OpenAsync(replayOptions, Capturing(replayed)))
        {
        }
        File.WriteAllText(Path.Combine(target, "batches.txt"), Dump(replayed));
    }

    private static void CopySegments(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var segment in Directory.GetFiles(from, "*" + WriteAheadLog.SegmentExtension))
        {
            File.Copy(segment, Path.Combine(to, Path.GetFileName(segment)));
        }
    }

    /// <summary>Every function, stack, profile and row of the batches, in a stable order.</summary>
    private static string Dump(List<(byte Kind, ProfileBatch Batch)> replayed)
    {
        var s = new StringBuilder();
        foreach (var (kind, batch) in replayed)
        {
            s.Append(CultureInfo.InvariantCulture, $"record kind {kind}\n");
            foreach (var (id, f) in batch.IndexFunctions().OrderBy(f => f.Key))
            {
                s.Append(CultureInfo.InvariantCulture, $"  function {id:x16} {f.Name} | {f.SystemName} | {f.Filename} | {f.StartLine}\n");
            }
            foreach (var (id, frames) in batch.IndexStacks().OrderBy(f => f.Key))
            {
                s.Append(CultureInfo.InvariantCulture, $"  stack {id:x16} {string.Join(' ', frames.Select(f => f.ToString("x16", CultureInfo.InvariantCulture)))}\n");
            }
            foreach (var p in batch.Profiles)
            {
                s.Append(CultureInfo.InvariantCulture, $"  profile {p.TimeNanos} {p.DurationNanos} {p.ServiceName} {p.ProfileType} {p.SeriesId:x16} {p.Labels}\n");
                foreach (var row in p.Samples)
                {
                    s.Append(CultureInfo.InvariantCulture, $"    sample {row.StackId:x16} {row.Value} {row.SpanId:x16}\n");
                }
            }
        }
        return s.ToString();
    }
}
