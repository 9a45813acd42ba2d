using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Backend.Sql;

namespace GrafanaProfiles.Backend.Tests.Sql;

public class SqlMacrosTests
{
    private static readonly DateTime From = new(2026, 11, 22, 10, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime To = new DateTime(2026, 11, 22, 11, 30, 15, DateTimeKind.Utc).AddTicks(1234567);

    private static string Expand(string sql, TimeSpan? interval = null) =>
        new SqlMacros(From, To, interval ?? TimeSpan.FromMinutes(1)).Expand(sql);

    [Theory]
    [InlineData("$__timeFilter(time)", "time >= TIMESTAMP '2026-11-22 10:00:00.000000' AND time < TIMESTAMP '2026-11-22 11:30:15.123456'")]
    [InlineData("$__timeFilter( s.time )", "s.time >= TIMESTAMP '2026-11-22 10:00:00.000000' AND s.time < TIMESTAMP '2026-11-22 11:30:15.123456'")]
    [InlineData("$__timeFrom()", "TIMESTAMP '2026-11-22 10:00:00.000000'")]
    [InlineData("$__timeTo()", "TIMESTAMP '2026-11-22 11:30:15.123456'")]
    [InlineData("$__time(t)", "t AS \"time\"")]
    [InlineData("$__timeGroup(time, 1m)", "time_bucket(INTERVAL '60 seconds', time, TIMESTAMP '1970-01-01 00:00:00')")]
    [InlineData("$__timeGroup(time, '30s')", "time_bucket(INTERVAL '30 seconds', time, TIMESTAMP '1970-01-01 00:00:00')")]
    [InlineData("$__timeGroup(time, 500ms)", "time_bucket(INTERVAL '500 milliseconds', time, TIMESTAMP '1970-01-01 00:00:00')")]
    [InlineData("$__timeGroup(time, $__interval)", "time_bucket(INTERVAL '60 seconds', time, TIMESTAMP '1970-01-01 00:00:00')")]
    [InlineData("$__timeGroupAlias(time, 1h)", "time_bucket(INTERVAL '3600 seconds', time, TIMESTAMP '1970-01-01 00:00:00') AS \"time\"")]
    [InlineData("$__timeGroupAlias(date_trunc('minute', time), 5m)", "time_bucket(INTERVAL '300 seconds', date_trunc('minute', time), TIMESTAMP '1970-01-01 00:00:00') AS \"time\"")]
    [InlineData("$__interval", "1m")]
    [InlineData("$__interval_ms", "60000")]
    [InlineData("$__unixEpochFilter(ts)", "ts >= 1795341600 AND ts <= 1795347015")]
    [InlineData("$__unixEpochFrom()", "1795341600")]
    [InlineData("$__unixEpochTo()", "1795347015")]
    [InlineData("$__unixEpochNanoFilter(ns)", "ns >= 1795341600000000000 AND ns <= 1795347015123456700")]
    [InlineData("$__unixEpochNanoFrom()", "1795341600000000000")]
    [InlineData("$__unixEpochGroup(ts, 1m)", "floor((ts) / 60) * 60")]
    [InlineData("$__unixEpochGroupAlias(ts, 90s)", "floor((ts) / 90) * 90 AS \"time\"")]
    public void Expand_EachMacro_ExactText(string sql, string expected) => Assert.Equal(expected, Expand(sql));

    [Theory]
    [InlineData(10, "10s")]
    [InlineData(90, "1m")]
    [InlineData(3600, "1h")]
    [InlineData(86_400 * 2, "2d")]
    [InlineData(86_400 * 400, "1y")]
    [InlineData(0.25, "250ms")]
    [InlineData(0.0001, "1ms")]
    public void FormatInterval_AsGrafana(double seconds, string expected) =>
        Assert.Equal(expected, SqlMacros.FormatInterval(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Expand_IntervalInsideString_Expands()
    {
        Assert.Equal("SELECT time_bucket(INTERVAL '10s', time), '10000 ms'",
            Expand("SELECT time_bucket(INTERVAL '$__interval', time), '$__interval_ms ms'", TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void Expand_MacrosInCommentsStringsAndIdentifiers_LeftAlone()
    {
        const string sql = "SELECT '$__timeFilter(x)' AS \"$__timeFrom()\" -- $__nope(\n/* $__timeFilter(time, extra) */ FROM t";
        Assert.Equal(sql, Expand(sql));
    }

    [Fact]
    public void Expand_WholeQuery_ExpandsInPlace()
    {
        var sql = Expand("SELECT $__timeGroupAlias(time, $__interval), sum(value) FROM samples WHERE $__timeFilter(time) AND service_name = 'a,b' GROUP BY 1");
        Assert.Equal(
            "SELECT time_bucket(INTERVAL '60 seconds', time, TIMESTAMP '1970-01-01 00:00:00') AS \"time\", sum(value) FROM samples " +
            "WHERE time >= TIMESTAMP '2026-11-22 10:00:00.000000' AND time < TIMESTAMP '2026-11-22 11:30:15.123456' AND service_name = 'a,b' GROUP BY 1", sql);
    }

    [Theory]
    [InlineData("SELECT $__timeFilter(a, b)", "$__timeFilter takes 1 argument")]
    [InlineData("SELECT $__timeFilter()", "$__timeFilter takes 1 argument")]
    [InlineData("SELECT $__timeFilter", "$__timeFilter takes 1 argument")]
    [InlineData("SELECT $__timeGroup(time)", "$__timeGroup takes 2 arguments")]
    [InlineData("SELECT $__timeFrom(time)", "$__timeFrom takes no arguments")]
    [InlineData("SELECT $__timeGroup(time, soon)", "'soon' is not an interval")]
    [InlineData("SELECT $__bogus(time)", "Unknown macro $__bogus")]
    [InlineData("SELECT $__timeFilter(time", "$__timeFilter( has no closing parenthesis")]
    public void Expand_BadMacro_BadRequestNamingIt(string sql, string message)
    {
        var e = Assert.Throws<QueryFailedException>(() => Expand(sql));
        Assert.Equal(400, e.Status);
        Assert.Equal(ErrorSource.Downstream, e.ErrorSource);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
