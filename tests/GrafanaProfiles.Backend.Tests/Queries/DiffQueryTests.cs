using System.Globalization;
using GrafanaProfiles.Backend.Frames;
using GrafanaProfiles.Backend.Queries;

namespace GrafanaProfiles.Backend.Tests.Queries;

public sealed class DiffQueryTests(ProfileQueriesFixture fixture) : IClassFixture<ProfileQueriesFixture>
{
    private static readonly DateTime T0 = ProfileQueriesFixture.T0;

    private QueryStore Store => fixture.Store;

    private const string V1V2 = """
        {"labelSelector":"{service_name=\"shop\"}",
         "left":{"labelSelector":"{service_name=\"shop\", version=\"v1\"}"},
         "right":{"labelSelector":"{service_name=\"shop\", version=\"v2\"}"}}
        """;

    [Fact]
    public void Diff_TwoVersions_DiffFlameGraphWithRightValues()
    {
        var frames = Store.Frames(V1V2, "diff");

        Assert.Equal(["response", "changes"], frames.Select(f => f.Name));
        var graph = frames[0];
        Assert.Equal(["level", "value", "self", "label", "valueRight", "selfRight"], graph.Fields.Select(f => f.Name));
        Assert.Equal(
        [
            (0L, "total", 100L, 0L),
            (1L, "main", 100L, 0L),
            (2L, "parse", 50L, 50L),
            (2L, "work", 50L, 50L),
        ], graph.FlameRows());
        Assert.Equal([200L, 200L, 150L, 50L], graph.Field("valueRight").Values<long>());
        Assert.Equal([0L, 0L, 150L, 50L], graph.Field("selfRight").Values<long>());
        Assert.Equal("ns", graph.Field("valueRight").Unit());
        Assert.Equal("ns", graph.Field("selfRight").Unit());
    }

    [Fact]
    public void Diff_OneFunctionRegresses_ItRanksFirstInChanges()
    {
        var changes = Store.Frames(V1V2, "diff")[1];

        Assert.Equal("""{"preferredVisualisationType":"table"}""", changes.MetaJson);
        Assert.Equal(["function", "selfLeft", "selfRight", "totalLeft", "totalRight", "selfShareChange", "relativeChange"],
            changes.Fields.Select(f => f.Name));
        // parse: 50% of v1's total, 75% of v2's; work: 50% → 25%. main has no self and is not listed.
        Assert.Equal(["parse", "work"], changes.Field("function").Values<string>());
        Assert.Equal([50L, 50L], changes.Field("selfLeft").Values<long>());
        Assert.Equal([150L, 50L], changes.Field("selfRight").Values<long>());
        Assert.Equal([50L, 50L], changes.Field("totalLeft").Values<long>());
        Assert.Equal([150L, 50L], changes.Field("totalRight").Values<long>());
        Assert.Equal([25.0, -25.0], changes.Field("selfShareChange").Values<double>());
        Assert.Equal([0.5, -0.5], changes.Field("relativeChange").Values<double>());
        Assert.Equal("percent", changes.Field("selfShareChange").Unit());
        Assert.Equal("percentunit", changes.Field("relativeChange").Unit());
        Assert.Equal("ns", changes.Field("selfLeft").Unit());
    }

    [Fact]
    public void Diff_LeftShiftedByADay_ComparesYesterdayWithToday()
    {
        var frames = Store.Frames("""{"labelSelector":"{service_name=\"shift\"}","left":{"timeShift":"1d"},"right":{}}""", "diff");

        var graph = frames[0];
        Assert.Equal(10L, graph.FlameRows()[0].Value);
        Assert.Equal(20L, graph.Field("valueRight").Values<long>()[0]);
        var changes = frames[1];
        Assert.Equal(["new", "old"], changes.Field("function").Values<string>());
        Assert.Equal([100.0, -100.0], changes.Field("selfShareChange").Values<double>());
        // A function only on the right has no relative change.
        Assert.Null(changes.Field("relativeChange").GetValue(0));
    }

    [Fact]
    public void Diff_ExplicitRangesAsEpochMillisecondsAndRfc3339_Used()
    {
        var yesterday = T0.AddDays(-1);
        var leftFrom = (long)(yesterday.AddMinutes(-5) - DateTime.UnixEpoch).TotalMilliseconds;
        var leftTo = (long)(yesterday.AddMinutes(5) - DateTime.UnixEpoch).TotalMilliseconds;
        var rightFrom = T0.AddMinutes(-5).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var rightTo = T0.AddMinutes(5).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var left = $"\"left\":{{\"from\":{leftFrom},\"to\":\"{leftTo}\"}}";
        var right = $"\"right\":{{\"from\":\"{rightFrom}\",\"to\":\"{rightTo}\"}}";
        var json = $"{{\"labelSelector\":\"{{service_name=\\\"shift\\\"}}\",{left},{right}}}";
        var graph = Store.Frames(json, "diff")[0];
        Assert.Equal(10L, graph.FlameRows()[0].Value);
        Assert.Equal(20L, graph.Field("valueRight").Values<long>()[0]);
    }

    [Fact]
    public void Diff_SidesOfDifferentProfileTypes_Downstream400()
    {
        var result = Store.Run("""{"left":{},"right":{"profileTypeId":"memory:alloc_space:bytes:space:bytes"}}""", "diff");
        Assert.Equal(400, result.Status);
        Assert.Equal(ErrorSource.Downstream, result.Source);
        Assert.Contains("one profile type", result.Error);
    }

    [Fact]
    public void Diff_NoSides_Downstream400()
    {
        var result = Store.Run("{}", "diff");
        Assert.Equal(400, result.Status);
        Assert.Contains("set left and/or right", result.Error);
    }

    [Fact]
    public void Diff_BadSideSelector_NamesTheSide()
    {
        var result = Store.Run("""{"left":{"labelSelector":"{version=}"},"right":{}}""", "diff");
        Assert.Equal(400, result.Status);
        Assert.StartsWith("left.labelSelector is not a valid selector", result.Error);
    }

    [Fact]
    public void Diff_BadTimeShift_Downstream400()
    {
        var result = Store.Run("""{"left":{"timeShift":"yesterday"},"right":{}}""", "diff");
        Assert.Equal(400, result.Status);
        Assert.Contains("timeShift 'yesterday' is not a duration", result.Error);
    }

    [Fact]
    public void Diff_NoDataOnEitherSide_EmptyDiffFrame()
    {
        var frames = Store.Frames("""{"left":{"labelSelector":"{service_name=\"none\"}"},"right":{"labelSelector":"{service_name=\"none\"}"}}""", "diff");
        Assert.Equal(["level", "value", "self", "label", "valueRight", "selfRight"], frames[0].Fields.Select(f => f.Name));
        Assert.Equal(0, frames[0].RowCount);
        Assert.Equal(0, frames[1].RowCount);
        Assert.Equal(FieldType.String, frames[1].Field("function").Type);
    }
}
