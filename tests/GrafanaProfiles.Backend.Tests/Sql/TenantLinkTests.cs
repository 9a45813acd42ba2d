using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Backend.Settings;
using GrafanaProfiles.Backend.Sql;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Partitions;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;
using GrafanaProfiles.TestSupport;
using Microsoft.Extensions.Logging;
using static GrafanaProfiles.Backend.Tests.Sql.SqlStoreFixture;
using static GrafanaProfiles.TestSupport.Batches;

namespace GrafanaProfiles.Backend.Tests.Sql;

/// <summary>
/// Symbolic links planted inside a tenant's directory: what resolves outside it (another tenant's
/// hour or file, a dangling link) is ignored by the profile queries and by SQL alike, with a log
/// line; what resolves inside it is read as the tenant's own. Before, the reader followed the
/// links (another tenant's service in label values and flame graphs) while SQL refused them and
/// failed every query over the range.
/// </summary>
public sealed class TenantLinkTests : IDisposable
{
    private readonly TestStore _store = new();

    public void Dispose() => _store.Dispose();

    private async Task<PartitionLayout> WriteAsync()
    {
        await _store.WriteAsync("default", Folded(BaseTime, "api", null, Cpu, ("main;handle", 100)));
        await _store.WriteAsync("other", Folded(BaseTime, "secret", null, Cpu, ("main;secret", 42)),
            Folded(BaseTime.AddHours(1), "secret-later", null, Cpu, ("main;later", 7)));
        return new PartitionLayout(_store.DataDirectory);
    }

    private static void PlantOutsideLinks(PartitionLayout layout)
    {
        // An hour the tenant does not have, linked to the other tenant's hour.
        Directory.CreateSymbolicLink(layout.HourDirectory("default", BaseTime.AddHours(1)), layout.HourDirectory("other", BaseTime.AddHours(1)));
        // Files in an hour it has, linked to the other tenant's files of that hour.
        var own = layout.HourDirectory("default", BaseTime);
        foreach (var (table, files) in PartitionLayout.VisibleFiles(layout.HourDirectory("other", BaseTime)))
        {
            File.CreateSymbolicLink(Path.Combine(own, $"{table}-planted-000000000001.parquet"), files[0]);
        }
        // And a link that leads nowhere.
        File.CreateSymbolicLink(Path.Combine(own, "samples-dangling-000000000001.parquet"), Path.Combine(own, "no-such-file"));
    }

    private DataSourceInstance Instance(ILogger? log = null) =>
        new("links", 1, new PluginSettings { DataDirectory = _store.DataDirectory }, log);

    private static QueryResult Sql(DataSourceInstance instance, string sql) =>
        SqlQuery.Run(new QueryContext("A", "sql", From, From.AddHours(2), TimeSpan.FromMinutes(1), 1000,
            System.Text.Json.JsonSerializer.SerializeToElement(new { rawSql = sql }), instance), CancellationToken.None);

    private static ProfileSelection Selection => new("default", From, From.AddHours(2), Cpu, LabelSelector.Empty);

    [Fact]
    public async Task LinksOutOfTheTenant_IgnoredByProfileQueriesAndSql_AndLogged()
    {
        var layout = await WriteAsync();
        PlantOutsideLinks(layout);
        var log = new ListLogger();
        using var instance = Instance(log);

        Assert.Equal(["api"], instance.Reader.LabelValues("default", LabelRules.ServiceName, From, From.AddHours(2)));
        Assert.Equal(100, instance.Reader.Top(Selection).Total);
        var result = Sql(instance, "SELECT count(*) AS n, sum(value) AS total FROM samples");
        Assert.True(result.Status == 200, result.Error);
        var frame = Assert.Single(result.Frames);
        Assert.Equal(100L, Convert.ToInt64(Values(Field(frame, "total"))[0], System.Globalization.CultureInfo.InvariantCulture));

        var warnings = log.Messages.Where(m => m.Level == LogLevel.Warning).Select(m => m.Text).ToList();
        Assert.Contains(warnings, w => w.Contains(layout.HourDirectory("default", BaseTime.AddHours(1)), StringComparison.Ordinal) && w.Contains("outside its tenant's directory", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("samples-planted-000000000001.parquet", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("samples-dangling-000000000001.parquet", StringComparison.Ordinal) && w.Contains("which does not exist", StringComparison.Ordinal));
        // Once per link, not once per query.
        instance.Reader.Top(Selection);
        Assert.Equal(warnings.Count, log.Messages.Count(m => m.Level == LogLevel.Warning));
    }

    [Fact]
    public async Task LinksInsideTheTenant_ReadAsItsOwn()
    {
        var layout = await WriteAsync();
        // The tenant's hour moved to another folder of its own directory, and linked back.
        var hour = layout.HourDirectory("default", BaseTime);
        var moved = Path.Combine(layout.TenantDirectory("default"), "archive", Path.GetFileName(hour));
        Directory.CreateDirectory(Path.GetDirectoryName(moved)!);
        Directory.Move(hour, moved);
        Directory.CreateSymbolicLink(hour, moved);
        using var instance = Instance();

        Assert.Equal(["api"], instance.Reader.LabelValues("default", LabelRules.ServiceName, From, From.AddHours(2)));
        Assert.Equal(100, instance.Reader.Top(Selection).Total);
        var result = Sql(instance, "SELECT sum(value) AS total FROM samples");
        Assert.True(result.Status == 200, result.Error);
        Assert.Equal(100L, Convert.ToInt64(Values(Field(Assert.Single(result.Frames), "total"))[0], System.Globalization.CultureInfo.InvariantCulture));
    }

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Text)> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Messages)
            {
                Messages.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
