using GrafanaProfiles.Store.Model;
using GrafanaProfiles.TestSupport;
using static GrafanaProfiles.TestSupport.Batches;

namespace GrafanaProfiles.Backend.Tests.Queries;

/// <summary>
/// One store shared by the query tests of a class; each service holds the data of one kind of test:
/// <list type="bullet">
/// <item><c>api</c>: a small tree for flame graph rows (total 60).</item>
/// <item><c>web</c>: profiles at T0, T0+5s, T0+30s in versions v1/v2 for series.</item>
/// <item><c>fn</c>: recursion and shared stacks for function series and the top table.</item>
/// <item><c>shop</c>: v1 and v2 where <c>parse</c> regresses, for diffs.</item>
/// <item><c>shift</c>: yesterday and today, for a diff by time shift.</item>
/// <item><c>spans</c>: samples in spans 00000000000000aa (30), 00000000000000bb (20) and in none (50).</item>
/// </list>
/// </summary>
public sealed class ProfileQueriesFixture : IAsyncLifetime
{
    internal static readonly DateTime T0 = QueryStore.T0;

    internal QueryStore Store { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var batch = new ProfileBatch();
        Add(batch, T0, "api", L("version", "v1"), Cpu, ("main;a;b", 30), ("main;a", 10), ("main;c", 20));
        Add(batch, T0, "api", L("version", "v1"), AllocSpace, ("main;alloc", 1024));

        Add(batch, T0, "web", L("version", "v1"), Cpu, ("main;x", 10));
        Add(batch, T0.AddSeconds(5), "web", L("version", "v1"), Cpu, ("main;x", 5));
        Add(batch, T0.AddSeconds(30), "web", L("version", "v1"), Cpu, ("main;x", 7));
        Add(batch, T0.AddSeconds(30), "web", L("version", "v2"), Cpu, ("main;y", 40));

        Add(batch, T0, "fn", L("region", "eu"), Cpu, ("main;f;g;f", 5), ("main;f", 3), ("main;f;g", 4), ("main;h", 2));
        Add(batch, T0.AddSeconds(60), "fn", L("region", "eu"), Cpu, ("main;f", 7), ("main;h", 1));
        Add(batch, T0, "fn", L("region", "us"), Cpu, ("main;h", 9));

        Add(batch, T0, "shop", L("version", "v1"), Cpu, ("main;work", 50), ("main;parse", 50));
        Add(batch, T0, "shop", L("version", "v2"), Cpu, ("main;work", 50), ("main;parse", 150));

        Add(batch, T0.AddDays(-1), "shift", null, Cpu, ("main;old", 10));
        Add(batch, T0, "shift", null, Cpu, ("main;new", 20));
        AddWithSpans(batch, T0, "spans", ("main;handle;db", 30, 0xaaUL), ("main;handle;cache", 20, 0xbbUL), ("main;idle", 50, 0UL));
        Store = await QueryStore.CreateAsync(batch);
    }

    /// <summary>Like <see cref="Batches.Add"/>, with a span id per sample (0: none).</summary>
    private static void AddWithSpans(ProfileBatch batch, DateTime time, string service, params (string Stack, long Value, ulong SpanId)[] samples)
    {
        var profile = new SeriesProfile(Nanos(time), 10_000_000_000, service, Cpu, LabelSet.Empty);
        foreach (var (stack, value, spanId) in samples)
        {
            var frames = stack.Split(';').Select(name => batch.AddFunction(new FunctionInfo(name, name, name + ".go", 1))).ToArray();
            profile.Samples.Add(new SampleRow(batch.AddStack(frames), value, spanId));
        }
        batch.Profiles.Add(profile);
    }

    public Task DisposeAsync()
    {
        Store.Dispose();
        return Task.CompletedTask;
    }
}
