using GrafanaProfiles.Backend.Frames;
using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Backend.Sql;
using GrafanaProfiles.TestSupport;
using static GrafanaProfiles.Backend.Tests.Sql.SqlStoreFixture;

namespace GrafanaProfiles.Backend.Tests.Sql;

/// <summary>The three formats on real data written through the store.</summary>
public class SqlQueryTests(SqlStoreFixture store) : IClassFixture<SqlStoreFixture>
{
    private const string Cpu = Batches.Cpu;

    private QueryResult Run(object query) => SqlQuery.Run(Context(store.Instance, query), CancellationToken.None);

    private DataFrame Single(object query)
    {
        var result = Run(query);
        Assert.True(result.Status == 200, result.Error);
        return Assert.Single(result.Frames);
    }

    [Fact]
    public void Table_SumPerService_EqualsWhatWasWritten()
    {
        var frame = Single(new
        {
            rawSql = $"SELECT service_name, sum(value) AS total, count(*) AS n FROM samples WHERE $__timeFilter(time) AND profile_type = '{Cpu}' GROUP BY 1 ORDER BY 1",
            format = "table",
        });
        var service = Field(frame, "service_name");
        Assert.Equal(FieldType.String, service.Type);
        Assert.Equal(["api", "worker"], Values(service));
        var total = Field(frame, "total");
        Assert.Equal(FieldType.Int64, total.Type); // sum(BIGINT) is HUGEINT in DuckDB; it fits, so int64
        Assert.Equal([380L, 1005L], Values(total));
        Assert.Equal([4L, 2L], Values(Field(frame, "n")));
        Assert.All(frame.Fields, f => Assert.True(f.Nullable));
        var meta = Meta(frame);
        Assert.Equal("table", meta.GetProperty("preferredVisualisationType").GetString());
        Assert.StartsWith("SELECT service_name, sum(value) AS total, count(*) AS n FROM samples WHERE time >= TIMESTAMP '2026-11-22 10:00:00.000000' AND time < TIMESTAMP '2026-11-22 11:00:00.000000'",
            meta.GetProperty("executedQueryString").GetString(), StringComparison.Ordinal);
        Assert.Equal("A", frame.RefId);
    }

    [Fact]
    public void Table_ColumnTypes_MappedForGrafana()
    {
        var frame = Single(new
        {
            rawSql = """
                SELECT 18446744073709551615::UBIGINT AS big, 1.5::DECIMAL(10,2) AS dec, 2.5::FLOAT AS f, true AS b,
                       TIMESTAMP '2026-11-22 10:00:00.000001' AS ts, DATE '2026-11-22' AS d, [1, 2] AS list,
                       {'a': 1} AS st, MAP {'k': 'v'} AS m, 7::TINYINT AS tiny, NULL::VARCHAR AS nothing,
                       INTERVAL 90 SECOND AS iv, 170141183460469231731687303715884105727::HUGEINT AS huge;
                """,
        });
        Assert.Equal(FieldType.String, Field(frame, "big").Type);
        Assert.Equal("18446744073709551615", Field(frame, "big").GetValue(0));
        Assert.Equal(1.5, Field(frame, "dec").GetValue(0));
        Assert.Equal(2.5, Field(frame, "f").GetValue(0));
        Assert.Equal(true, Field(frame, "b").GetValue(0));
        Assert.Equal(FieldType.Time, Field(frame, "ts").Type);
        Assert.Equal(Batches.Nanos(Batches.BaseTime) + 1000, Field(frame, "ts").GetValue(0));
        Assert.Equal(Batches.Nanos(Batches.BaseTime.Date), Field(frame, "d").GetValue(0));
        Assert.Equal("[1, 2]", Field(frame, "list").GetValue(0));
        Assert.Equal("{'a': 1}", Field(frame, "st").GetValue(0));
        Assert.Equal("{k=v}", Field(frame, "m").GetValue(0));
        Assert.Equal(7L, Field(frame, "tiny").GetValue(0));
        Assert.Null(Field(frame, "nothing").GetValue(0));
        Assert.Equal("00:01:30", Field(frame, "iv").GetValue(0));
        Assert.Equal(FieldType.Float64, Field(frame, "huge").Type);
    }

    [Fact]
    public void Table_StackIds_AreExactDecimalTextThatJoinsBack()
    {
        var frame = Single(new { rawSql = "SELECT stack_id FROM samples WHERE service_name = 'worker' ORDER BY value DESC LIMIT 1" });
        var id = (string)Field(frame, "stack_id").GetValue(0)!;
        var names = Single(new { rawSql = $"SELECT list(name ORDER BY depth) AS names FROM stack_frames WHERE stack_id = {id}" });
        Assert.Equal("[main, work]", Field(names, "names").GetValue(0));
    }

    [Fact]
    public void Table_ZeroRows_FrameWithoutFieldsKeepsExecutedSql()
    {
        var frame = Single(new { rawSql = "SELECT * FROM samples WHERE $__timeFilter(time) AND service_name = 'nobody'" });
        Assert.Empty(frame.Fields);
        Assert.Contains("service_name = 'nobody'", Meta(frame).GetProperty("executedQueryString").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_EmptyRawSql_NoFrames()
    {
        var result = Run(new { rawSql = "  ", format = "table" });
        Assert.Equal(200, result.Status);
        Assert.Empty(result.Frames);
    }

    [Fact]
    public void Table_RowLimit_CutsWithGrafanasNotice()
    {
        using var instance = store.NewInstance(s => s with { RowLimit = 5 });
        var result = SqlQuery.Run(Context(instance, new { rawSql = "SELECT range AS n FROM range(10) ORDER BY n DESC;" }), CancellationToken.None);
        var frame = Assert.Single(result.Frames);
        Assert.Equal([9L, 8L, 7L, 6L, 5L], Values(Field(frame, "n")));
        var notice = Assert.Single(Meta(frame).GetProperty("notices").EnumerateArray());
        Assert.Equal("warning", notice.GetProperty("severity").GetString());
        Assert.Equal("Results have been limited to 5 because the SQL row limit was reached", notice.GetProperty("text").GetString());
    }

    [Fact]
    public void Views_CoverOnlyTheHoursOfTheRange()
    {
        // No time filter: the sample at 12:30 lives in an hour outside [10:00, 11:00) and is not there.
        var frame = Single(new { rawSql = $"SELECT sum(value) AS total, count(*) FILTER (WHERE stack_id IN (SELECT stack_id FROM stack_frames WHERE name = 'late')) AS late FROM samples WHERE service_name = 'api' AND profile_type = '{Cpu}'" });
        Assert.Equal([380L], Values(Field(frame, "total")));
        Assert.Equal([0L], Values(Field(frame, "late")));
        var functions = Single(new { rawSql = "SELECT count(*) AS n FROM functions WHERE name IN ('late', 'secret')" });
        Assert.Equal([0L], Values(Field(functions, "n")));
    }

    [Fact]
    public void Views_OneRowPerStackAndFunction_SoJoinsCountOnce()
    {
        var frame = Single(new
        {
            rawSql = $"""
                SELECT f.name, sum(s.value) AS self
                FROM samples s JOIN stack_frames f ON f.stack_id = s.stack_id AND f.is_leaf
                WHERE $__timeFilter(s.time) AND s.profile_type = '{Cpu}'
                GROUP BY 1 ORDER BY 2 DESC
                """,
        });
        Assert.Equal(["work", "render", "parse", "gc"], Values(Field(frame, "name")));
        Assert.Equal([1000L, 200L, 130L, 55L], Values(Field(frame, "self")));
    }

    [Fact]
    public void TimeSeries_LongToWide_OneFieldPerLabelSet()
    {
        var frame = Single(new
        {
            rawSql = $"""
                SELECT $__timeGroupAlias(time, '1m'), service_name, sum(value) AS value
                FROM samples WHERE $__timeFilter(time) AND profile_type = '{Cpu}'
                GROUP BY ALL ORDER BY service_name DESC
                """,
            format = "time_series",
        });
        var meta = Meta(frame);
        Assert.Equal("timeseries-wide", meta.GetProperty("type").GetString());
        var time = Field(frame, "Time");
        Assert.Equal(FieldType.Time, time.Type);
        Assert.Equal([Batches.Nanos(Batches.BaseTime), Batches.Nanos(Batches.BaseTime.AddMinutes(1))], Values(time));
        var api = Field(frame, "value", new Dictionary<string, string> { ["service_name"] = "api" });
        Assert.Equal(FieldType.Float64, api.Type);
        Assert.Equal([350.0, 30.0], Values(api));
        var worker = Field(frame, "value", new Dictionary<string, string> { ["service_name"] = "worker" });
        Assert.Equal([1005.0, null], Values(worker));
        Assert.Equal(3, frame.Fields.Count);
    }

    [Fact]
    public void TimeSeries_NumericFormatZero_AndMetricColumnNamesSeries()
    {
        var frame = Single(new
        {
            rawSql = "SELECT $__timeGroupAlias(time, $__interval), labels['env'] AS metric, sum(value) AS v FROM samples WHERE $__timeFilter(time) GROUP BY ALL",
            format = 0,
        });
        Assert.Equal([350.0 + 4096 + 1005, null], Values(Field(frame, "prod")));
        Assert.Equal([null, 30.0], Values(Field(frame, "staging")));
    }

    [Fact]
    public void TimeSeries_WithoutTimeColumn_SaysWhatToAdd()
    {
        var result = Run(new { rawSql = "SELECT service_name, sum(value) FROM samples GROUP BY 1", format = "time_series" });
        Assert.Equal(400, result.Status);
        Assert.Equal(ErrorSource.Downstream, result.Source);
        Assert.Contains("time column is missing; add $__timeGroupAlias(", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void FlameGraph_FromStackIds_TotalsExact()
    {
        var frame = Single(new
        {
            rawSql = $"SELECT stack_id, sum(value) AS value FROM samples WHERE $__timeFilter(time) AND profile_type = '{Cpu}' GROUP BY stack_id",
            format = "flamegraph",
            profileTypeId = Cpu,
        });
        AssertFlameGraph(frame, "ns",
        [
            (0, "total", 1385, 0),
            (1, "main", 1385, 0),
            (2, "gc", 55, 55),
            (2, "handle", 330, 0),
            (3, "parse", 130, 130),
            (3, "render", 200, 200),
            (2, "work", 1000, 1000),
        ]);
        Assert.Equal("flamegraph", Meta(frame).GetProperty("preferredVisualisationType").GetString());
    }

    [Fact]
    public void FlameGraph_FromNameListsAndFoldedStrings_SameTree()
    {
        const string lists = "SELECT * FROM (VALUES (['main', 'a'], 3), (['main', 'b', 'c'], 4), (['main', 'a'], 1)) t(stack, value)";
        const string folded = "SELECT 'main;a' AS stack, 3 AS weight UNION ALL SELECT 'main;b;c', 4 UNION ALL SELECT 'main;a', 1";
        foreach (var sql in new[] { lists, folded })
        {
            var frame = Single(new { rawSql = sql, format = "flamegraph", profileTypeId = Batches.AllocSpace });
            AssertFlameGraph(frame, "bytes",
            [
                (0, "total", 8, 0),
                (1, "main", 8, 0),
                (2, "a", 4, 4),
                (2, "b", 4, 0),
                (3, "c", 4, 4),
            ]);
        }
    }

    [Fact]
    public void FlameGraph_WithoutStackColumn_SaysWhichColumnsItNeeds()
    {
        var result = Run(new { rawSql = "SELECT service_name, sum(value) AS value FROM samples GROUP BY 1", format = "flamegraph" });
        Assert.Equal(400, result.Status);
        Assert.Contains("needs a stack column and a numeric value column", result.Error, StringComparison.Ordinal);
        Assert.Contains("service_name (VARCHAR)", result.Error, StringComparison.Ordinal);
    }

    private static void AssertFlameGraph(DataFrame frame, string unit, (long Level, string Label, long Value, long Self)[] expected)
    {
        Assert.Equal("response", frame.Name);
        Assert.Equal(["level", "value", "self", "label"], frame.Fields.Select(f => f.Name));
        var label = Field(frame, "label");
        Assert.Equal(FieldType.Enum, label.Type);
        var texts = System.Text.Json.JsonDocument.Parse(label.ConfigJson!).RootElement.GetProperty("type").GetProperty("enum").GetProperty("text")
            .EnumerateArray().Select(t => t.GetString()).ToList();
        var actual = Enumerable.Range(0, frame.RowCount).Select(i => (
            (long)Field(frame, "level").GetValue(i)!,
            texts[(ushort)label.GetValue(i)!]!,
            (long)Field(frame, "value").GetValue(i)!,
            (long)Field(frame, "self").GetValue(i)!)).ToArray();
        Assert.Equal(expected, actual);
        Assert.Contains($"\"unit\":\"{unit}\"", Field(frame, "value").ConfigJson, StringComparison.Ordinal);
        Assert.Contains($"\"unit\":\"{unit}\"", Field(frame, "self").ConfigJson, StringComparison.Ordinal);
    }
}
