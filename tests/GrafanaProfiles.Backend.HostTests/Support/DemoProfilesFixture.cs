using GrafanaProfiles.Store.Model;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Backend.HostTests.Support;

/// <summary>
/// What the compose demo's workloads produce, from real profiles of real runtimes
/// (tests/testdata/pprof): a Go service <c>shop</c> (CPU and heap) in release <c>v1</c> from 10:00 and
/// <c>v2</c> from 10:30, where v2 also spends 2 s per profile in <c>encoding/json.Marshal</c>, and a
/// Node service <c>web</c> (CPU/wall and heap) all hour. Plus the build output's plugin over it.
/// </summary>
public sealed class DemoProfilesFixture : IAsyncLifetime, IDisposable
{
    /// <summary>The data source uid that provisioning/datasources/grafana-profiles.yaml gives.</summary>
    public const string ProvisionedUid = "grafana-profiles";

    public const string Cpu = Batches.Cpu;

    public const string InuseSpace = "memory:inuse_space:bytes:space:bytes";

    public static readonly DateTime From = Batches.BaseTime;

    public static readonly DateTime To = From.AddHours(1);

    private readonly TestStore _store = new();

    public string DataDirectory => _store.DataDirectory;

    public PluginProcess Plugin { get; private set; } = null!;

    public PluginClient Client() => new(Plugin.Client, ProvisionedUid, new { dataDirectory = DataDirectory });

    public static string Pprof(string file) => Path.Combine(RepoPaths.Root, "tests", "testdata", "pprof", file);

    public async Task InitializeAsync()
    {
        var batches = new List<ProfileBatch>();
        for (var minute = 0; minute < 6; minute++)
        {
            foreach (var (version, start) in new[] { ("v1", From), ("v2", From.AddMinutes(30)) })
            {
                var at = start.AddMinutes(minute);
                var pod = $"shop-{minute % 2}";
                var labels = Batches.L("version", version, "pod", pod, "env", "demo");
                batches.Add(TestStore.Pprof(Pprof("go-cpu.pb.gz"), "shop", at, labels));
                batches.Add(TestStore.Pprof(Pprof("go-heap.pb.gz"), "shop", at, labels));
                if (version == "v2")
                {
                    batches.Add(Batches.Folded(at, "shop", labels, Cpu,
                        ("runtime.main;main.main;main.handleOrder;encoding/json.Marshal", 2_000_000_000)));
                }
            }
        }
        for (var minute = 0; minute < 60; minute += 5)
        {
            var labels = Batches.L("version", "1.4.0", "pod", "web-0", "env", "demo");
            batches.Add(TestStore.Pprof(Pprof("node-cpu.pb.gz"), "web", From.AddMinutes(minute), labels));
            batches.Add(TestStore.Pprof(Pprof("node-heap.pb.gz"), "web", From.AddMinutes(minute), labels));
        }
        await _store.WriteAsync("default", [.. batches]);
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
public sealed class DemoProfilesCollection : ICollectionFixture<DemoProfilesFixture>
{
    public const string Name = "demo-profiles";
}
