using System.Text.Json;
using GrafanaProfiles.Backend.Frames;
using GrafanaProfiles.Backend.Queries;

namespace GrafanaProfiles.Backend.Tests.Queries;

public sealed class ProfileQueriesTests(ProfileQueriesFixture fixture) : IClassFixture<ProfileQueriesFixture>
{
    private static readonly DateTime T0 = ProfileQueriesFixture.T0;

    private QueryStore Store => fixture.Store;

    [Fact]
    public void Profile_FoldedStacks_RowsDepthFirstWithEnumLabelsAndUnits()
    {
        var frame = Assert.Single(Store.Frames("""{"labelSelector":"{service_name=\"api\"}"}""", "profile"));

        Assert.Equal("response", frame.Name);
        Assert.Equal("A", frame.RefId);
        Assert.Equal("""{"preferredVisualisationType":"flamegraph"}""", frame.MetaJson);
        Assert.Equal(["level", "value", "self", "label"], frame.Fields.Select(f => f.Name));
        Assert.Equal([FieldType.Int64, FieldType.Int64, FieldType.Int64, FieldType.Enum], frame.Fields.Select(f => f.Type));
        Assert.Equal(
        [
            (0L, "total", 60L, 0L),
            (1L, "main", 60L, 0L),
            (2L, "a", 40L, 10L),
            (3L, "b", 30L, 30L),
            (2L, "c", 20L, 20L),
        ], frame.FlameRows());
        var label = frame.Field("label");
        Assert.Equal(["total", "main", "a", "b", "c"], FrameReading.EnumTexts(label));
        Assert.Equal([0, 1, 2, 3, 4], label.Values<ushort>().Select(i => (int)i));
        Assert.Equal("ns", frame.Field("value").Unit());
        Assert.Equal("ns", frame.Field("self").Unit());
        Assert.Null(frame.Field("level").ConfigJson);
    }

    [Fact]
    public void Profile_BytesProfileType_UnitFromTheType()
    {
        var frame = Assert.Single(Store.Frames(
            """{"profileTypeId":"memory:alloc_space:bytes:space:bytes","labelSelector":"{service_name=\"api\"}"}""", "profile"));
        Assert.Equal("bytes", frame.Field("value").Unit());
        Assert.Equal([(0L, "total", 1024L, 0L), (1L, "main", 1024L, 0L), (2L, "alloc", 1024L, 1024L)], frame.FlameRows());
    }

    [Fact]
    public void Profile_ProfileTypeInTheSelector_IsUsed()
    {
        var frame = Assert.Single(Store.Frames(
            """{"labelSelector":"memory:alloc_space:bytes:space:bytes{service_name=\"api\"}"}""", "profile"));
        Assert.Equal("bytes", frame.Field("value").Unit());
        Assert.Equal(1024L, frame.FlameRows()[0].Value);
    }

    [Fact]
    public void Profile_MaxNodesAsString_FoldsTheRestIntoOther()
    {
        var frame = Assert.Single(Store.Frames("""{"labelSelector":"{service_name=\"api\"}","maxNodes":"4"}""", "profile"));
        Assert.Equal([(0L, "total", 60L, 0L), (1L, "main", 60L, 0L), (2L, "other", 60L, 60L)], frame.FlameRows());
        Assert.Equal(["total", "main", "other"], FrameReading.EnumTexts(frame.Field("label")));
    }

    [Fact]
    public void Profile_RangeWithoutData_EmptyFrameWithTheFourFields()
    {
        var frame = Assert.Single(Store.Frames("""{"labelSelector":"{service_name=\"api\"}"}""", "profile",
            from: new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc), to: new DateTime(2020, 1, 1, 1, 0, 0, DateTimeKind.Utc)));
        Assert.Equal("response", frame.Name);
        Assert.Equal(["level", "value", "self", "label"], frame.Fields.Select(f => f.Name));
        Assert.Equal(0, frame.RowCount);
        Assert.Equal("""{"preferredVisualisationType":"flamegraph"}""", frame.MetaJson);
    }

    [Fact]
    public void Run_NoQueryTypeAnywhere_IsAProfileQuery()
    {
        var frame = Assert.Single(Store.Frames("""{"labelSelector":"{service_name=\"api\"}"}"""));
        Assert.Equal("response", frame.Name);
        Assert.Equal(60L, frame.FlameRows()[0].Value);
    }

    [Fact]
    public void Run_QueryTypeOnlyInJson_IsUsed()
    {
        var frames = Store.Frames("""{"queryType":"metrics","labelSelector":"{service_name=\"web\"}"}""");
        Assert.All(frames, f => Assert.Equal("series", f.Name));
    }

    [Fact]
    public void Metrics_GroupByVersion_OneSeriesFramePerVersionWithValuesPerStep()
    {
        var frames = Store.Frames("""{"labelSelector":"{service_name=\"web\"}","groupBy":["version"]}""", "metrics");

        Assert.Equal(2, frames.Count);
        var v1 = frames.Single(f => f.Fields[1].Labels?["version"] == "v1");
        var v2 = frames.Single(f => f.Fields[1].Labels?["version"] == "v2");
        foreach (var frame in frames)
        {
            Assert.Equal("series", frame.Name);
            Assert.Equal(["time", "cpu"], frame.Fields.Select(f => f.Name));
            Assert.Equal([FieldType.Time, FieldType.Float64], frame.Fields.Select(f => f.Type));
            Assert.Equal("ns", frame.Fields[1].Unit());
            using var meta = JsonDocument.Parse(frame.MetaJson!);
            Assert.Equal("timeseries-multi", meta.RootElement.GetProperty("type").GetString());
            Assert.Equal("graph", meta.RootElement.GetProperty("preferredVisualisationType").GetString());
            Assert.Equal("[0,1]", meta.RootElement.GetProperty("typeVersion").GetRawText());
        }
        // 15 s steps: T0 and T0+5s fall in one step.
        Assert.Equal([Nanos(T0), Nanos(T0.AddSeconds(30))], v1.Field("time").Values<long>());
        Assert.Equal([15.0, 7.0], v1.Field("cpu").Values<double>());
        Assert.Equal([Nanos(T0.AddSeconds(30))], v2.Field("time").Values<long>());
        Assert.Equal([40.0], v2.Field("cpu").Values<double>());
    }

    [Fact]
    public void Metrics_AverageAggregation_DividesByProfilesInTheStep()
    {
        var frames = Store.Frames("""{"labelSelector":"{service_name=\"web\", version=\"v1\"}","aggregation":"average"}""", "metrics");
        var frame = Assert.Single(frames);
        Assert.Null(frame.Fields[1].Labels);
        Assert.Equal([7.5, 7.0], frame.Field("cpu").Values<double>());
    }

    [Fact]
    public void Metrics_IntervalBelowMinStep_UsesMinStep()
    {
        var frames = Store.Frames("""{"labelSelector":"{service_name=\"web\", version=\"v1\"}"}""", "metrics", interval: TimeSpan.FromSeconds(1));
        Assert.Equal([Nanos(T0), Nanos(T0.AddSeconds(30))], Assert.Single(frames).Field("time").Values<long>());
    }

    [Fact]
    public void Metrics_WideInterval_OnePointPerStep()
    {
        var frames = Store.Frames("""{"labelSelector":"{service_name=\"web\", version=\"v1\"}"}""", "metrics", interval: TimeSpan.FromMinutes(1));
        var frame = Assert.Single(frames);
        Assert.Equal([Nanos(T0)], frame.Field("time").Values<long>());
        Assert.Equal([22.0], frame.Field("cpu").Values<double>());
    }

    [Fact]
    public void Metrics_LimitAsString_KeepsTheLargestSeries()
    {
        var frames = Store.Frames("""{"labelSelector":"{service_name=\"web\"}","groupBy":"version","limit":"1"}""", "metrics");
        Assert.Equal("v2", Assert.Single(frames).Fields[1].Labels!["version"]);
    }

    [Fact]
    public void Both_SeriesAndFlameGraph()
    {
        var frames = Store.Frames("""{"labelSelector":"{service_name=\"web\"}","groupBy":["version"]}""", "both");
        Assert.Equal(["series", "series", "response"], frames.Select(f => f.Name));
        var graph = frames[^1];
        Assert.Equal([(0L, "total", 62L, 0L), (1L, "main", 62L, 0L), (2L, "x", 22L, 22L), (2L, "y", 40L, 40L)], graph.FlameRows());
    }

    [Fact]
    public void Top_SelfAndTotalPerFunction_RecursionCountedOnce()
    {
        var frame = Assert.Single(Store.Frames("""{"labelSelector":"{service_name=\"fn\", region=\"eu\"}"}""", "top"));

        Assert.Equal("top", frame.Name);
        Assert.Equal("""{"preferredVisualisationType":"table"}""", frame.MetaJson);
        Assert.Equal(["function", "self", "total", "selfShare", "totalShare"], frame.Fields.Select(f => f.Name));
        Assert.Equal(["f", "g", "h", "main"], frame.Field("function").Values<string>());
        Assert.Equal([15L, 4L, 3L, 0L], frame.Field("self").Values<long>());
        Assert.Equal([19L, 9L, 3L, 22L], frame.Field("total").Values<long>());
        Assert.Equal(100.0 * 15 / 22, frame.Field("selfShare").Values<double>()[0], 9);
        Assert.Equal(100.0, frame.Field("totalShare").Values<double>()[3], 9);
        Assert.Equal("ns", frame.Field("self").Unit());
        Assert.Equal("percent", frame.Field("selfShare").Unit());
    }

    [Fact]
    public void Top_Limit_KeepsTheFirstRows()
    {
        var frame = Assert.Single(Store.Frames("""{"labelSelector":"{service_name=\"fn\", region=\"eu\"}","limit":2}""", "top"));
        Assert.Equal(["f", "g"], frame.Field("function").Values<string>());
    }

    [Fact]
    public void Run_BadSelector_Downstream400WithCaret()
    {
        var result = Store.Run("""{"labelSelector":"{service_name=\"api\", env=prod}"}""", "profile");

        Assert.Equal(400, result.Status);
        Assert.Equal(ErrorSource.Downstream, result.Source);
        Assert.StartsWith("labelSelector is not a valid selector: ", result.Error);
        Assert.Contains("column 26", result.Error);
        var lines = result.Error!.Split('\n');
        Assert.Equal("{service_name=\"api\", env=prod}", lines[1]);
        Assert.Equal(25, lines[2].IndexOf('^'));
        Assert.Empty(result.Frames);
    }

    [Fact]
    public void Run_MaxNodesOverTheLimit_Downstream400NamingTheLimit()
    {
        var result = Store.Run("""{"maxNodes":2000000}""", "profile");
        Assert.Equal(400, result.Status);
        Assert.Equal(ErrorSource.Downstream, result.Source);
        Assert.Contains("maxNodes=2000000", result.Error);
        Assert.Contains("1048576", result.Error);
    }

    [Fact]
    public void Run_UnknownQueryType_Downstream400ListingTheKnownTypes()
    {
        var result = Store.Run("{}", "flame");
        Assert.Equal(400, result.Status);
        Assert.Equal(ErrorSource.Downstream, result.Source);
        Assert.Contains("'flame'", result.Error);
        Assert.Contains("profile, metrics, both, diff, top, function", result.Error);
    }

    [Theory]
    [InlineData("""{"maxNodes":"many"}""", "maxNodes must be a whole number; got \"many\"")]
    [InlineData("""{"groupBy":["bad-label"]}""", "'bad-label' is not a valid label name")]
    [InlineData("""{"aggregation":"median"}""", "aggregation 'median'")]
    [InlineData("""{"spanSelector":["9a3f5e0b"]}""", "spanSelector: '9a3f5e0b' is not a span id")]
    [InlineData("""{"limit":5000}""", "limit=5000 is over the limit max_series=1000")]
    [InlineData("""{"profileTypeId":"memory:alloc_space:bytes:space:bytes","labelSelector":"process_cpu:cpu:nanoseconds:cpu:nanoseconds{}"}""", "differ")]
    public void Run_InvalidQueryModel_Downstream400SayingWhatToChange(string json, string expected)
    {
        var result = Store.Run(json, "both");
        Assert.Equal(400, result.Status);
        Assert.Equal(ErrorSource.Downstream, result.Source);
        Assert.Contains(expected, result.Error);
    }

    [Fact]
    public void Profile_SpanSelector_OnlySamplesOfThoseSpans()
    {
        var one = Assert.Single(Store.Frames("""{"labelSelector":"{service_name=\"spans\"}","spanSelector":["00000000000000AA"]}""", "profile"));
        Assert.Equal([(0L, "total", 30L, 0L), (1L, "main", 30L, 0L), (2L, "handle", 30L, 0L), (3L, "db", 30L, 30L)], one.FlameRows());

        var two = Assert.Single(Store.Frames("""{"labelSelector":"{service_name=\"spans\"}","spanSelector":"00000000000000aa,00000000000000bb"}""", "profile"));
        Assert.Equal(50L, two.FlameRows()[0].Value);

        var series = Assert.Single(Store.Frames("""{"labelSelector":"{service_name=\"spans\"}","spanSelector":["00000000000000bb"]}""", "metrics"));
        Assert.Equal([20.0], series.Field("cpu").Values<double>());
    }

    [Fact]
    public void Run_SpanSelectorEmpty_IsIgnored()
    {
        var frame = Assert.Single(Store.Frames("""{"labelSelector":"{service_name=\"api\"}","spanSelector":[]}""", "profile"));
        Assert.Equal(60L, frame.FlameRows()[0].Value);
    }

    [Theory]
    [InlineData("profile", """{"labelSelector":"{service_name=\"api\"}"}""")]
    [InlineData("both", """{"labelSelector":"{service_name=\"web\"}","groupBy":["version"]}""")]
    [InlineData("top", """{"labelSelector":"{service_name=\"fn\"}"}""")]
    [InlineData("diff", """{"left":{"labelSelector":"{version=\"v1\"}"},"right":{"labelSelector":"{version=\"v2\"}"}}""")]
    [InlineData("function", """{"functionRegex":"main|f"}""")]
    [InlineData("profile", """{"labelSelector":"{service_name=\"none\"}"}""")]
    public void Run_EveryType_FramesEncodeAsArrowFiles(string type, string json)
    {
        var frames = Store.Frames(json, type);
        Assert.NotEmpty(frames);
        foreach (var frame in frames)
        {
            var bytes = ArrowFileWriter.Write(frame);
            Assert.Equal("ARROW1"u8.ToArray(), bytes[..6]);
            Assert.Equal("ARROW1"u8.ToArray(), bytes[^6..]);
        }
    }

    private static long Nanos(DateTime utc) => (utc - DateTime.UnixEpoch).Ticks * 100;
}
