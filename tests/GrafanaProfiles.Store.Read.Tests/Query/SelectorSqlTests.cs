using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;

namespace GrafanaProfiles.Store.Read.Tests.Query;

/// <summary>Runs translated selectors against real DuckDB samples and series tables and checks which rows match.</summary>
public sealed class SelectorSqlTests : IDisposable
{
    private const string Cpu = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
    private const string Memory = "memory:alloc_space:bytes:space:bytes";
    private const string Injection = "x' OR '1'='1";

    /// <summary>Rows by id (in series_id): service, profile type, labels (null: the whole column is NULL).</summary>
    private static readonly (ulong Id, string? Service, string? Type, Dictionary<string, string>? Labels)[] Rows =
    [
        (1, "api", Cpu, new() { ["env"] = "prod", ["region"] = "eu-west-1", ["pod"] = "api-1" }),
        (2, "api", Cpu, new() { ["env"] = "dev", ["region"] = "us-east-1", ["pod"] = "canary-2" }),
        (3, "api", Memory, new() { ["env"] = "prod", ["pod"] = "api-3" }),
        (4, "web", Cpu, new()),
        (5, "web", Cpu, new() { ["env"] = "" }),
        (6, "db", Cpu, new() { ["env"] = Injection, ["region"] = "eu\"west\\1" }),
        (7, "weird", Cpu, new() { ["team"] = "ünïcødé ✓", ["otel.scope.name"] = "lib.a", ["note"] = "line1\nline2" }),
        (8, Injection, Cpu, new() { ["a'b"] = "v", ["env"] = "prod" }),
        (9, null, null, null),
    ];

    private readonly DuckDbDatabase _db = DuckDbDatabase.Open();
    private readonly DuckDbConnection _conn;

    public SelectorSqlTests()
    {
        _conn = _db.Connect();
        _conn.Execute($"CREATE TABLE {SamplesTable.Name} ({SamplesTable.Columns})");
        _conn.Execute($"CREATE TABLE {SeriesTable.Name} ({SeriesTable.Columns})");
        using var insertSample = _conn.Prepare(
            $"INSERT INTO {SamplesTable.Name} ({SamplesTable.SeriesId}, {SamplesTable.ServiceName}, {SamplesTable.ProfileType}) VALUES ($1, $2, $3)");
        using var insertSeries = _conn.Prepare(
            $"INSERT INTO {SeriesTable.Name} ({SeriesTable.SeriesId}, {SeriesTable.ServiceName}, {SeriesTable.Labels}) " +
            "VALUES ($1, $2, CASE WHEN $3 THEN map($4::VARCHAR[], $5::VARCHAR[]) END)");
        foreach (var (id, service, type, labels) in Rows)
        {
            insertSample.Bind(1, id).Bind(2, service).Bind(3, type);
            using var _ = insertSample.Execute();
            insertSeries.Bind(1, id).Bind(2, service).Bind(3, labels is not null)
                .Bind(4, labels?.Keys.ToArray() ?? []).Bind(5, labels?.Values.ToArray() ?? []);
            using var __ = insertSeries.Execute();
        }
    }

    public void Dispose()
    {
        _conn.Dispose();
        _db.Dispose();
    }

    [Theory]
    [InlineData("{}", "1,2,3,4,5,6,7,8,9")]
    [InlineData("""{service_name="api"}""", "1,2,3")]
    [InlineData("""{"otel.scope.name"="lib.a"}""", "7")]
    [InlineData("""{"a'b"="v"}""", "8")]
    [InlineData("""{"service_name"="api", "env"!="prod"}""", "2")]
    [InlineData("""{service_name!="api"}""", "4,5,6,7,8,9")]
    [InlineData("""{service_name=""}""", "9")]
    [InlineData("""{service_name=~"api|web"}""", "1,2,3,4,5")]
    [InlineData("""{service_name!~"api|web"}""", "6,7,8,9")]
    // Absent labels count as the empty string.
    [InlineData("""{env="prod"}""", "1,3,8")]
    [InlineData("""{env!="dev"}""", "1,3,4,5,6,7,8,9")]
    [InlineData("""{env=""}""", "4,5,7,9")]
    [InlineData("""{env!=""}""", "1,2,3,6,8")]
    [InlineData("""{env=~".*"}""", "1,2,3,4,5,6,7,8,9")]
    [InlineData("""{env=~".+"}""", "1,2,3,6,8")]
    [InlineData("""{env!~".+"}""", "4,5,7,9")]
    [InlineData("""{region!~"eu-.*"}""", "2,3,4,5,6,7,8,9")]
    // Regexes are anchored (full match), case-sensitive unless (?i), and '.' matches a newline.
    [InlineData("""{env=~"pro"}""", "")]
    [InlineData("""{env=~"prod|dev"}""", "1,2,3,8")]
    [InlineData("""{env=~"PROD"}""", "")]
    [InlineData("""{env=~"(?i)PROD"}""", "1,3,8")]
    [InlineData("""{region=~"eu-.*"}""", "1")]
    [InlineData("""{pod!~"canary.*"}""", "1,3,4,5,6,7,8,9")]
    [InlineData("""{note=~"line1.line2"}""", "7")]
    [InlineData("""{service_name="api", env!="dev", region=~"eu-.*", pod!~"canary.*"}""", "1")]
    [InlineData("""{env="prod", env!="prod"}""", "")]
    // Values that would break naive SQL text, and non-ASCII text.
    [InlineData("""{env="x' OR '1'='1"}""", "6")]
    [InlineData("""{env="x' OR 1=1 --"}""", "")]
    [InlineData("""{env!="x' OR '1'='1", env!=""}""", "1,2,3,8")]
    [InlineData("""{service_name="x' OR '1'='1"}""", "8")]
    [InlineData("""{service_name='x\' OR \'1\'=\'1'}""", "8")]
    [InlineData("""{region="eu\"west\\1"}""", "6")]
    [InlineData("""{region=~"eu\"west\\\\1"}""", "6")]
    [InlineData("""{region=~`eu"west\\1`}""", "6")]
    [InlineData("""{team="ünïcødé ✓"}""", "7")]
    [InlineData("""{team="\u00fcn\u00efc\u00f8d\u00e9 \u2713"}""", "7")]
    [InlineData("""{team=~"ünïcødé ."}""", "7")]
    [InlineData("""{note="line1\nline2"}""", "7")]
    [InlineData("""{otel.scope.name="lib.a"}""", "7")]
    // Profile types: the prefix, Pyroscope's __profile_type__ label and the profile name as __name__.
    [InlineData(Cpu + """{service_name="api"}""", "1,2")]
    [InlineData(Memory, "3")]
    [InlineData("""{__profile_type__="memory:alloc_space:bytes:space:bytes"}""", "3")]
    [InlineData("""{__profile_type__!~"process_cpu:.*"}""", "3,9")]
    [InlineData("""{__name__="memory"}""", "3")]
    [InlineData("""{__name__=~"process_cpu|memory", env="prod"}""", "1,3,8")]
    public void ToCondition_Selector_MatchesExactlyTheseRows(string selector, string expectedIds)
    {
        var parsed = LabelSelector.Parse(selector);

        Assert.Equal(expectedIds, string.Join(",", Select(parsed)));
    }

    [Theory]
    [InlineData("""{env="x' OR '1'='1"}""")]
    [InlineData("""{region=~"eu\"west\\\\1", team!="ünïcødé ✓"}""")]
    [InlineData("""{otel.scope.name!~"lib.a", note="line1\nline2"}""")]
    public void ToCondition_AnySelector_PutsValuesAndNamesOnlyInParameters(string selector)
    {
        var parsed = LabelSelector.Parse(selector);
        var parameters = new SqlParameters();

        var sql = SelectorSql.ToCondition(parsed, parameters, SeriesTable.Name);

        foreach (var matcher in parsed.Matchers)
        {
            Assert.DoesNotContain(matcher.Value, sql, StringComparison.Ordinal);
            Assert.DoesNotContain(matcher.Name, sql, StringComparison.Ordinal);
            Assert.Contains(matcher.Value, parameters.Values);
            Assert.Contains(matcher.Name, parameters.Values);
        }
        // The only string literals in the text are our own: '' (absent label), 's' (regex flags).
        Assert.DoesNotContain("'", sql.Replace("''", "", StringComparison.Ordinal).Replace("'s'", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void ToCondition_ConstructedLabelNamesWithSqlInThem_AreBoundNotSpliced()
    {
        var quotedName = new LabelSelector([new LabelMatcher("a'b", MatchOperator.Equal, "v")]);
        var hostileName = new LabelSelector([new LabelMatcher("env'] = '' OR TRUE OR labels['x", MatchOperator.NotEqual, "")]);

        Assert.Equal([8UL], Select(quotedName));
        Assert.Empty(Select(hostileName));
    }

    [Fact]
    public void ToCondition_Selector_GivesPlaceholdersInOrderAfterExistingParameters()
    {
        var parameters = new SqlParameters();
        parameters.Add(DateTime.UnixEpoch);
        var selector = LabelSelector.Parse(Cpu + """{service_name="api", env!="dev", region=~"eu-.*", pod!~"c.*", team=""}""");

        var sql = SelectorSql.ToCondition(selector, parameters, SeriesTable.Name);

        Assert.Equal(
            "(profile_type = $2 AND service_name = $3 AND series_id IN (SELECT series_id FROM series WHERE coalesce(labels[$4], '') <> $5 AND " +
            "regexp_full_match(coalesce(labels[$6], ''), $7, 's') AND NOT regexp_full_match(coalesce(labels[$8], ''), $9, 's') AND " +
            "coalesce(labels[$10], '') = $11))",
            sql);
        Assert.Equal([DateTime.UnixEpoch, Cpu, "api", "env", "dev", "region", "eu-.*", "pod", "c.*", "team", ""], parameters.Values);
    }

    [Fact]
    public void ToCondition_EmptySelector_IsTrueWithoutParameters()
    {
        var parameters = new SqlParameters();

        Assert.Equal("TRUE", SelectorSql.ToCondition(LabelSelector.Parse("{}"), parameters, SeriesTable.Name));
        Assert.Empty(parameters.Values);
    }

    [Fact]
    public void ToCondition_OneMatcher_HasNoParentheses()
    {
        Assert.Equal("service_name = $1", SelectorSql.ToCondition(LabelSelector.Parse("""{service_name="api"}"""), new SqlParameters(), SeriesTable.Name));
    }

    [Fact]
    public void ToCondition_TableAlias_QualifiesColumnsForJoins()
    {
        var parameters = new SqlParameters();
        var selector = LabelSelector.Parse(Cpu + """{service_name="api", env="prod", __name__!=""}""");

        var condition = SelectorSql.ToCondition(selector, parameters, SeriesTable.Name, "s");

        Assert.Equal(
            "(s.profile_type = $1 AND s.service_name = $2 AND coalesce(split_part(s.profile_type, ':', 1), '') <> $5 AND " +
            "s.series_id IN (SELECT series_id FROM series WHERE labels[$3] = $4))",
            condition);
        // Both sides of the self-join have every column: unqualified names would be ambiguous.
        var ids = Query(
            $"SELECT s.{SamplesTable.SeriesId} FROM {SamplesTable.Name} s JOIN {SamplesTable.Name} t ON s.{SamplesTable.SeriesId} = t.{SamplesTable.SeriesId} " +
            $"WHERE {condition} ORDER BY 1",
            parameters);
        Assert.Equal([1UL], ids);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1s")]
    [InlineData("s.x")]
    [InlineData("s; DROP TABLE samples")]
    public void ToCondition_AliasThatIsNotAnIdentifier_Throws(string alias)
    {
        var ex = Assert.Throws<ArgumentException>(() => SelectorSql.ToCondition(LabelSelector.Empty, new SqlParameters(), SeriesTable.Name, alias));

        Assert.Contains("is not an SQL identifier", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToCondition_InvalidRegexThatBypassedTheParser_FailsTheQueryWithRe2sReason()
    {
        var selector = new LabelSelector([new LabelMatcher("env", MatchOperator.Regex, "a(b")]);

        var ex = Assert.Throws<DuckDbException>(() => Select(selector));

        Assert.Contains("missing ): a(b", ex.Message, StringComparison.Ordinal);
    }

    private List<ulong> Select(LabelSelector selector)
    {
        var parameters = new SqlParameters();
        var condition = SelectorSql.ToCondition(selector, parameters, SeriesTable.Name);
        return Query($"SELECT {SamplesTable.SeriesId} FROM {SamplesTable.Name} WHERE {condition} ORDER BY 1", parameters);
    }

    private List<ulong> Query(string sql, SqlParameters parameters)
    {
        using var statement = _conn.Prepare(sql);
        parameters.BindTo(statement);
        using var result = statement.Execute();
        var ids = new List<ulong>();
        foreach (var chunk in result.Chunks())
        {
            ids.AddRange(chunk.Column(0).Values<ulong>());
        }
        return ids;
    }
}
