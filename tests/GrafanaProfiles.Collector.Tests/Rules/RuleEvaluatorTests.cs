using GrafanaProfiles.Collector.Rules;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;
using GrafanaProfiles.Store.Write;
using GrafanaProfiles.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrafanaProfiles.Collector.Tests.Rules;

/// <summary>
/// The rules evaluated by the real store's flush over real pprof profiles, read back from the
/// metrics files by the real reader, and compared with what the profile queries (and go tool pprof) say.
/// </summary>
public sealed class RuleEvaluatorTests
{
    private const string Cpu = Batches.Cpu;
    private static readonly DateTime T0 = new(2026, 11, 22, 10, 0, 0, DateTimeKind.Utc);
    private static readonly string GoCpu = PprofTestData.PathOf("pprof/go-cpu.pb.gz");

    private static readonly long GoCpuTotal = TestStore.Pprof(GoCpu, "x", T0).Profiles.Where(p => p.ProfileType == Cpu).Sum(p => p.Total);

    private static ProfileBatch GoCpuAt(DateTime time, string service, params string[] labelPairs) =>
        TestStore.Pprof(GoCpu, service, time, Batches.L(labelPairs));

    private static async Task<(WriterFixture Store, RuleEvaluator Evaluator, RecordedValues Values)> StartAsync(string rulesJson)
    {
        var set = RecordingRulesConfigTests.Resolve(rulesJson);
        var values = new RecordedValues(set, T0);
        var evaluator = new RuleEvaluator(set, values, NullLogger.Instance);
        return (await WriterFixture.StartAsync(o => o with { FlushObserver = evaluator }), evaluator, values);
    }

    private static IReadOnlyList<TimeSeries> Read(WriterFixture store, string metric, string tenant = "default", IReadOnlyList<string>? groupBy = null)
    {
        using var reader = new ProfileReader(store.DataDirectory);
        return reader.RecordedSeries(new RecordedSeriesQuery(tenant, T0.AddHours(-1), T0.AddHours(1), metric) { GroupBy = groupBy ?? [] }, TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task TotalRule_RealProfiles_RecordTheirTotalsPerStepAndGroup()
    {
        var (store, evaluator, values) = await StartAsync($$"""
            { "recording_rules": { "step": "00:00:15", "rules": [ {
                "metric_name": "profiles_recorded_cpu_nanoseconds", "profile_type": "{{Cpu}}",
                "matchers": [ "{service_name=\"api\"}" ], "group_by": [ "pod" ], "external_labels": { "team": "core" } } ] } }
            """);
        await using (store)
        {
            using (evaluator)
            {
                await store.Writer.AppendAsync("default", GoCpuAt(T0, "api", "pod", "a"));
                await store.Writer.AppendAsync("default", GoCpuAt(T0.AddSeconds(5), "api", "pod", "a"));
                await store.Writer.AppendAsync("default", GoCpuAt(T0.AddSeconds(20), "api", "pod", "b"));
                await store.Writer.AppendAsync("default", GoCpuAt(T0, "db", "pod", "a"));
                await store.Writer.FlushAsync();

                var series = Read(store, "profiles_recorded_cpu_nanoseconds");
                Assert.Equal(2, series.Count);
                Assert.Equal(LabelSet.From(Batches.L("pod", "a", "team", "core")), series[0].Labels);
                Assert.Equal([T0], series[0].Times);
                Assert.Equal([2.0 * GoCpuTotal], series[0].Values);
                Assert.Equal(LabelSet.From(Batches.L("pod", "b", "team", "core")), series[1].Labels);
                Assert.Equal([T0.AddSeconds(15)], series[1].Times);
                Assert.Equal([(double)GoCpuTotal], series[1].Values);
                Assert.Equal(2, evaluator.PointsWritten);
                Assert.Equal(0, evaluator.Failures);
                Assert.Equal(2, values.SeriesCount);
            }
        }
    }

    [Fact]
    public async Task FunctionRule_RecursiveFunction_TotalCountsEachStackOnce_SelfIsTheLeaf_AsGoToolPprofSays()
    {
        var top = PprofTestData.ReadTop("go-cpu.cpu.top.tsv")["main.fibonacci"];
        Assert.True(top.Cum > top.Flat, "main.fibonacci recurses in this profile, so its total is more than its self");
        var (store, evaluator, _) = await StartAsync($$"""
            { "recording_rules": { "rules": [
                { "metric_name": "fib_total", "profile_type": "{{Cpu}}", "function_name": "main.fibonacci" },
                { "metric_name": "fib_self", "profile_type": "{{Cpu}}", "function_name": "main.fibonacci", "function_value": "self" },
                { "metric_name": "absent_total", "profile_type": "{{Cpu}}", "function_name": "no.such.function" } ] } }
            """);
        await using (store)
        {
            using (evaluator)
            {
                await store.Writer.AppendAsync("default", GoCpuAt(T0, "api"));
                await store.Writer.AppendAsync("default", GoCpuAt(T0.AddSeconds(30), "api"));
                await store.Writer.FlushAsync();

                Assert.Equal([top.Cum, top.Cum], Assert.Single(Read(store, "fib_total")).Values);
                Assert.Equal([top.Flat, top.Flat], Assert.Single(Read(store, "fib_self")).Values);
                // The profile query's top table agrees.
                using var reader = new ProfileReader(store.DataDirectory);
                var entry = reader.Top(new ProfileSelection("default", T0, T0.AddMinutes(1), Cpu, LabelSelector.Empty)).Entries.Single(e => e.Function == "main.fibonacci");
                Assert.Equal((2 * top.Flat, 2 * top.Cum), (entry.Self, entry.Total));
                // A function that never ran records 0 for each step with profiles, so an alert reads 0, not "no data".
                Assert.Equal([0.0, 0.0], Assert.Single(Read(store, "absent_total")).Values);
            }
        }
    }

    [Fact]
    public async Task Matchers_Regexes_RunAsRe2_LikeTheSameSelectorInAQuery()
    {
        // RE2's \d is ASCII only; .NET's would also take the Arabic-Indic digit three.
        var (store, evaluator, _) = await StartAsync($$"""
            { "recording_rules": { "rules": [ {
                "metric_name": "picked", "profile_type": "{{Cpu}}", "group_by": [ "pod" ],
                "matchers": [ "{pod=~\"p\\\\d\", env!=\"dev\"}", "{service_name!~\"d.*\"}" ] } ] } }
            """);
        await using (store)
        {
            using (evaluator)
            {
                await store.Writer.AppendAsync("default", GoCpuAt(T0, "api", "pod", "p1"));
                await store.Writer.AppendAsync("default", GoCpuAt(T0, "api", "pod", "p\u0663"));
                await store.Writer.AppendAsync("default", GoCpuAt(T0, "api", "pod", "p2", "env", "dev"));
                await store.Writer.AppendAsync("default", GoCpuAt(T0, "db", "pod", "p3"));
                await store.Writer.AppendAsync("default", GoCpuAt(T0, "api", "pod", "p10"));
                await store.Writer.FlushAsync();
                // A second flush judges the same series from memory, with the same outcome.
                await store.Writer.AppendAsync("default", GoCpuAt(T0.AddSeconds(15), "api", "pod", "p1"));
                await store.Writer.AppendAsync("default", GoCpuAt(T0.AddSeconds(15), "api", "pod", "p\u0663"));
                await store.Writer.FlushAsync();

                var series = Assert.Single(Read(store, "picked"));
                Assert.Equal("p1", series.Labels.Get("pod"));
                Assert.Equal([GoCpuTotal, GoCpuTotal], series.Values);
                using var reader = new ProfileReader(store.DataDirectory);
                var selector = LabelSelector.Parse("{pod=~\"p\\\\d\", env!=\"dev\", service_name!~\"d.*\"}");
                Assert.Equal(2 * GoCpuTotal, reader.Top(new ProfileSelection("default", T0, T0.AddMinutes(1), Cpu, selector)).Total);
            }
        }
    }

    [Fact]
    public async Task Resume_AfterARestart_TakesUpTheOpenStepsFromTheMetricsFiles_NotTheSealedOnes()
    {
        var set = RecordingRulesConfigTests.Resolve($$"""
            { "recording_rules": { "step": "00:00:10", "seal_delay": "00:00:20", "rules": [
                { "metric_name": "cpu_ns", "profile_type": "{{Cpu}}", "group_by": [ "pod" ] } ] } }
            """);
        using var dir = new TempDirectory();
        var options = new StoreOptions { DataDirectory = dir.Path, WriterId = "test", FlushInterval = TimeSpan.FromHours(1) };
        // The process that stops flushed a step it may have sealed (T0) and an open one (T0 + 30 s).
        using (var first = new RuleEvaluator(set, new RecordedValues(set, T0), NullLogger.Instance))
        {
            await using var writer = await ProfileWriter.OpenAsync(options with { FlushObserver = first });
            await writer.AppendAsync("default", GoCpuAt(T0, "api", "pod", "a"));
            await writer.AppendAsync("default", GoCpuAt(T0.AddSeconds(30), "api", "pod", "a"));
        }
        // The next one starts at T0 + 55 s: [T0, T0 + 10) ended 45 s before, [T0 + 30, T0 + 40) 15 s before.
        var started = T0.AddSeconds(55);
        var values = new RecordedValues(set, started);
        using (var reader = new ProfileReader(dir.Path))
        {
            Assert.Equal(1, values.Resume(reader, started));
        }
        using (var next = new RuleEvaluator(set, values, NullLogger.Instance))
        {
            await using var writer = await ProfileWriter.OpenAsync(options with { FlushObserver = next });
            await writer.AppendAsync("default", GoCpuAt(T0.AddSeconds(31), "api", "pod", "a"));
            await writer.AppendAsync("default", GoCpuAt(T0.AddSeconds(1), "api", "pod", "a"));
            await writer.FlushAsync();
        }

        var pod = LabelSet.From(Batches.L("pod", "a"));
        Assert.Equal([new SealedSample("default", "cpu_ns", pod, T0.AddSeconds(30), 2.0 * GoCpuTotal)], values.Seal(T0.AddMinutes(2)));
        Assert.Equal(1, values.LatePoints);
    }

    [Fact]
    public async Task TenantRule_RecordsOnlyItsTenant_AndAnAbsentGroupLabelIsNoLabel()
    {
        var (store, evaluator, _) = await StartAsync($$"""
            { "recording_rules": { "rules": [
                { "metric_name": "team_a_cpu", "profile_type": "{{Cpu}}", "tenant": "team-a", "group_by": [ "region" ] } ] } }
            """);
        await using (store)
        {
            using (evaluator)
            {
                await store.Writer.AppendAsync("team-a", GoCpuAt(T0, "api"));
                await store.Writer.AppendAsync("team-b", GoCpuAt(T0, "api"));
                await store.Writer.FlushAsync();

                var series = Assert.Single(Read(store, "team_a_cpu", "team-a"));
                Assert.Equal(LabelSet.Empty, series.Labels);
                Assert.Empty(Read(store, "team_a_cpu", "team-b"));
            }
        }
    }
}
