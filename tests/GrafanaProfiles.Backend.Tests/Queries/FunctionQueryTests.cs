using System.Text.Json;
using GrafanaProfiles.Backend.Frames;
using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Store.Query;

namespace GrafanaProfiles.Backend.Tests.Queries;

/// <summary>
/// Function series over the <c>fn</c> service: at T0 (eu) main;f;g;f=5, main;f=3, main;f;g=4, main;h=2;
/// at T0+60s (eu) main;f=7, main;h=1; at T0 (us) main;h=9.
/// </summary>
public sealed class FunctionQueryTests(ProfileQueriesFixture fixture) : IClassFixture<ProfileQueriesFixture>
{
    private static readonly DateTime T0 = ProfileQueriesFixture.T0;

    private QueryStore Store => fixture.Store;

    private List<double> Values(string matchJson, string valueKind = "total")
    {
        var frames = Store.Frames(
            $$"""{"labelSelector":"{service_name=\"fn\", region=\"eu\"}",{{matchJson}},"valueKind":"{{valueKind}}"}""", "function");
        var frame = Assert.Single(frames);
        Assert.Equal([Nanos(T0), Nanos(T0.AddSeconds(60))], frame.Field("time").Values<long>());
        return frame.Field(valueKind).Values<double>();
    }

    [Fact]
    public void Function_TotalOfARecursiveFunction_EachStackCountedOnce()
    {
        // main;f;g;f counts 5, not 10.
        Assert.Equal([12.0, 7.0], Values("""
            "function":"f"
            """));
    }

    [Fact]
    public void Function_Self_OnlyStacksEndingInTheFunction()
    {
        Assert.Equal([8.0, 7.0], Values("""
            "function":"f"
            """, "self"));
    }

    [Fact]
    public void Function_RegexOfCallerAndCallee_StackCountedOnce()
    {
        // f and g share stacks: f alone is 12, g alone 9; together still 12, not 21.
        Assert.Equal([12.0, 7.0], Values("""
            "functionRegex":"f|g"
            """));
    }

    [Fact]
    public void Function_RegexSelf_SumsTheLeaves()
    {
        Assert.Equal([6.0, 1.0], Values("""
            "functionRegex":"g|h"
            """, "self"));
        Assert.Equal([11.0, 1.0], Values("""
            "functionRegex":"g|h"
            """));
    }

    [Fact]
    public void Function_UnknownName_ZeroAtEveryStepWithProfiles()
    {
        Assert.Equal([0.0, 0.0], Values("""
            "function":"nowhere"
            """));
    }

    [Fact]
    public void Function_GroupByRegion_SeriesPerRegionAlertingShape()
    {
        var frames = Store.Frames("""{"labelSelector":"{service_name=\"fn\"}","function":"f","groupBy":["region"]}""", "function");

        Assert.Equal(2, frames.Count);
        var eu = frames.Single(f => f.Fields[1].Labels!["region"] == "eu");
        var us = frames.Single(f => f.Fields[1].Labels!["region"] == "us");
        Assert.Equal([12.0, 7.0], eu.Field("total").Values<double>());
        Assert.Equal([0.0], us.Field("total").Values<double>());
        foreach (var frame in frames)
        {
            Assert.Equal("series", frame.Name);
            Assert.Equal([FieldType.Time, FieldType.Float64], frame.Fields.Select(f => f.Type));
            Assert.Equal("ns", frame.Fields[1].Unit());
            using var meta = JsonDocument.Parse(frame.MetaJson!);
            Assert.Equal("timeseries-multi", meta.RootElement.GetProperty("type").GetString());
        }
    }

    [Theory]
    [InlineData("""{"functionRegex":"f(("}""", "functionRegex is not a valid RE2 pattern: missing )")]
    [InlineData("""{"functionRegex":"(?<=a)b"}""", "functionRegex is not a valid RE2 pattern")]
    [InlineData("""{}""", "needs function")]
    [InlineData("""{"function":"f","functionRegex":"f"}""", "not both")]
    [InlineData("""{"function":"f","valueKind":"cum"}""", "valueKind 'cum'")]
    public void Function_InvalidQuery_Downstream400(string json, string expected)
    {
        var result = Store.Run(json, "function");
        Assert.Equal(400, result.Status);
        Assert.Equal(ErrorSource.Downstream, result.Source);
        Assert.Contains(expected, result.Error);
    }

    [Fact]
    public void FunctionNames_Search_ContainingCaseInsensitivePrefixFirst()
    {
        var names = Store.Instance.Reader.FunctionNames("default", T0.AddHours(-1), T0.AddHours(1), "A", 10);
        Assert.Equal(["a", "alloc", "cache", "handle", "main", "parse"], names);
        Assert.Equal(["a", "alloc"], Store.Instance.Reader.FunctionNames("default", T0.AddHours(-1), T0.AddHours(1), "a", 2));
    }

    [Fact]
    public void FunctionNames_LimitOutOfRange_QueryException() =>
        Assert.Throws<QueryException>(() => Store.Instance.Reader.FunctionNames("default", T0, T0.AddHours(1), null, 0));

    private static long Nanos(DateTime utc) => (utc - DateTime.UnixEpoch).Ticks * 100;
}
