using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Backend.Settings;
using GrafanaProfiles.Backend.Sql;
using static GrafanaProfiles.Backend.Tests.Sql.SqlStoreFixture;

namespace GrafanaProfiles.Backend.Tests.Sql;

/// <summary>Hostile and runaway queries: refused or stopped with a message that says what to change, and nothing else is affected.</summary>
public class SqlSandboxTests(SqlStoreFixture store) : IClassFixture<SqlStoreFixture>
{
    private QueryResult Run(string sql, DataSourceInstance? instance = null) =>
        store.RunSql(sql, instance);

    private static void AssertRefused(QueryResult result, string message)
    {
        Assert.Equal(400, result.Status);
        Assert.Equal(ErrorSource.Downstream, result.Source);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SELECT 1; SELECT 2", "Only one SELECT statement is allowed; DuckDB reads 2 statements")]
    [InlineData("INSERT INTO samples SELECT * FROM samples", "Only one SELECT statement is allowed; got INSERT")]
    [InlineData("CREATE TABLE t AS SELECT 1", "Only one SELECT statement is allowed; got CREATE")]
    [InlineData("ATTACH '/tmp/evil.db'", "Only one SELECT statement is allowed; got ATTACH")]
    [InlineData("COPY (SELECT 1) TO 'x.csv'", "Only one SELECT statement is allowed; got COPY")]
    [InlineData("SET memory_limit = '100GB'", "Only one SELECT statement is allowed; got SET")]
    [InlineData("RESET lock_configuration", "Only one SELECT statement is allowed; got SET")]
    [InlineData("PRAGMA memory_limit = '100GB'", "Only one SELECT statement is allowed; got SET")]
    [InlineData("INSTALL httpfs", "Only one SELECT statement is allowed; got LOAD or INSTALL")]
    [InlineData("LOAD httpfs", "Only one SELECT statement is allowed; got LOAD or INSTALL")]
    [InlineData("EXPORT DATABASE 'out'", "Only one SELECT statement is allowed; got EXPORT")]
    [InlineData("CALL pragma_version()", "Only one SELECT statement is allowed; got CALL")]
    [InlineData("DROP VIEW samples", "Only one SELECT statement is allowed; got DROP")]
    [InlineData("-- nothing here", "The SQL holds no statement")]
    [InlineData("SELEC 1", "syntax error")]
    public void Run_NotOneSelect_Refused(string sql, string message) => AssertRefused(Run(sql), message);

    [Theory]
    [InlineData("SELECT * FROM read_csv('/etc/passwd')")]
    [InlineData("SELECT * FROM read_text('/etc/passwd')")]
    [InlineData("SELECT * FROM read_parquet('https://example.com/x.parquet')")]
    public void Run_FilesOutsideTheTenant_Refused(string sql) => AssertRefused(Run(sql), "file system operations are disabled by configuration");

    [Fact]
    public void Run_AnotherTenantsFiles_Refused()
    {
        var other = Path.Combine(store.DataDirectory, "tenant=other");
        Assert.True(Directory.Exists(other));
        AssertRefused(Run($"SELECT * FROM read_parquet('{other}/*/*.parquet')"), "file system operations are disabled by configuration");
        AssertRefused(Run($"SELECT * FROM read_parquet('{store.Instance.TenantDirectory}/../tenant=other/*/*.parquet')"), "disabled by configuration");
    }

    [Fact]
    public void Run_ParentDataDirectory_Refused()
    {
        AssertRefused(Run($"SELECT * FROM glob('{store.DataDirectory}/*')"), "disabled by configuration");
        AssertRefused(Run($"SELECT * FROM read_parquet('{store.DataDirectory}/*/*/*.parquet')"), "disabled by configuration");
    }

    [Fact]
    public void Run_ErrorMessages_DoNotShowTheDataDirectory()
    {
        var result = Run($"SELECT * FROM read_parquet('{store.DataDirectory}/tenant=other/x.parquet')");
        Assert.Equal(400, result.Status);
        Assert.DoesNotContain(store.DataDirectory, result.Error, StringComparison.Ordinal);
        Assert.Contains("tenant=other/x.parquet", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_FileOfItsOwnTenantThatDoesNotExist_IsTheUsersErrorNamingThePath()
    {
        // Every listed file of the range is still there, so this is no compaction race: 400, downstream.
        var result = Run($"SELECT * FROM read_parquet('{store.Instance.TenantDirectory}/no-such-hour/samples-x.parquet')");

        Assert.Equal(400, result.Status);
        Assert.Equal(ErrorSource.Downstream, result.Source);
        Assert.Contains("no-such-hour/samples-x.parquet", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("compaction", result.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Run_OwnTenantsFiles_Readable()
    {
        var result = Run($"SELECT count(*) AS n FROM read_parquet('{store.Instance.TenantDirectory}/*/samples-*.parquet')");
        Assert.Equal(200, result.Status);
    }

    [Fact]
    public void Run_ConfigurationLockedAndExtensionsOff()
    {
        var result = Run("SELECT current_setting('lock_configuration') AS locked, current_setting('enable_external_access') AS external, current_setting('autoload_known_extensions') AS autoload");
        var frame = Assert.Single(result.Frames);
        Assert.Equal([true], Values(Field(frame, "locked")));
        Assert.Equal([false], Values(Field(frame, "external")));
        Assert.Equal([false], Values(Field(frame, "autoload")));
    }

    [Fact]
    public void Run_PastQueryTimeout_StoppedAndTheNextQueryRuns()
    {
        using var instance = store.NewInstance(s => s with { QueryTimeout = TimeSpan.FromMilliseconds(200) });
        var result = Run("SELECT sum(a.range * b.range) FROM range(100000000) a, range(100000) b", instance);
        Assert.Equal(504, result.Status);
        Assert.Equal(ErrorSource.Downstream, result.Source);
        Assert.Contains("exceeded the query timeout of 200ms (setting queryTimeout)", result.Error, StringComparison.Ordinal);

        var next = Run("SELECT count(*) AS n FROM samples", instance);
        Assert.Equal(200, next.Status);
        Assert.Equal([7L], Values(Field(Assert.Single(next.Frames), "n")));
    }

    [Fact]
    public void Run_Cancelled_Throws()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var context = Context(store.Instance, new { rawSql = "SELECT sum(a.range * b.range) FROM range(100000000) a, range(100000) b" });
        Assert.ThrowsAny<OperationCanceledException>(() => SqlQuery.Run(context, cancel.Token));
    }

    [Fact]
    public void Run_PastMemoryLimit_ClearErrorNamingTheSetting()
    {
        using var instance = store.NewInstance(s => s with { MemoryLimit = "10MB" });
        var result = Run("SELECT range % 1000000 AS g, list(range) AS l FROM range(30000000) GROUP BY g", instance);
        Assert.Equal(400, result.Status);
        Assert.Equal(ErrorSource.Downstream, result.Source);
        Assert.Contains("more memory than the memory limit of 10MB (setting memoryLimit)", result.Error, StringComparison.Ordinal);
        Assert.Equal(200, Run("SELECT 1 AS one", instance).Status);
    }

    [Fact]
    public void Run_FailedQuery_StillReturnsTheExecutedSql()
    {
        var result = Run("SELECT nope FROM samples WHERE $__timeFilter(time)");
        Assert.Equal(400, result.Status);
        Assert.Contains("nope", result.Error, StringComparison.Ordinal);
        var frame = Assert.Single(result.Frames);
        Assert.Contains("TIMESTAMP '2026-11-22 10:00:00.000000'", Meta(frame).GetProperty("executedQueryString").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_ListsTheViewsAndTheirColumns()
    {
        var schema = SqlSchema.Describe(store.Instance);
        Assert.Equal(["samples", "series", "stacks", "functions", "stack_frames", "metrics"], schema.Tables.Select(t => t.Name));
        Assert.Equal(["time", "duration", "service_name", "profile_type", "series_id", "labels", "stack_id", "value", "span_id"],
            schema.Tables[0].Columns.Select(c => c.Name));
        // The views expose exactly the documented columns, in order.
        foreach (var table in schema.Tables)
        {
            var frame = Assert.Single(Run($"SELECT column_name FROM (DESCRIBE {table.Name})").Frames);
            Assert.Equal(table.Columns.Select(c => (object?)c.Name), Values(Field(frame, "column_name")));
        }
    }

    [Fact]
    public void SamplesView_HasEveryFileRowOnce_WithItsSeriesLabels()
    {
        using var sandbox = SqlSandbox.Create(store.Instance);
        var files = store.Instance.Reader.FilesFor(store.Instance.Settings.Tenant, From, To);
        Assert.NotEmpty(files.Series);
        sandbox.CreateViews(files);

        // The join with series (one row per series id) neither loses nor repeats samples rows,
        // and every row gets the labels of its own series.
        var list = "[" + string.Join(", ", files.Samples.Select(f => "'" + f + "'")) + "]";
        var seriesList = "[" + string.Join(", ", files.Series.Select(f => "'" + f + "'")) + "]";
        using var counts = sandbox.Connection.Query($"""
            SELECT (SELECT count(*) FROM samples)::BIGINT,
                   (SELECT count(*) FROM read_parquet({list}))::BIGINT,
                   (SELECT count(*) FROM samples WHERE labels IS NULL)::BIGINT,
                   (SELECT count(*) FROM series)::BIGINT,
                   (SELECT count(DISTINCT series_id) FROM read_parquet({seriesList}))::BIGINT,
                   (SELECT count(*) FROM samples s JOIN (SELECT DISTINCT series_id, labels FROM read_parquet({seriesList})) r
                      ON r.series_id = s.series_id WHERE r.labels <> s.labels)::BIGINT
            """);
        using var row = counts.FetchChunk()!;
        var values = Enumerable.Range(0, 6).Select(c => row.Column(c).Values<long>()[0]).ToArray();
        Assert.True(values[0] > 0);
        Assert.Equal(values[1], values[0]);
        Assert.Equal(0L, values[2]);
        Assert.Equal(values[4], values[3]);
        Assert.Equal(0L, values[5]);
    }
}
