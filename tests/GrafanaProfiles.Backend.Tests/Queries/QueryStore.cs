using System.Text;
using System.Text.Json;
using GrafanaProfiles.Backend.Frames;
using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Backend.Settings;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Backend.Tests.Queries;

/// <summary>
/// A real store written through the store writer and a real data source instance over it: queries
/// run as the plugin runs them, from query JSON to frames.
/// </summary>
internal sealed class QueryStore : IDisposable
{
    public static readonly DateTime T0 = Batches.BaseTime;

    private readonly TestStore _store = new();

    private QueryStore()
    {
    }

    public DataSourceInstance Instance { get; private set; } = null!;

    public static async Task<QueryStore> CreateAsync(params ProfileBatch[] batches) => await CreateAsync("{}", batches);

    /// <param name="settingsJson">Extra jsonData keys, merged with dataDirectory.</param>
    public static async Task<QueryStore> CreateAsync(string settingsJson, params ProfileBatch[] batches)
    {
        var store = new QueryStore();
        if (batches.Length > 0)
        {
            await store._store.WriteAsync("default", batches);
        }
        var settings = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(settingsJson)!;
        settings["dataDirectory"] = JsonSerializer.SerializeToElement(store._store.DataDirectory);
        store.Instance = new DataSourceInstance("uid", 1, PluginSettings.Parse(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(settings))));
        return store;
    }

    /// <summary>Runs a query over [from, to) (default: T0 - 1h to T0 + 1h) with the given interval (default 15 s).</summary>
    public QueryResult Run(string json, string queryType = "", DateTime? from = null, DateTime? to = null, TimeSpan? interval = null)
    {
        using var document = JsonDocument.Parse(json);
        var context = new QueryContext("A", queryType, from ?? T0.AddHours(-1), to ?? T0.AddHours(1), interval ?? TimeSpan.FromSeconds(15),
            1000, document.RootElement.Clone(), Instance);
        return ProfileQueries.Run(context, CancellationToken.None);
    }

    /// <summary>Runs a query that must succeed and returns its frames.</summary>
    public IReadOnlyList<DataFrame> Frames(string json, string queryType = "", DateTime? from = null, DateTime? to = null, TimeSpan? interval = null)
    {
        var result = Run(json, queryType, from, to, interval);
        Assert.True(result.Status == 200, $"status {result.Status}: {result.Error}");
        return result.Frames;
    }

    public void Dispose()
    {
        Instance?.Dispose();
        _store.Dispose();
    }
}

/// <summary>Reading frames back in tests.</summary>
internal static class FrameReading
{
    public static Field Field(this DataFrame frame, string name) =>
        frame.Fields.SingleOrDefault(f => f.Name == name) ?? throw new Xunit.Sdk.XunitException($"frame {frame.Name} has no field {name}");

    public static List<T> Values<T>(this Field field) => [.. Enumerable.Range(0, field.Length).Select(i => (T)field.GetValue(i)!)];

    /// <summary>The label field's texts per row, through the enum config when it is an enum.</summary>
    public static List<string> Labels(this DataFrame frame)
    {
        var label = frame.Field("label");
        if (label.Type == FieldType.String)
        {
            return label.Values<string>();
        }
        var texts = EnumTexts(label);
        return [.. label.Values<ushort>().Select(i => texts[i])];
    }

    public static List<string> EnumTexts(Field field)
    {
        using var config = JsonDocument.Parse(field.ConfigJson!);
        return [.. config.RootElement.GetProperty("type").GetProperty("enum").GetProperty("text").EnumerateArray().Select(e => e.GetString()!)];
    }

    public static string? Unit(this Field field)
    {
        if (field.ConfigJson is null)
        {
            return null;
        }
        using var config = JsonDocument.Parse(field.ConfigJson);
        return config.RootElement.TryGetProperty("unit", out var unit) ? unit.GetString() : null;
    }

    /// <summary>Rows of a flame graph frame as (level, label, value, self).</summary>
    public static List<(long Level, string Label, long Value, long Self)> FlameRows(this DataFrame frame)
    {
        var levels = frame.Field("level").Values<long>();
        var labels = frame.Labels();
        var values = frame.Field("value").Values<long>();
        var selfs = frame.Field("self").Values<long>();
        return [.. Enumerable.Range(0, frame.RowCount).Select(i => (levels[i], labels[i], values[i], selfs[i]))];
    }
}
