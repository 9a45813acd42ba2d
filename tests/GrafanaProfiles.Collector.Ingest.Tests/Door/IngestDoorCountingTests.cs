using GrafanaProfiles.Collector.Ingest.Tests.Support;
using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest.Tests.Door;

/// <summary>Runs alone: the counters are the process's, so no other test may inflate or parse meanwhile.</summary>
[CollectionDefinition(nameof(ProcessCounters), DisableParallelization = true)]
public sealed class ProcessCounters;

/// <summary>
/// An upload of gzipped pprof costs one inflation and one pass over the protobuf, counted by the
/// store's ingest counters (not timed): the Go SDK's form, a raw body, a push, a scrape.
/// </summary>
[Collection(nameof(ProcessCounters))]
public sealed class IngestDoorCountingTests
{
    [Theory]
    [InlineData("go sdk form")]
    [InlineData("raw pprof")]
    [InlineData("push")]
    [InlineData("scrape")]
    public async Task GzippedPprofUpload_InflatedOnceAndParsedOnce(string shape)
    {
        await using var fixture = await DoorFixture.StartAsync();
        var profile = TestData.Pprof("go-cpu.pb.gz");
        var request = shape switch
        {
            "go sdk form" => DoorFixture.GoSdkUpload(profile),
            "raw pprof" => DoorFixture.RawPprofUpload(profile),
            "push" => DoorFixture.RealRequest(IngestApi.Push),
            _ => DoorFixture.ScrapedProfile(profile),
        };
        var (inflations, parses) = (IngestCounters.Inflations, IngestCounters.PprofParses);
        var result = await fixture.Door.IngestAsync(request);
        Assert.True(result.Accepted, result.Message);
        Assert.Equal(1, IngestCounters.Inflations - inflations);
        Assert.Equal(1, IngestCounters.PprofParses - parses);
    }

    [Fact]
    public async Task GoSdkUpload_WithGzipContentEncoding_InflatesTheBodyAndTheProfileOnce()
    {
        await using var fixture = await DoorFixture.StartAsync();
        var plain = DoorFixture.GoSdkUpload(TestData.Pprof("go-cpu.pb.gz")).Body.ToArray();
        var (inflations, parses) = (IngestCounters.Inflations, IngestCounters.PprofParses);
        var result = await fixture.Door.IngestAsync(DoorFixture.GoSdkUpload(TestData.Pprof("go-cpu.pb.gz"), "gzip", TestData.Gzip(plain)));
        Assert.True(result.Accepted, result.Message);
        Assert.Equal(2, IngestCounters.Inflations - inflations);
        Assert.Equal(1, IngestCounters.PprofParses - parses);
    }
}
