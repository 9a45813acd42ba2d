using System.Text;
using GrafanaProfiles.Collector.Rules;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Collector.Tests.Rules;

public sealed class RecordedValuesTests
{
    private const string Cpu = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
    private static readonly DateTime T0 = new(2026, 11, 22, 10, 0, 0, DateTimeKind.Utc);
    private static readonly LabelSet PodA = LabelSet.From(new Dictionary<string, string> { ["pod"] = "a" });

    private static RecordedValues Values(string extra = "", DateTime? started = null) => new(RecordingRulesConfigTests.Resolve($$"""
        { "recording_rules": { "step": "00:00:10", "seal_delay": "00:00:05", "max_series": 2 {{extra}},
          "rules": [ { "metric_name": "cpu_ns", "profile_type": "{{Cpu}}", "group_by": [ "pod" ] } ] } }
        """), started ?? T0);

    private static FlushedMetrics Flushed(string tenant, params (LabelSet Labels, int Second, long Value)[] points) =>
        new(tenant, T0, [.. points.Select(p => new MetricPoint("cpu_ns", Cpu, p.Labels, T0.AddSeconds(p.Second), TimeSpan.FromSeconds(10), p.Value, 1))]);

    [Fact]
    public void Seal_AddsUpAStepOverFlushes_AndSealsItOnlyAfterTheDelay()
    {
        var values = Values();
        values.Add([Flushed("default", (PodA, 0, 5))]);
        values.Add([Flushed("default", (PodA, 0, 7), (PodA, 10, 1))]);

        // Step [0, 10) ends at 10 s, sealed from 15 s on; step [10, 20) from 25 s on.
        Assert.Empty(values.Seal(T0.AddSeconds(14.9)));
        var first = Assert.Single(values.Seal(T0.AddSeconds(15)));
        Assert.Equal(new SealedSample("default", "cpu_ns", PodA, T0, 12), first);
        Assert.Empty(values.Seal(T0.AddSeconds(16)));

        // A late point for the sealed step is not exported again; the open step still is.
        values.Add([Flushed("default", (PodA, 0, 100))]);
        Assert.Equal(1, values.LatePoints);
        Assert.Equal([new SealedSample("default", "cpu_ns", PodA, T0.AddSeconds(10), 1)], values.Seal(T0.AddSeconds(30)));
    }

    [Fact]
    public void Add_StepSealableBeforeTheProcessStarted_IsLate_ANewerOneIsExported()
    {
        // Started at T0 + 40 s: steps up to [20, 30) ended 5 s (seal_delay) before, and an earlier
        // process may have sent them; [30, 40) it cannot have sealed yet.
        var values = Values(started: T0.AddSeconds(40));
        values.Add([Flushed("default", (PodA, 20, 1), (PodA, 30, 2))]);

        Assert.Equal(1, values.LatePoints);
        Assert.Equal([new SealedSample("default", "cpu_ns", PodA, T0.AddSeconds(30), 2)], values.Seal(T0.AddMinutes(1)));
    }

    [Fact]
    public void Add_BeyondMaxSeries_CountsThePointsOfTheOthers()
    {
        var values = Values();
        var b = LabelSet.From(new Dictionary<string, string> { ["pod"] = "b" });
        var c = LabelSet.From(new Dictionary<string, string> { ["pod"] = "c" });
        values.Add([Flushed("default", (PodA, 0, 1), (b, 0, 1), (c, 0, 1), (c, 10, 1))]);

        Assert.Equal(2, values.SeriesCount);
        Assert.Equal(2, values.SeriesDropped);
    }

    [Fact]
    public void WritePrometheus_LatestSealedValuePerSeries_WithTheTenantLabel()
    {
        var values = Values();
        values.Add([Flushed("default", (PodA, 0, 5), (PodA, 10, 6), (PodA, 20, 99)), Flushed("team-b", (LabelSet.Empty, 0, 3))]);
        values.Seal(T0.AddSeconds(30));
        var text = new StringBuilder();
        values.WritePrometheus(text);

        Assert.Equal($$"""
            # HELP cpu_ns Total of {{Cpu}} profiles, summed per step by pod.
            # TYPE cpu_ns gauge
            cpu_ns{pod="a",tenant="default"} 6
            cpu_ns{tenant="team-b"} 3

            """.ReplaceLineEndings("\n"), text.ToString());
    }

    [Fact]
    public void WritePrometheus_EmptyTenantLabel_LeavesTheTenantOut()
    {
        var values = Values(""", "tenant_label": "" """);
        values.Add([Flushed("default", (PodA, 0, 5))]);
        values.Seal(T0.AddMinutes(1));
        var text = new StringBuilder();
        values.WritePrometheus(text);

        Assert.Contains("cpu_ns{pod=\"a\"} 5\n", text.ToString(), StringComparison.Ordinal);
    }
}
