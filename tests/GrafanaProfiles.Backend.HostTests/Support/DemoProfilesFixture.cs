using GrafanaProfiles.Collector.Hosting;
using GrafanaProfiles.Collector.Rules;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Write;
using GrafanaProfiles.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrafanaProfiles.Backend.HostTests.Support;

/// <summary>
/// What the compose demo's workloads produce, from real profiles of real runtimes
/// (tests/testdata/pprof): a Go service <c>shop</c> (CPU and heap) in release <c>v1</c> from 10:00 and
/// <c>v2</c> from 10:30, where v2 also spends 2 s per profile in <c>encoding/json.Marshal</c>, and a
/// Node service <c>web</c> (CPU/wall and heap) all hour. They are flushed with the recording rules of
/// the compose stack's collector (deploy/collector/collector.json), evaluated by the collector's own
/// rule evaluator, so the metrics files hold what the demo's collector records. Plus the build
/// output's plugin over it.
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

    /// <summary>The collector configuration docker-compose.yml runs the collector with.</summary>
    public static string CollectorConfig => Path.Combine(RepoPaths.Root, "deploy", "collector", "collector.json");

    /// <summary>The compose collector's recording rules, as the collector loads them.</summary>
    public static RecordingRuleSet RecordingRules() => CollectorHost.LoadSettings(CollectorConfig, new Dictionary<string, string?>()).Settings.RecordingRules;

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
        using (var rules = new RuleEvaluator(RecordingRules(), null, NullLogger.Instance))
        {
            var options = new StoreOptions
            {
                DataDirectory = DataDirectory,
                WriterId = "demo",
                FlushInterval = TimeSpan.FromHours(1),
                FlushObserver = rules,
            };
            await using var writer = await ProfileWriter.OpenAsync(options);
            foreach (var batch in batches)
            {
                await writer.AppendAsync("default", batch);
            }
            await writer.FlushAsync();
            if (rules.Failures > 0 || rules.PointsWritten == 0)
            {
                throw new InvalidOperationException($"The recording rules of {CollectorConfig} recorded {rules.PointsWritten} points with {rules.Failures} failed partitions.");
            }
        }
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
