using System.IO.Compression;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Store.Tests.Pprof;

/// <summary>
/// The decoder against real profiles from real runtimes (Go runtime/pprof, Node @datadog/pprof),
/// checked against an independent parse (Google.Protobuf) and against pprof's own top tables.
/// </summary>
public sealed partial class PprofDecoderTests
{
    private static readonly PprofDecodeOptions Options = new() { ServiceName = "test-service" };

    public static TheoryData<string> RealProfiles() => [.. PprofTestData.RealProfiles];

    /// <summary>profile file, sample type, recorded top table (see tests/testdata/generators/regenerate.sh).</summary>
    public static TheoryData<string, string, string> TopTables() => new()
    {
        { "go-cpu.pb.gz", "cpu", "go-cpu.cpu.top.tsv" },
        { "go-cpu.pb.gz", "samples", "go-cpu.samples.top.tsv" },
        { "go-heap.pb.gz", "alloc_space", "go-heap.alloc_space.top.tsv" },
        { "go-heap.pb.gz", "alloc_objects", "go-heap.alloc_objects.top.tsv" },
        { "go-heap.pb.gz", "inuse_space", "go-heap.inuse_space.top.tsv" },
        { "go-heap.pb.gz", "inuse_objects", "go-heap.inuse_objects.top.tsv" },
        { "go-goroutine.pb.gz", "goroutine", "go-goroutine.goroutine.top.tsv" },
        { "go-mutex.pb.gz", "contentions", "go-mutex.contentions.top.tsv" },
        { "go-mutex.pb.gz", "delay", "go-mutex.delay.top.tsv" },
        { "node-cpu.pb.gz", "sample", "node-cpu.sample.top.tsv" },
        { "node-cpu.pb.gz", "wall", "node-cpu.wall.top.tsv" },
        { "node-heap.pb.gz", "inuse_objects", "node-heap.inuse_objects.top.tsv" },
        { "node-heap.pb.gz", "inuse_space", "node-heap.inuse_space.top.tsv" },
    };

    [Theory]
    [MemberData(nameof(RealProfiles))]
    public void Decode_RealProfile_TotalsEqualGoogleProtobufSums(string file)
    {
        var expected = PprofTestData.ParseWithGoogleProtobuf(file);
        var batch = PprofDecoder.Decode(PprofTestData.Read("pprof/" + file), Options);

        Assert.NotEmpty(batch.Profiles);
        for (var t = 0; t < expected.SampleType.Count; t++)
        {
            var type = expected.StringTable[(int)expected.SampleType[t].Type];
            var unit = expected.StringTable[(int)expected.SampleType[t].Unit];
            var sum = expected.Sample.Sum(s => s.Value[t]);
            var decoded = batch.Profiles
                .Where(p => ProfileType.Parse(p.ProfileType) is var pt && pt.SampleType == type && pt.SampleUnit == unit)
                .Sum(p => p.Total);
            Assert.True(sum == decoded, $"{file} {type}/{unit}: Google.Protobuf sum {sum}, decoded {decoded}");
        }
        Assert.All(batch.Profiles, p => Assert.Equal("test-service", p.ServiceName));
        Assert.All(batch.Profiles.SelectMany(p => p.Samples), row => Assert.NotEqual(0, row.Value));
        Assert.All(batch.Profiles.SelectMany(p => p.Samples), row => Assert.True(batch.IndexStacks().ContainsKey(row.StackId)));
        Assert.All(batch.IndexStacks().Values.SelectMany(s => s), frame => Assert.True(batch.IndexFunctions().ContainsKey(frame)));
    }

    [Theory]
    [MemberData(nameof(TopTables))]
    public void Decode_RealProfile_FlatAndCumEqualPprofTop(string file, string sampleType, string topTable)
    {
        var recorded = PprofTestData.ReadTop(topTable);
        var batch = PprofDecoder.Decode(PprofTestData.Read("pprof/" + file), Options);

        var computed = PprofTestData.FlatAndCum(batch, sampleType);

        foreach (var (function, (flat, cum)) in recorded)
        {
            Assert.True(computed.TryGetValue(function, out var mine), $"{topTable}: pprof lists '{function}', the decoded profile has no such frame");
            Assert.True((flat, cum) == mine, $"{topTable}: '{function}' pprof flat={flat} cum={cum}, decoded flat={mine.Flat} cum={mine.Cum}");
        }
        var extra = computed.Where(c => c.Value.Cum != 0 && !recorded.ContainsKey(c.Key)).Select(c => c.Key).ToList();
        Assert.True(extra.Count == 0, $"{topTable}: decoded functions pprof does not list: {string.Join(", ", extra)}");
    }

    [Fact]
    public void Decode_GoProfiles_UsePyroscopeProfileTypeIds()
    {
        static string[] Types(string file) =>
            [.. PprofDecoder.Decode(PprofTestData.Read("pprof/" + file), Options).Profiles.Select(p => p.ProfileType).Distinct().Order(StringComparer.Ordinal)];

        Assert.Equal(["process_cpu:cpu:nanoseconds:cpu:nanoseconds", "process_cpu:samples:count:cpu:nanoseconds"], Types("go-cpu.pb.gz"));
        Assert.Equal(
            ["memory:alloc_objects:count:space:bytes", "memory:alloc_space:bytes:space:bytes", "memory:inuse_objects:count:space:bytes", "memory:inuse_space:bytes:space:bytes"],
            Types("go-heap.pb.gz"));
        Assert.Equal(["goroutines:goroutine:count:goroutine:count"], Types("go-goroutine.pb.gz"));
        Assert.Equal(["mutex:contentions:count:contentions:count", "mutex:delay:nanoseconds:contentions:count"], Types("go-mutex.pb.gz"));
        Assert.Equal(["wall:sample:count:wall:nanoseconds", "wall:wall:nanoseconds:wall:nanoseconds"], Types("node-cpu.pb.gz"));
    }

    [Fact]
    public void Decode_GoCpuProfile_SplitsSeriesByPprofLabelsAndKeepsSpanIds()
    {
        var batch = PprofDecoder.Decode(PprofTestData.Read("pprof/go-cpu.pb.gz"), Options with { Labels = LabelSet.From([new("env", "test")]) });

        var cpu = batch.Profiles.Where(p => p.ProfileType.StartsWith("process_cpu:cpu:", StringComparison.Ordinal)).ToList();
        var workers = cpu.Select(p => p.Labels.Get("worker") ?? "(none)").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["(none)", "encode", "fib", "hash"], workers);
        Assert.All(cpu, p => Assert.Equal("test", p.Labels.Get("env")));
        Assert.All(cpu, p => Assert.Null(p.Labels.Get("span_id")));
        // The generator labels only the hashing with span_id 9a3c5e7f01b2d4e6.
        var hash = cpu.Single(p => p.Labels.Get("worker") == "hash");
        Assert.All(hash.Samples, row => Assert.Equal(0x9a3c5e7f01b2d4e6UL, row.SpanId));
        Assert.All(cpu.Where(p => p != hash).SelectMany(p => p.Samples), row => Assert.Equal(0UL, row.SpanId));
        // Series differ by labels, and rows are unique per (stack, span) within a series.
        Assert.Equal(cpu.Count, cpu.Select(p => p.SeriesId).Distinct().Count());
        Assert.All(cpu, p => Assert.Equal(p.Samples.Count, p.Samples.Select(r => (r.StackId, r.SpanId)).Distinct().Count()));
    }

    [Fact]
    public void Decode_GoCpuProfile_FramesAreRootFirst()
    {
        var batch = PprofDecoder.Decode(PprofTestData.Read("pprof/go-cpu.pb.gz"), Options);

        var fibonacciStacks = batch.IndexStacks().Values
            .Select(frames => frames.Select(f => batch.IndexFunctions()[f].Name).ToList())
            .Where(names => names[^1] == "main.fibonacci" && names.Contains("main.computeSeries"))
            .ToList();
        Assert.NotEmpty(fibonacciStacks);
        Assert.All(fibonacciStacks, names =>
        {
            Assert.Equal("runtime.main", names[0]);
            Assert.Equal("main.main", names[1]);
            Assert.True(names.IndexOf("main.runWorkload") < names.IndexOf("main.computeSeries"));
            Assert.True(names.IndexOf("main.computeSeries") < names.IndexOf("main.fibonacci"));
        });
    }

    [Fact]
    public void Decode_GoHeapProfile_NumericLabelsAreNotSeriesLabels()
    {
        var batch = PprofDecoder.Decode(PprofTestData.Read("pprof/go-heap.pb.gz"), Options);

        // Every Go heap sample has the numeric label "bytes": one series per sample type, no labels.
        Assert.Equal(4, batch.Profiles.Count);
        Assert.All(batch.Profiles, p => Assert.Empty(p.Labels));
    }

    [Theory]
    [MemberData(nameof(RealProfiles))]
    public void Decode_RawProtobuf_GivesSameBatchAsGzipped(string file)
    {
        var gzipped = PprofTestData.Read("pprof/" + file);

        var fromGzip = PprofDecoder.Decode(gzipped, Options);
        var fromRaw = PprofDecoder.Decode(PprofTestData.Gunzip(gzipped), Options);

        AssertSameBatch(fromGzip, fromRaw);
    }

    [Theory]
    [MemberData(nameof(RealProfiles))]
    public void Decode_RealProfile_RowsOfEachWindowAreInStackIdOrder(string file)
    {
        var batch = PprofDecoder.Decode(PprofTestData.Read("pprof/" + file), Options);

        // The samples file's order within a window; the flush relies on it to skip its sort.
        Assert.NotEmpty(batch.Profiles);
        foreach (var profile in batch.Profiles)
        {
            var ids = profile.Samples.Select(s => s.StackId).ToArray();
            Assert.True(IdSort.IsSorted(ids), $"{profile.ProfileType} {profile.Labels}: rows not in stack id order");
        }
    }

    [Theory]
    [MemberData(nameof(RealProfiles))]
    public void Decode_RealProfile_EveryStackHasItsSharedFrames(string file)
    {
        // Stacks get their interned frames after the last sample, prefetched several at a time:
        // each stack of the batch must still end up with frames whose hash is its id, shared with
        // its entry, and every stack a row names must be there.
        var batch = PprofDecoder.Decode(PprofTestData.Read("pprof/" + file), Options);

        Assert.NotNull(batch.SharedStacks);
        Assert.Equal(batch.IndexStacks().Keys.Order(), batch.SharedStacks.Select(s => s.Id).Order());
        foreach (var shared in batch.SharedStacks)
        {
            Assert.Same(shared.Frames, batch.IndexStacks()[shared.Id]);
            Assert.Equal(shared.Id, ContentHash.Stack(shared.Frames));
            Assert.All(shared.Frames, f => Assert.True(batch.IndexFunctions().ContainsKey(f)));
        }
        Assert.All(batch.Profiles.SelectMany(p => p.Samples), row => Assert.True(batch.IndexStacks().ContainsKey(row.StackId)));
        // A second decode finds the same entries in the interner.
        var again = PprofDecoder.Decode(PprofTestData.Read("pprof/" + file), Options);
        var entries = batch.SharedStacks.ToDictionary(s => s.Id);
        Assert.All(again.SharedStacks!, s => Assert.Same(entries[s.Id], s));
    }

    [Fact]
    public void Decode_ProfileTime_ComesFromProfileUnlessOverridden()
    {
        var bytes = PprofTestData.Read("pprof/go-cpu.pb.gz");
        var expected = PprofTestData.ParseWithGoogleProtobuf("go-cpu.pb.gz");

        var own = PprofDecoder.Decode(bytes, Options).Profiles[0];
        var overridden = PprofDecoder.Decode(bytes, Options with { FromUnixNanos = 1_000, UntilUnixNanos = 11_000 }).Profiles[0];

        Assert.Equal(expected.TimeNanos, own.TimeNanos);
        Assert.Equal(expected.DurationNanos, own.DurationNanos);
        Assert.Equal(1_000, overridden.TimeNanos);
        Assert.Equal(10_000, overridden.DurationNanos);
    }

    [Fact]
    public void Decode_EveryTruncationOfRealProfiles_GivesBatchOrRejection()
    {
        foreach (var file in PprofTestData.RealProfiles)
        {
            var raw = PprofTestData.Gunzip(PprofTestData.Read("pprof/" + file));
            // Every byte for the first 2 KiB, then about 2,000 evenly spread cut points.
            var step = Math.Max(1, raw.Length / 2000);
            var rejected = 0;
            for (var length = 0; length < raw.Length; length += length < 2048 ? 1 : step)
            {
                var outcome = DecodeOutcome(raw.AsSpan(0, length));
                Assert.True(outcome is null or ProfileRejectedException, $"{file} cut at {length}: {outcome}");
                rejected += outcome is null ? 0 : 1;
            }
            Assert.True(rejected > 0, $"{file}: no truncation was rejected");
        }
    }

    [Fact]
    public void Decode_RandomByteFlipsOfRealProfiles_GiveBatchOrRejection()
    {
        var random = new Random(20240601);
        foreach (var file in PprofTestData.RealProfiles)
        {
            var raw = PprofTestData.Gunzip(PprofTestData.Read("pprof/" + file));
            for (var round = 0; round < 300; round++)
            {
                var mutated = (byte[])raw.Clone();
                for (var flips = random.Next(1, 8); flips > 0; flips--)
                {
                    mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
                }
                var outcome = DecodeOutcome(mutated);
                Assert.True(outcome is null or ProfileRejectedException, $"{file} round {round}: {outcome}");
            }
        }
    }

    [Fact]
    public void Decode_RandomByteFlipsOfGzippedProfiles_GiveBatchOrRejection()
    {
        var random = new Random(20240602);
        foreach (var file in PprofTestData.RealProfiles)
        {
            var gzipped = PprofTestData.Read("pprof/" + file);
            var rejected = 0;
            for (var round = 0; round < 200; round++)
            {
                var mutated = (byte[])gzipped.Clone();
                // Keep the magic so the gzip path is taken.
                mutated[2 + random.Next(mutated.Length - 2)] = (byte)random.Next(256);
                var outcome = DecodeOutcome(mutated);
                Assert.True(outcome is null or ProfileRejectedException, $"{file} round {round}: {outcome}");
                rejected += outcome is null ? 0 : 1;
            }
            Assert.True(rejected > 0, $"{file}: no corruption was rejected");
        }
    }

    /// <summary>Null when the input decodes, else the exception it threw.</summary>
    private static Exception? DecodeOutcome(ReadOnlySpan<byte> data)
    {
        try
        {
            PprofDecoder.Decode(data, Options);
            return null;
        }
#pragma warning disable CA1031 // The point is to see every exception type.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return e;
        }
    }

    private static void AssertSameBatch(ProfileBatch expected, ProfileBatch actual)
    {
        Assert.Equal(expected.IndexFunctions().Count, actual.IndexFunctions().Count);
        foreach (var (id, function) in expected.IndexFunctions())
        {
            Assert.Equal(function, actual.IndexFunctions()[id]);
        }
        Assert.Equal(expected.IndexStacks().Count, actual.IndexStacks().Count);
        foreach (var (id, frames) in expected.IndexStacks())
        {
            Assert.Equal(frames, actual.IndexStacks()[id]);
        }
        Assert.Equal(expected.Profiles.Count, actual.Profiles.Count);
        for (var i = 0; i < expected.Profiles.Count; i++)
        {
            var (e, a) = (expected.Profiles[i], actual.Profiles[i]);
            Assert.Equal((e.ProfileType, e.SeriesId, e.TimeNanos, e.DurationNanos, e.ServiceName), (a.ProfileType, a.SeriesId, a.TimeNanos, a.DurationNanos, a.ServiceName));
            Assert.Equal(e.Labels, a.Labels);
            Assert.Equal(e.Samples, a.Samples);
        }
    }

    private static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(raw);
        }
        return output.ToArray();
    }
}
