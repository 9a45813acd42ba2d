using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Backend.Settings;
using GrafanaProfiles.Backend.Sql;
using static GrafanaProfiles.Backend.Tests.Sql.SqlStoreFixture;

namespace GrafanaProfiles.Backend.Tests.Sql;

/// <summary>
/// Hostile input beyond the sandbox's own rules: statements smuggled through macro arguments,
/// values that template variables carry (as the editor's interpolation writes them), runaway
/// recursion, and what DuckDB's catalog functions and error texts would reveal about the machine.
/// </summary>
public sealed class SqlHostileTests(SqlStoreFixture store) : IClassFixture<SqlStoreFixture>
{
    private QueryResult Run(string sql, DataSourceInstance? instance = null) =>
        store.RunSql(sql, instance);

    [Theory]
    [InlineData("SELECT count(*) AS n FROM samples WHERE $__timeFilter(time); ATTACH '/tmp/x.db'", "Only one SELECT statement is allowed")]
    [InlineData("SELECT count(*) AS n FROM samples WHERE $__timeFilter(time) OR 1 = 1; SET lock_configuration = false", "Only one SELECT statement is allowed")]
    [InlineData("SELECT $__timeGroup(time, '1m''); ATTACH ''/tmp/x.db'); --') AS t FROM samples", "is not an interval")]
    public void MacroArguments_CarryingStatements_Refused(string sql, string message)
    {
        var result = Run(sql);
        Assert.Equal(400, result.Status);
        Assert.Equal(ErrorSource.Downstream, result.Source);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void MacroArgument_WithACommentHidingAStatement_StaysAComment()
    {
        // The comment inside the argument stays a comment after expansion: one SELECT, nothing attached.
        var result = Run("SELECT count(*) AS n FROM samples WHERE $__timeFilter(time /* ) ; ATTACH '/tmp/x.db' -- */)");
        Assert.True(result.Status == 200, result.Error);
        Assert.Equal([7L], Values(Field(Assert.Single(result.Frames), "n")));
    }

    /// <summary>
    /// A label value or variable holding quotes, a semicolon and comments, as the editor's SQL
    /// interpolation writes it (a quoted literal with its quotes doubled; see
    /// plugin-frontend/src/sql/interpolation): one string, matched against, never run.
    /// </summary>
    [Theory]
    [InlineData("SELECT count(*) AS n FROM samples WHERE service_name = 'x''; ATTACH ''/tmp/x.db''; --'")]
    [InlineData("SELECT count(*) AS n FROM samples WHERE service_name IN ('api', 'x'' OR ''1''=''1', '/* */ -- ;')")]
    [InlineData("SELECT count(*) AS n FROM samples WHERE labels['env'] = '$__timeFrom()'' OR 1=1 --'")]
    public void VariableValues_InterpolatedAsLiterals_AreOnlyText(string sql)
    {
        var result = Run(sql);
        Assert.True(result.Status == 200, result.Error);
        var n = Convert.ToInt64(Values(Field(Assert.Single(result.Frames), "n"))[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(n < 7, $"{n} rows matched a literal that should match at most the 'api' rows");
    }

    [Fact]
    public void EndlessRecursion_StoppedByTheLimits_AndTheNextQueryRuns()
    {
        using var instance = store.NewInstance(s => s with { QueryTimeout = TimeSpan.FromSeconds(2), MemoryLimit = "64MB" });
        var result = Run("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) AS n FROM r", instance);
        Assert.True(result.Status is 400 or 504, $"{result.Status}: {result.Error}");
        Assert.Equal(ErrorSource.Downstream, result.Source);
        Assert.Matches("query timeout of 2s|memory limit of 64MB", result.Error);
        Assert.Equal(200, Run("SELECT count(*) AS n FROM samples", instance).Status);
    }

    [Fact]
    public void HugeCrossJoin_OfTheViews_StoppedByTheTimeout()
    {
        using var instance = store.NewInstance(s => s with { QueryTimeout = TimeSpan.FromMilliseconds(500) });
        var result = Run("SELECT count(*) FROM samples a, samples b, samples c, samples d, samples e, samples f, samples g, samples h, range(1000000000) r", instance);
        Assert.Equal(504, result.Status);
        Assert.Contains("query timeout", result.Error, StringComparison.Ordinal);
    }

    /// <summary>No setting, catalog row or function result names a path outside the tenant's directory.</summary>
    [Theory]
    [InlineData("SELECT name, CAST(value AS VARCHAR) AS v FROM duckdb_settings()")]
    [InlineData("SELECT database_name, CAST(path AS VARCHAR) AS v FROM duckdb_databases()")]
    [InlineData("SELECT extension_name, CAST(install_path AS VARCHAR) AS v FROM duckdb_extensions()")]
    [InlineData("SELECT current_setting('extension_directory') AS v, current_setting('home_directory') AS h, current_setting('secret_directory') AS s")]
    public void CatalogFunctions_RevealNoPathOutsideTheTenant(string sql)
    {
        var result = Run(sql);
        Assert.True(result.Status == 200, result.Error);
        var tenant = store.Instance.TenantDirectory;
        foreach (var frame in result.Frames)
        {
            foreach (var field in frame.Fields)
            {
                foreach (var value in Values(field))
                {
                    if (value is string text && text.Contains('/', StringComparison.Ordinal))
                    {
                        foreach (var path in System.Text.RegularExpressions.Regex.Matches(text, @"(?<![\w.])/[^\s,'\]]+").Select(m => m.Value))
                        {
                            Assert.True(path.StartsWith(tenant, StringComparison.Ordinal), $"{field.Name} shows {path}, outside {tenant}");
                        }
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData("SELECT * FROM read_parquet('/etc/hostname')")]
    [InlineData("SELECT * FROM read_csv('/proc/self/environ')")]
    [InlineData("SELECT * FROM glob('/*')")]
    [InlineData("SELECT * FROM read_parquet('../../*/*.parquet')")]
    public void ErrorTexts_NameNoPathOutsideTheTenant_BeyondWhatTheQueryWrote(string sql)
    {
        var result = Run(sql);
        Assert.Equal(400, result.Status);
        Assert.DoesNotContain(store.DataDirectory, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + "/", result.Error, StringComparison.Ordinal);
    }
}
