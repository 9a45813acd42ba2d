using GrafanaProfiles.Store.Export;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;
using GrafanaProfiles.Store.Tests.Pprof;
using GrafanaProfiles.Store.Tests.Support;
using GrafanaProfiles.TestSupport;
using PprofProto = GrafanaProfiles.Schema.Pprof;

namespace GrafanaProfiles.Store.Tests.Export;

/// <summary>
/// Real profiles from Go and Node.js go through the store and out again as pprof: the export
/// decodes (with our decoder and with Google.Protobuf) to exactly what the store holds, and the real
/// <c>go tool pprof -top</c> on the exported file gives the store's top table.
/// </summary>
public sealed class PprofExporterTests
{
    private static readonly DateTime At = new(2026, 11, 22, 12, 0, 0, DateTimeKind.Utc);

    public static TheoryData<string, string, string> TopTables() => PprofDecoderTests.TopTables();

    private static async Task<StoreFixture> StoreWithAsync(params string[] files)
    {
        var store = await StoreFixture.StartAsync();
        foreach (var file in files)
        {
            await PprofWalCodec.AppendAsync(store.Writer, "default", PprofTestData.Read("pprof/" + file),
                new PprofDecodeOptions { ServiceName = "svc", FromUnixNanos = Batches.Nanos(At) });
        }
        await store.Writer.FlushAsync();
        return store;
    }

    private static ProfileSelection Selection(ProfileReader reader, string sampleType, string selector = "{service_name=\"svc\"}")
    {
        var type = reader.ProfileTypes("default", At.AddHours(-1), At.AddHours(1)).Single(t => ProfileType.Parse(t).SampleType == sampleType);
        return new ProfileSelection("default", At.AddHours(-1), At.AddHours(1), type, LabelSelector.Parse(selector));
    }

    private static byte[] Export(ProfileReader reader, ProfileSelection selection, PprofExportOptions? options = null)
    {
        using var output = new MemoryStream();
        new PprofExporter(reader, options).Export(selection, output);
        return output.ToArray();
    }

    [Theory]
    [MemberData(nameof(TopTables))]
    public async Task Export_RealProfile_DecodesToTheStoresStacksAndTopTable(string file, string sampleType, string topFile)
    {
        await using var store = await StoreWithAsync(file);
        var selection = Selection(store.Reader, sampleType);
        var exported = Export(store.Reader, selection);

        // Our decoder: function and stack ids are content hashes, so the export must reproduce the
        // store's stacks exactly, with the store's values.
        var batch = PprofDecoder.Decode(exported, new PprofDecodeOptions { ServiceName = "svc" });
        var profile = Assert.Single(batch.Profiles);
        Assert.Equal(selection.ProfileTypeId, profile.ProfileType);
        var aggregate = store.Reader.Aggregate(selection);
        var stored = Enumerable.Range(0, aggregate.Count).ToDictionary(i => aggregate.StackIds[i], i => aggregate.Values[i]);
        Assert.Equal(stored, profile.Samples.ToDictionary(s => s.StackId, s => s.Value));
        Assert.All(profile.Samples, s => Assert.Equal(aggregate.FramesOf(Array.IndexOf(aggregate.StackIds.ToArray(), s.StackId)).ToArray(), batch.IndexStacks()[s.StackId]));

        // The top table computed from the export equals the store's and what pprof recorded for the original.
        var top = store.Reader.Top(selection);
        var computed = PprofTestData.FlatAndCum(batch, sampleType);
        Assert.Equal(top.Entries.ToDictionary(e => e.Function, e => (e.Self, e.Total)), computed.Where(c => c.Value.Cum != 0).ToDictionary());
        Assert.Equal(top.Total, profile.Total);
        foreach (var (function, (flat, cum)) in PprofTestData.ReadTop(topFile))
        {
            Assert.True(computed.TryGetValue(function, out var mine) && mine == (flat, cum), $"{function}: pprof recorded {flat}/{cum}, export has {mine.Flat}/{mine.Cum}");
        }

        // Equal selections give equal bytes.
        Assert.Equal(exported, Export(store.Reader, selection));
    }

    [Theory]
    [MemberData(nameof(TopTables))]
    public async Task Export_RealProfile_GoToolPprofTopEqualsTheTopTable(string file, string sampleType, string topFile)
    {
        _ = topFile;
        await using var store = await StoreWithAsync(file);
        var selection = Selection(store.Reader, sampleType);
        var path = Path.Combine(store.DataDirectory, "export.pb.gz");
        await File.WriteAllBytesAsync(path, Export(store.Reader, selection));

        var pprof = await GoToolPprof.TopAsync(path, ProfileType.Parse(selection.ProfileTypeId).SampleUnit);

        var top = store.Reader.Top(selection).Entries.ToDictionary(e => e.Function);
        Assert.NotEmpty(pprof);
        foreach (var (function, (flat, cum)) in pprof)
        {
            Assert.True(top.TryGetValue(function, out var row), $"go tool pprof lists '{function}', the top table does not");
            Assert.True((flat, cum) == (row.Self, row.Total), $"'{function}': go tool pprof flat={flat} cum={cum}, top table self={row.Self} total={row.Total}");
        }
        Assert.All(top.Values.Where(r => !pprof.ContainsKey(r.Function)), r => Assert.Equal((0L, 0L), (r.Self, r.Total)));
    }

    [Fact]
    public async Task Export_GoCpu_WritesTheProfileTypeTimeAndFunctionDetails()
    {
        await using var store = await StoreWithAsync("go-cpu.pb.gz");
        var selection = Selection(store.Reader, "cpu");
        var profile = PprofProto.Profile.Parser.ParseFrom(PprofTestData.Gunzip(Export(store.Reader, selection)));
        string S(long index) => profile.StringTable[(int)index];

        Assert.Equal("", profile.StringTable[0]);
        Assert.Equal(profile.StringTable.Count, profile.StringTable.Distinct(StringComparer.Ordinal).Count());
        var sampleType = Assert.Single(profile.SampleType);
        Assert.Equal(("cpu", "nanoseconds"), (S(sampleType.Type), S(sampleType.Unit)));
        Assert.Equal(("cpu", "nanoseconds"), (S(profile.PeriodType.Type), S(profile.PeriodType.Unit)));
        Assert.Equal(Batches.Nanos(At.AddHours(-1)), profile.TimeNanos);
        Assert.Equal(TimeSpan.FromHours(2).Ticks * 100, profile.DurationNanos);
        Assert.Equal(1UL, Assert.Single(profile.Mapping).Id);
        Assert.Equal(Enumerable.Range(1, profile.Function.Count).Select(i => (ulong)i), profile.Function.Select(f => f.Id));
        Assert.Equal(profile.Function.Select(f => f.Id), profile.Location.Select(l => Assert.Single(l.Line).FunctionId));

        // Name, system name, file and start line are those of the ingested profile's functions.
        var original = PprofTestData.ParseWithGoogleProtobuf("go-cpu.pb.gz");
        string O(long index) => original.StringTable[(int)index];
        var originalFunctions = original.Function.Select(f => (O(f.Name), O(f.SystemName), O(f.Filename), f.StartLine)).ToHashSet();
        var exportedFunctions = profile.Function.Select(f => (S(f.Name), S(f.SystemName), S(f.Filename), f.StartLine)).ToList();
        Assert.All(exportedFunctions, f => Assert.Contains(f, originalFunctions));
        Assert.Contains(exportedFunctions, f => f.Item1 == "main.fibonacci" && f.Item3.EndsWith("main.go", StringComparison.Ordinal));

        // Leaf first: the last location of a sample is the root, the first its leaf.
        var fibonacci = profile.Function.Single(f => S(f.Name) == "main.fibonacci").Id;
        var main = profile.Function.Single(f => S(f.Name) == "runtime.main").Id;
        Assert.Contains(profile.Sample, s => s.LocationId[0] == fibonacci && s.LocationId.Contains(main) && s.LocationId[^1] != fibonacci);
        Assert.DoesNotContain(profile.Sample, s => s.LocationId.Count > 1 && s.LocationId[0] == main);
    }

    [Fact]
    public async Task Export_EmptySelection_WritesAValidProfileWithoutSamples()
    {
        await using var store = await StoreWithAsync("go-cpu.pb.gz");
        var selection = Selection(store.Reader, "cpu", "{service_name=\"nobody\"}");
        var exported = Export(store.Reader, selection);

        var profile = PprofProto.Profile.Parser.ParseFrom(PprofTestData.Gunzip(exported));
        Assert.Empty(profile.Sample);
        Assert.Empty(profile.Function);
        Assert.Equal("", profile.StringTable[0]);
        Assert.Equal("cpu", profile.StringTable[(int)Assert.Single(profile.SampleType).Type]);
        Assert.Empty(PprofDecoder.Decode(exported, new PprofDecodeOptions()).Profiles);

        var path = Path.Combine(store.DataDirectory, "empty.pb.gz");
        await File.WriteAllBytesAsync(path, exported);
        var (exit, _, stderr) = await GoToolPprof.RawAsync(path);
        Assert.True(exit == 0, $"go tool pprof could not open the empty export: {stderr}");
    }

    [Fact]
    public async Task Export_EmptyStore_WritesAValidProfileWithoutSamples()
    {
        await using var store = await StoreFixture.StartAsync();
        var selection = StoreFixture.Select();
        var profile = PprofProto.Profile.Parser.ParseFrom(PprofTestData.Gunzip(Export(store.Reader, selection)));
        Assert.Empty(profile.Sample);
        Assert.Equal(["", "cpu", "nanoseconds"], profile.StringTable.Take(3));
    }

    [Fact]
    public async Task Export_MoreStacksThanTheLimit_FailsNamingTheLimitAndWritesNothing()
    {
        await using var store = await StoreWithAsync("go-cpu.pb.gz");
        var selection = Selection(store.Reader, "cpu");
        var stacks = store.Reader.Aggregate(selection).Count;
        using var output = new MemoryStream();
        var exporter = new PprofExporter(store.Reader, new PprofExportOptions { MaxStacks = stacks - 1 });

        var error = Assert.Throws<QueryException>(() => exporter.Export(selection, output));

        Assert.Contains($"{PprofExportOptions.MaxStacksName}={stacks - 1}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{stacks} distinct stacks", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, output.Length);
        // At the limit it passes.
        Assert.Equal(stacks, new PprofExporter(store.Reader, new PprofExportOptions { MaxStacks = stacks }).Export(selection, output).Samples);
    }

    [Fact]
    public async Task Export_NoProfileType_FailsSayingWhatToSet()
    {
        await using var store = await StoreWithAsync("go-cpu.pb.gz");
        var selection = Selection(store.Reader, "cpu") with { ProfileTypeId = "" };
        var error = Assert.Throws<QueryException>(() => Export(store.Reader, selection));
        Assert.Contains("profileTypeId", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Functions_OfStoredIds_ReturnsTheIngestedDetails()
    {
        await using var store = await StoreWithAsync("node-heap.pb.gz");
        var batch = PprofDecoder.Decode(PprofTestData.Read("pprof/node-heap.pb.gz"), new PprofDecodeOptions { ServiceName = "svc" });
        var ids = batch.IndexFunctions().Keys.ToList();

        var details = store.Reader.Functions(Selection(store.Reader, "inuse_space"), [.. ids, 12345UL]);

        Assert.Equal(ids.Count, details.Count);
        foreach (var (id, f) in batch.IndexFunctions())
        {
            Assert.Equal(new FunctionDetails(id, f.Name, f.SystemName, f.Filename, f.StartLine), details[id]);
        }
    }

    [Fact]
    public async Task Export_CraftedFunctions_KeepsSystemNameFileAndStartLine()
    {
        // The real test profiles report no start lines (Go 1.19 and V8 write 0) and equal names and
        // system names, so this one sets every field apart.
        await using var store = await StoreFixture.StartAsync();
        var batch = new ProfileBatch();
        var root = batch.AddFunction(new FunctionInfo("main", "_main", "cmd/main.go", 12));
        var leaf = batch.AddFunction(new FunctionInfo("pkg.(*T).Work", "_ZN3pkg1T4WorkEv", "pkg/t.cc", 345));
        var profile = new SeriesProfile(Batches.Nanos(Batches.BaseTime), 10_000_000_000, "svc", Batches.Cpu, LabelSet.Empty);
        profile.Samples.Add(new SampleRow(batch.AddStack([root, leaf]), 70, 0));
        profile.Samples.Add(new SampleRow(batch.AddStack([root]), 5, 0));
        batch.Profiles.Add(profile);
        await store.Writer.AppendAsync("default", batch);
        await store.Writer.FlushAsync();

        var exported = PprofProto.Profile.Parser.ParseFrom(PprofTestData.Gunzip(Export(store.Reader, StoreFixture.Select())));
        string S(long index) => exported.StringTable[(int)index];

        Assert.Equal(
            [("main", "_main", "cmd/main.go", 12L), ("pkg.(*T).Work", "_ZN3pkg1T4WorkEv", "pkg/t.cc", 345L)],
            exported.Function.Select(f => (S(f.Name), S(f.SystemName), S(f.Filename), f.StartLine)).OrderBy(f => f.Item4));
        var ids = exported.Function.ToDictionary(f => S(f.Name), f => f.Id);
        Assert.Equal(
            [([ids["pkg.(*T).Work"], ids["main"]], 70L), ([ids["main"]], 5L)],
            exported.Sample.Select(s => (s.LocationId.ToArray(), Assert.Single(s.Value))).OrderByDescending(s => s.Item2));
    }
}
