using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;
using GrafanaProfiles.Store.Read.Tests.Support;
using GrafanaProfiles.Store.Write;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Store.Read.Tests.Query;

/// <summary>
/// The end-to-end proof: real profiles from Go and Node.js go through the write-ahead log, Parquet
/// and DuckDB, and the store's top table gives exactly the flat and cumulative values that
/// <c>go tool pprof -top</c> recorded for the same files.
/// </summary>
public sealed class RealProfileRoundTripTests
{
    private static readonly DateTime At = new(2026, 11, 22, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>profile file, sample type, recorded top table (<see cref="PprofTestData.TopTables"/>).</summary>
    public static TheoryData<string, string, string> TopTables()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (file, sampleType, topTable) in PprofTestData.TopTables)
        {
            data.Add(file, sampleType, topTable);
        }
        return data;
    }

    private static async Task IngestAsync(ProfileWriter writer, string file) =>
        await PprofWalCodec.AppendAsync(writer, "default", PprofTestData.Read("pprof/" + file),
            new PprofDecodeOptions { ServiceName = "svc", FromUnixNanos = (At - DateTime.UnixEpoch).Ticks * 100 });

    private static ProfileSelection Selection(ProfileReader reader, string sampleType)
    {
        var type = reader.ProfileTypes("default", At.AddHours(-1), At.AddHours(1)).Single(t => ProfileType.Parse(t).SampleType == sampleType);
        return new ProfileSelection("default", At.AddHours(-1), At.AddHours(1), type, LabelSelector.Parse("{service_name=\"svc\"}"));
    }

    [Theory]
    [MemberData(nameof(TopTables))]
    public async Task Top_ThroughParquetAndDuckDb_EqualsPprofTop(string file, string sampleType, string topFile)
    {
        await using var store = await StoreFixture.StartAsync();
        await IngestAsync(store.Writer, file);
        await store.Writer.FlushAsync();

        var top = store.Reader.Top(Selection(store.Reader, sampleType)).Entries.ToDictionary(e => e.Function);
        var expected = PprofTestData.ReadTop(topFile);
        foreach (var (function, (flat, cum)) in expected)
        {
            Assert.True(top.TryGetValue(function, out var row), $"{function} missing from the top table");
            Assert.Equal((flat, cum), (row.Self, row.Total));
        }
        // And nothing pprof did not list carries value.
        Assert.All(top.Values.Where(r => !expected.ContainsKey(r.Function)), r => Assert.Equal((0L, 0L), (r.Self, r.Total)));
    }

    [Theory]
    [MemberData(nameof(TopTables))]
    public async Task FlameGraph_RootAndFirstLevel_AgreeWithTheTopTable(string file, string sampleType, string topFile)
    {
        _ = topFile;
        await using var store = await StoreFixture.StartAsync();
        await IngestAsync(store.Writer, file);
        await store.Writer.FlushAsync();
        var (graph, top) = store.Reader.FlameGraphAndTop(Selection(store.Reader, sampleType), maxNodes: 64);
        Assert.Equal(top.Total, graph.Total);
        Assert.Equal(graph.Total, graph.Values[0]);
        // Each top-level frame's total is its cum in the top table when it appears nowhere deeper.
        Assert.Equal(graph.Values[0], Enumerable.Range(0, graph.NodeCount).Where(i => graph.Levels[i] == 1).Sum(i => graph.Values[i]) + graph.Selfs[0]);
    }

    [Fact]
    public async Task PprofIngest_AcknowledgedButNotFlushed_ReplaysToTheSameTopTable()
    {
        using var dir = new TempDirectory();
        var options = new StoreOptions { DataDirectory = dir.Path, WriterId = "w", FlushInterval = TimeSpan.FromHours(1) };
        var crashed = await ProfileWriter.OpenAsync(options, PprofWalCodec.Decoders);
        await IngestAsync(crashed, "go-cpu.pb.gz");
        await IngestAsync(crashed, "node-heap.pb.gz");

        await using var restarted = await ProfileWriter.OpenAsync(options, PprofWalCodec.Decoders);
        Assert.Equal(2, restarted.Replay.RecordsReplayed);
        using var reader = new ProfileReader(dir.Path);
        var cpu = reader.Top(Selection(reader, "cpu")).Entries.ToDictionary(e => e.Function);
        foreach (var (function, (flat, cum)) in PprofTestData.ReadTop("go-cpu.cpu.top.tsv"))
        {
            Assert.Equal((flat, cum), (cpu[function].Self, cpu[function].Total));
        }
        Assert.Equal(PprofTestData.ReadTop("node-heap.inuse_space.top.tsv").Values.Sum(v => v.Flat),
            reader.Top(Selection(reader, "inuse_space")).Total);
    }
}
