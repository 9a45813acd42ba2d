using GrafanaProfiles.Backend.Frames;
using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Store.Query.FlameGraphs;

namespace GrafanaProfiles.Backend.Tests.Queries;

public sealed class ProfileFramesTests
{
    [Fact]
    public void FlameGraph_NamesNotInRowOrder_EnumTextsRemappedToFirstSeen()
    {
        // Names listed in another order than the rows use them, with one name never used.
        var graph = new FlameGraph
        {
            Names = ["b", "unused", "total", "a"],
            Levels = [0, 1, 2, 1],
            Values = [10, 6, 2, 4],
            Selfs = [0, 4, 2, 4],
            Labels = [2, 3, 0, 0],
            Total = 10,
            FullNodeCount = 4,
        };

        var frame = ProfileFrames.FlameGraph("A", graph, "short");

        Assert.Equal(["total", "a", "b"], FrameReading.EnumTexts(frame.Field("label")));
        Assert.Equal([0, 1, 2, 2], frame.Field("label").Values<ushort>().Select(i => (int)i));
        Assert.Equal(["total", "a", "b", "b"], frame.Labels());
        Assert.Equal("short", frame.Field("self").Unit());
    }

    [Fact]
    public void FlameGraph_MoreNamesThanAnEnumIndexes_PlainStringLabels()
    {
        const int n = 70_000;
        var graph = new FlameGraph
        {
            Names = [.. Enumerable.Range(0, n).Select(i => i == 0 ? "total" : $"f{i}")],
            Levels = [.. Enumerable.Range(0, n).Select(i => i == 0 ? 0 : 1)],
            Values = [.. Enumerable.Range(0, n).Select(i => i == 0 ? (long)(n - 1) : 1L)],
            Selfs = [.. Enumerable.Range(0, n).Select(i => i == 0 ? 0L : 1L)],
            Labels = [.. Enumerable.Range(0, n)],
            Total = n - 1,
            FullNodeCount = n,
        };

        var frame = ProfileFrames.FlameGraph("A", graph, "short");

        var label = frame.Field("label");
        Assert.Equal(FieldType.String, label.Type);
        Assert.Null(label.ConfigJson);
        Assert.Equal("f69999", label.GetValue(n - 1));
    }

    [Fact]
    public async Task Run_CancelledRequest_CancellationPropagates()
    {
        using var store = await QueryStore.CreateAsync();
        using var document = System.Text.Json.JsonDocument.Parse("{}");
        var context = new QueryContext("A", "profile", QueryStore.T0, QueryStore.T0.AddHours(1), TimeSpan.FromSeconds(15), 100,
            document.RootElement.Clone(), store.Instance);
        Assert.ThrowsAny<OperationCanceledException>(() => ProfileQueries.Run(context, new CancellationToken(canceled: true)));
    }
}
