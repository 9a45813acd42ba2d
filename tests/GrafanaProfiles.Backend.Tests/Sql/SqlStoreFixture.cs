using System.Text.Json;
using GrafanaProfiles.Backend.Frames;
using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Backend.Settings;
using GrafanaProfiles.Backend.Sql;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.TestSupport;
using static GrafanaProfiles.TestSupport.Batches;

namespace GrafanaProfiles.Backend.Tests.Sql;

/// <summary>
/// A data directory written through the real store writer: two services of tenant <c>default</c> in
/// the hour 10:00 (the queried range), one sample in the hour 12:00 (outside it), and tenant
/// <c>other</c>, whose data no query of <c>default</c> may see.
/// </summary>
public sealed class SqlStoreFixture : IAsyncLifetime, IDisposable
{
    public static readonly DateTime From = BaseTime;
    public static readonly DateTime To = BaseTime.AddHours(1);

    private readonly TestStore _store = new();

    public string DataDirectory => _store.DataDirectory;

    public DataSourceInstance Instance { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var batch = new ProfileBatch();
        Add(batch, BaseTime, "api", L("env", "prod"), Cpu, ("main;handle;parse", 100), ("main;handle;render", 200), ("main;gc", 50));
        Add(batch, BaseTime.AddMinutes(1), "api", L("env", "staging"), Cpu, ("main;handle;parse", 30));
        Add(batch, BaseTime.AddSeconds(30), "worker", L("env", "prod"), Cpu, ("main;work", 1000), ("main;gc", 5));
        Add(batch, BaseTime, "api", L("env", "prod"), AllocSpace, ("main;alloc", 4096));
        var late = Folded(BaseTime.AddHours(2).AddMinutes(30), "api", L("env", "prod"), Cpu, ("main;late", 7777));
        await _store.WriteAsync("default", batch, late);
        await _store.WriteAsync("other", Folded(BaseTime, "secret", null, Cpu, ("main;secret", 42)));
        Instance = NewInstance();
    }

    public DataSourceInstance NewInstance(Func<PluginSettings, PluginSettings>? change = null)
    {
        var settings = new PluginSettings { DataDirectory = DataDirectory };
        return new DataSourceInstance("sql-tests", 1, change is null ? settings : change(settings));
    }

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Instance?.Dispose();
        _store.Dispose();
    }

    public static QueryContext Context(DataSourceInstance instance, object query, TimeSpan? interval = null) =>
        new("A", "sql", From, To, interval ?? TimeSpan.FromMinutes(1), 1000,
            JsonSerializer.SerializeToElement(query), instance);

    /// <summary>Runs raw SQL over the queried range, on <paramref name="instance"/> or this fixture's.</summary>
    public QueryResult RunSql(string sql, DataSourceInstance? instance = null) =>
        SqlQuery.Run(Context(instance ?? Instance, new { rawSql = sql }), CancellationToken.None);

    /// <summary>The frame's meta as JSON.</summary>
    public static JsonElement Meta(DataFrame frame) => JsonDocument.Parse(frame.MetaJson ?? "null").RootElement.Clone();

    public static Field Field(DataFrame frame, string name, IReadOnlyDictionary<string, string>? labels = null) =>
        frame.Fields.Single(f => f.Name == name && (labels is null || (f.Labels is not null && f.Labels.Count == labels.Count && labels.All(l => f.Labels.TryGetValue(l.Key, out var v) && v == l.Value))));

    public static List<object?> Values(Field field) => [.. Enumerable.Range(0, field.Length).Select(field.GetValue)];
}
