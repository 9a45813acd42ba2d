using System.Text.Json;
using GrafanaProfiles.Backend.HostTests.Support;
using GrafanaProfiles.Schema.PluginV2;

namespace GrafanaProfiles.Backend.HostTests.Data;

/// <summary>Every query type through the real executable, frames decoded by apache-arrow.</summary>
[Collection(PluginCollection.Name)]
public class QueryDataTests(PluginFixture fixture)
{
    private static readonly DateTime From = PluginFixture.T0;
    private static readonly DateTime To = PluginFixture.T0.AddHours(1);
    private const string Checkout = "{service_name=\"checkout\"}";

    private static DataQuery Q(string type, object json, long intervalMs = 60_000, DateTime? from = null, DateTime? to = null) =>
        PluginClient.Query("A", type, json, from ?? From, to ?? To, intervalMs);

    [Fact]
    public async Task Profile_FlameGraphFrame_FollowsThePanelContract()
    {
        var frames = await fixture.Client().FramesAsync(Q("profile", new { labelSelector = Checkout, profileTypeId = PluginFixture.Cpu }));

        var frame = Assert.Single(frames);
        Assert.Equal("response", frame.Name);
        Assert.Equal("A", frame.RefId);
        Assert.Equal("flamegraph", frame.Meta!.Value.GetProperty("preferredVisualisationType").GetString());
        Assert.Equal(["level", "value", "self", "label"], frame.FieldNames);
        Assert.Equal("enum", frame.TsType("label"));
        Assert.Equal("ns", frame.FieldConfig("value")!.Value.GetProperty("unit").GetString());
        // v1 + v2: 12 profiles each of 100 / 160.
        var labels = frame.EnumTexts("label");
        var values = frame.Longs("value");
        var levels = frame.Longs("level");
        Assert.Equal("total", labels[0]);
        Assert.Equal(0, levels[0]);
        Assert.Equal(12 * 100 + 12 * 160, values[0]);
        int json = Array.IndexOf(labels, "json.encode");
        Assert.Equal(3, levels[json]);
        Assert.Equal(12 * 30 + 12 * 90, values[json]);
        Assert.Equal(values[json], frame.Longs("self")[json]);
    }

    [Fact]
    public async Task Profile_RealGoCpuProfile_RootIsTheFileTotal()
    {
        var frames = await fixture.Client().FramesAsync(Q("profile", new { labelSelector = "{service_name=\"api\"}", profileTypeId = PluginFixture.Cpu },
            from: PluginFixture.T0.AddHours(1), to: PluginFixture.T0.AddHours(2)));

        // go tool pprof -top on tests/testdata/pprof/go-cpu.pb.gz: "Total samples = 4.02s".
        Assert.Equal(4_020_000_000, frames[0].Longs("value")[0]);
    }

    [Fact]
    public async Task Profile_NodeLimit_FoldsIntoOther()
    {
        var frames = await fixture.Client().FramesAsync(Q("profile", new { labelSelector = "{service_name=\"api\"}", maxNodes = 16 },
            from: PluginFixture.T0.AddHours(1), to: PluginFixture.T0.AddHours(2)));

        Assert.True(frames[0].Rows <= 16);
        Assert.Contains("other", frames[0].EnumTexts("label"));
        Assert.Equal(4_020_000_000, frames[0].Longs("value")[0]);
    }

    [Fact]
    public async Task Profile_EmptyRange_GivesTheFourFieldsAndNoRows()
    {
        var frames = await fixture.Client().FramesAsync(Q("profile", new { labelSelector = Checkout }, from: From.AddDays(-3), to: From.AddDays(-2)));

        Assert.Equal(0, frames[0].Rows);
        Assert.Equal(["level", "value", "self", "label"], frames[0].FieldNames);
    }

    [Fact]
    public async Task Metrics_SeriesFrames_PerGroupWithLabelsAndNanosecondTimes()
    {
        var frames = await fixture.Client().FramesAsync(Q("metrics", new { labelSelector = Checkout, groupBy = new[] { "version" } }));

        Assert.Equal(2, frames.Count);
        foreach (var frame in frames)
        {
            Assert.Equal("series", frame.Name);
            Assert.Equal("time", frame.FieldAt(0).GetProperty("type").GetProperty("kind").GetString() == "timestamp" ? "time" : "?");
            Assert.Equal(3, frame.FieldAt(0).GetProperty("type").GetProperty("unit").GetInt32()); // Arrow TimeUnit.NANOSECOND
            var value = frame.FieldAt(1);
            Assert.Equal("cpu", value.GetProperty("name").GetString());
        }
        var byVersion = frames.ToDictionary(f => DecodedFrame.FieldLabels(f.FieldAt(1))["version"]);
        // One minute step: v1's 12 profiles (10:00–10:01) sum to 1,200 in the first minute.
        var v1 = DecodedFrame.Doubles(byVersion["v1"].FieldAt(1));
        Assert.Equal(1200, v1.Where(v => v is not null).Sum());
        var times = byVersion["v1"].Longs("time");
        Assert.Equal(new DateTimeOffset(From).ToUnixTimeMilliseconds() * 1_000_000, times[0]);
    }

    [Fact]
    public async Task Both_GivesSeriesAndFlameGraph()
    {
        var frames = await fixture.Client().FramesAsync(Q("both", new { labelSelector = Checkout }));

        Assert.Contains(frames, f => f.Name == "series");
        Assert.Contains(frames, f => f.Name == "response");
    }

    [Fact]
    public async Task Diff_V1AgainstV2_RanksTheRegressionFirst()
    {
        var frames = await fixture.Client().FramesAsync(Q("diff", new
        {
            left = new { labelSelector = "{service_name=\"checkout\", version=\"v1\"}" },
            right = new { labelSelector = "{service_name=\"checkout\", version=\"v2\"}" },
        }));

        var graph = frames.Single(f => f.Name == "response");
        Assert.Contains("valueRight", graph.FieldNames);
        Assert.Contains("selfRight", graph.FieldNames);
        Assert.Equal(1200, graph.Longs("value")[0]);
        Assert.Equal(1920, graph.Longs("valueRight")[0]);
        var changes = frames.Single(f => f.Name != "response");
        Assert.Equal("json.encode", changes.Strings(changes.FieldNames[0])[0]);
    }

    [Fact]
    public async Task Top_IsUntruncated_WithSelfAndTotal()
    {
        var frames = await fixture.Client().FramesAsync(Q("top", new { labelSelector = Checkout, maxNodes = 2 }));

        var top = Assert.Single(frames);
        var functions = top.Strings(top.FieldNames[0]);
        Assert.Equal(5, functions.Length);
        int handler = Array.IndexOf(functions, "handler");
        Assert.Equal(0, top.Longs("self")[handler]);
        Assert.Equal(12 * 80 + 12 * 140, top.Longs("total")[handler]);
    }

    [Fact]
    public async Task Function_TotalOverTime_GroupedByVersion_ForAlerting()
    {
        var frames = await fixture.Client().FramesAsync(Q("function", new { labelSelector = Checkout, function = "json.encode", groupBy = new[] { "version" } }));

        Assert.Equal(2, frames.Count);
        var meta = frames[0].Meta!.Value;
        Assert.Equal("timeseries-multi", meta.GetProperty("type").GetString());
        var sums = frames.ToDictionary(f => DecodedFrame.FieldLabels(f.FieldAt(1))["version"], f => DecodedFrame.Doubles(f.FieldAt(1)).Sum(v => v ?? 0));
        Assert.Equal(12 * 30, sums["v1"]);
        Assert.Equal(12 * 90, sums["v2"]);
    }

    [Fact]
    public async Task Sql_Table_OverOnlyThisTenantsPartitions_WithExecutedQuery()
    {
        var frames = await fixture.Client().FramesAsync(Q("sql", new
        {
            rawSql = "SELECT service_name, sum(value) AS total FROM samples WHERE $__timeFilter(time) GROUP BY 1 ORDER BY 1",
            format = "table",
        }, from: From, to: From.AddHours(3)));

        var frame = Assert.Single(frames);
        Assert.Equal(["api", "checkout"], frame.Strings("service_name").Select(s => s!).ToArray());
        Assert.Equal(12 * 100 + 12 * 160, frame.Longs("total")[1]);
        Assert.Contains("time >= TIMESTAMP", frame.Meta!.Value.GetProperty("executedQueryString").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sql_TimeSeries_LongToWideWithLabels()
    {
        var frames = await fixture.Client().FramesAsync(Q("sql", new
        {
            rawSql = "SELECT $__timeGroupAlias(time, '1m'), labels['version'] AS version, sum(value)::DOUBLE AS cpu FROM samples WHERE service_name = 'checkout' GROUP BY ALL ORDER BY 1",
            format = "time_series",
        }));

        var frame = Assert.Single(frames);
        Assert.Equal("Time", frame.FieldNames[0]);
        var versions = Enumerable.Range(1, frame.FieldNames.Count - 1).Select(i => DecodedFrame.FieldLabels(frame.FieldAt(i))["version"]).Order().ToList();
        Assert.Equal(["v1", "v2"], versions);
    }

    [Fact]
    public async Task Sql_FlameGraphFormat_FromStackIds()
    {
        var frames = await fixture.Client().FramesAsync(Q("sql", new
        {
            rawSql = "SELECT stack_id, sum(value) AS value FROM samples WHERE service_name = 'checkout' AND labels['version'] = 'v2' GROUP BY 1",
            format = "flamegraph",
        }));

        var frame = Assert.Single(frames);
        Assert.Equal(1920, frame.Longs("value")[0]);
        Assert.Contains("json.encode", frame.EnumTexts("label"));
    }

    [Theory]
    [InlineData("INSERT INTO samples VALUES (1)")]
    [InlineData("SELECT 1; SELECT 2")]
    [InlineData("ATTACH '/tmp/x.db'")]
    [InlineData("SELECT * FROM read_csv('/etc/passwd')")]
    [InlineData("SELECT * FROM read_parquet('../tenant=other/*/*.parquet')")]
    public async Task Sql_HostileQuery_IsRefusedAsDownstream_AndNeighboursStillAnswer(string sql)
    {
        var client = fixture.Client();
        var response = await client.QueryDataAsync(
            PluginClient.Query("bad", "sql", new { rawSql = sql }, From, To),
            PluginClient.Query("good", "profile", new { labelSelector = Checkout }, From, To));

        var bad = response.Responses["bad"];
        Assert.Equal(400, bad.Status);
        Assert.Equal("downstream", bad.ErrorSource);
        Assert.NotEmpty(bad.Error);
        Assert.Equal(200, response.Responses["good"].Status);
        Assert.Single(response.Responses["good"].Frames);
    }

    [Theory]
    [InlineData(null, 2)]
    [InlineData(3, 3)]
    public async Task Sql_RowLimit_GrafanasSqlRowLimitUnlessTheDataSourceSetsOne(int? dataSourceLimit, int expectedRows)
    {
        object settings = dataSourceLimit is { } limit
            ? new { dataDirectory = fixture.DataDirectory, rowLimit = limit }
            : new { dataDirectory = fixture.DataDirectory };
        var client = fixture.Client("row-limit-" + (dataSourceLimit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "grafana"), settings);
        var context = client.Context();
        context.GrafanaConfig["GF_SQL_ROW_LIMIT"] = "2";
        var request = new QueryDataRequest
        {
            PluginContext = context,
            Queries = { Q("sql", new { rawSql = "SELECT * FROM range(10) t(n)", format = "table" }) },
        };

        var result = await fixture.Plugin.Client.CallAsync("/pluginv2.Data/QueryData", request, QueryDataResponse.Parser);

        var frame = Assert.Single(ArrowFrames.Decode(result.Single.Responses["A"].Frames));
        Assert.Equal(expectedRows, frame.Rows);
        var notice = frame.Meta!.Value.GetProperty("notices")[0].GetProperty("text").GetString();
        Assert.Contains($"limited to {expectedRows}", notice, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sql_OtherTenantsData_IsInvisible()
    {
        var frames = await fixture.Client().FramesAsync(Q("sql", new { rawSql = "SELECT count(*) AS n FROM samples WHERE service_name = 'secret-service'", format = "table" }));

        Assert.Equal(0, frames[0].Longs("n")[0]);
    }

    [Fact]
    public async Task BadSelector_FailsOnlyItsQuery_WithTheCaret()
    {
        var response = await fixture.Client().QueryDataAsync(
            PluginClient.Query("bad", "profile", new { labelSelector = "{service_name=~\"(\"}" }, From, To),
            PluginClient.Query("good", "top", new { labelSelector = Checkout }, From, To));

        Assert.Equal(400, response.Responses["bad"].Status);
        Assert.Equal("downstream", response.Responses["bad"].ErrorSource);
        Assert.Equal(200, response.Responses["good"].Status);
    }

    [Fact]
    public async Task UnknownQueryType_NamesTheKnownTypes()
    {
        var response = await fixture.Client().QueryDataAsync(Q("flamegraphs", new { }));

        Assert.Equal(400, response.Responses["A"].Status);
        Assert.Contains("sql", response.Responses["A"].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryTypeFromJson_WhenTheRequestHasNone()
    {
        var query = Q("", new { queryType = "top", labelSelector = Checkout });

        var frames = await fixture.Client().FramesAsync(query);

        Assert.Contains("self", frames[0].FieldNames);
    }

    [Fact]
    public async Task MisconfiguredDataSource_FailsEveryQueryNamingTheSetting()
    {
        var client = fixture.Client("no-dir", new { tenant = "default" });

        var response = await client.QueryDataAsync(Q("profile", new { }));

        Assert.Equal(400, response.Responses["A"].Status);
        Assert.Contains("dataDirectory", response.Responses["A"].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangedSettings_RebuildTheInstance()
    {
        var before = fixture.Client("rebuilt", new { dataDirectory = fixture.DataDirectory, tenant = "other" }, lastUpdated: 1);
        var after = fixture.Client("rebuilt", new { dataDirectory = fixture.DataDirectory, tenant = "default" }, lastUpdated: 2);
        var sql = new { rawSql = "SELECT count(DISTINCT service_name) AS n, min(service_name) AS s FROM samples", format = "table" };

        var first = await before.FramesAsync(Q("sql", sql, from: From.AddHours(-1), to: From.AddHours(3)));
        var second = await after.FramesAsync(Q("sql", sql, from: From.AddHours(-1), to: From.AddHours(3)));

        Assert.Equal("secret-service", first[0].Strings("s")[0]);
        Assert.Equal("api", second[0].Strings("s")[0]);
    }

    [Fact]
    public async Task ChunkedQueryData_StreamsOneMessagePerFrame()
    {
        var request = new QueryChunkedDataRequest
        {
            PluginContext = fixture.Client().Context(),
            Queries = { Q("metrics", new { labelSelector = Checkout, groupBy = new[] { "pod" } }) },
        };

        var result = await fixture.Plugin.Client.CallAsync("/pluginv2.Data/QueryChunkedData", request, QueryChunkedDataResponse.Parser);

        Assert.Equal(0, result.Status);
        Assert.Equal(2, result.Messages.Count);
        Assert.All(result.Messages, m => Assert.Equal("A", m.RefId));
        Assert.Equal(["0", "1"], result.Messages.Select(m => m.FrameId));
        Assert.Equal(2, ArrowFrames.Decode(result.Messages.Select(m => m.Frame)).Count);
    }

    [Fact]
    public async Task ExpiredDeadline_IsDeadlineExceeded()
    {
        var request = new QueryDataRequest { PluginContext = fixture.Client().Context(), Queries = { Q("sql", new { rawSql = "SELECT count(*) FROM range(100000000000)", format = "table" }) } };

        var result = await fixture.Plugin.Client.CallAsync("/pluginv2.Data/QueryData", request, QueryDataResponse.Parser, timeout: "300m");

        Assert.True(result.Status == 4 || (result.Status == 0 && result.Single.Responses["A"].Status != 200),
            $"status {result.Status}: {result.Message}");
    }

    [Fact]
    public async Task Sql_Timeout_IsAClearDownstreamError()
    {
        var client = fixture.Client("slow", new { dataDirectory = fixture.DataDirectory, queryTimeout = "200ms" });

        var response = await client.QueryDataAsync(Q("sql", new { rawSql = "SELECT count(*) FROM range(100000000000) a", format = "table" }));

        var answer = response.Responses["A"];
        Assert.Equal("downstream", answer.ErrorSource);
        Assert.Contains("queryTimeout", answer.Error, StringComparison.Ordinal);
        Assert.NotEqual(200, answer.Status);
        _ = JsonSerializer.Serialize(answer.Status);
    }
}
