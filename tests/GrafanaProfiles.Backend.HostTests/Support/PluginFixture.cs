using GrafanaProfiles.Store.Model;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Backend.HostTests.Support;

/// <summary>
/// One running plugin over one data directory written through the real store: a <c>checkout</c>
/// service whose v2 (10:30–10:40) spends more in JSON encoding than v1 (10:00–10:10), a real Go CPU
/// profile as service <c>api</c> at 11:00, and a second tenant that no query of tenant
/// <c>default</c> may see.
/// </summary>
public sealed class PluginFixture : IAsyncLifetime, IDisposable
{
    public const string Cpu = Batches.Cpu;

    public static readonly DateTime T0 = Batches.BaseTime;

    private readonly TestStore _store = new();

    public PluginProcess Plugin { get; private set; } = null!;

    public string DataDirectory => _store.DataDirectory;

    public PluginClient Client(string uid = "profiles", object? jsonData = null, long lastUpdated = 1) =>
        new(Plugin.Client, uid, jsonData ?? new { dataDirectory = DataDirectory }, lastUpdated);

    /// <summary>Go CPU file written as service <c>api</c> (its total is checked against the flame graph root).</summary>
    public static string GoCpuPath => Path.Combine(RepoPaths.Root, "tests", "testdata", "pprof", "go-cpu.pb.gz");

    public async Task InitializeAsync()
    {
        var batches = new List<ProfileBatch>();
        for (int i = 0; i < 6; i++)
        {
            foreach (var pod in new[] { "pod-a", "pod-b" })
            {
                batches.Add(Batches.Folded(T0.AddSeconds(10 * i), "checkout", Batches.L("version", "v1", "pod", pod), Cpu,
                    ("main;handler;db.query", 50), ("main;handler;json.encode", 30), ("main;gc", 20)));
                batches.Add(Batches.Folded(T0.AddMinutes(30).AddSeconds(10 * i), "checkout", Batches.L("version", "v2", "pod", pod), Cpu,
                    ("main;handler;db.query", 50), ("main;handler;json.encode", 90), ("main;gc", 20)));
            }
        }
        batches.Add(TestStore.Pprof(GoCpuPath, "api", T0.AddHours(1), Batches.L("env", "prod")));
        await _store.WriteAsync("default", [.. batches]);
        await _store.WriteAsync("other", Batches.Folded(T0, "secret-service", null, Cpu, ("other;tenant;only", 1_000)));
        Plugin = await PluginProcess.StartAsync();
    }

    public void Dispose() => _store.Dispose();

    public async Task DisposeAsync()
    {
        if (Plugin is not null)
        {
            await Plugin.DisposeAsync();
        }
        _store.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class PluginCollection : ICollectionFixture<PluginFixture>
{
    public const string Name = "plugin";
}
