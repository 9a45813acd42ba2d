using System.Text.Json;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Collector.Tests;

/// <summary>
/// The crash command (tests/GrafanaProfiles.LoadTest, <c>crash</c>) run short: the real collector
/// under sustained ingest of a real pprof file is killed with SIGKILL eight times — twice each
/// inside a compaction, inside a flush, inside a rollup's writing and after a random delay — and
/// restarted; then every acknowledged upload must be stored exactly once and every Parquet file
/// readable.
/// </summary>
public sealed class CrashTests
{
    [Fact]
    public async Task Collector_KilledInFlushesCompactionsAndRollups_LosesNothingAcknowledged_CountsNothingTwice_LeavesEveryFileReadable()
    {
        using var dir = new TempDirectory();
        var report = Path.Combine(dir.Path, "report.json");
        var command = RepoPaths.ProjectOutput("tests/GrafanaProfiles.LoadTest", "GrafanaProfiles.LoadTest");
        var (exitCode, stdout, stderr) = await CollectorProcess.RunProgramAsync("dotnet", null, null,
            command, "crash", "--kills", "8", "--seed", "14", "--data-dir", Path.Combine(dir.Path, "data"), "--report", report);
        var output = stdout + stderr;
        Assert.True(File.Exists(report), output);
        using var json = JsonDocument.Parse(File.ReadAllBytes(report));
        var root = json.RootElement;
        int Count(string name) => root.GetProperty(name).GetInt32();

        Assert.Equal(0, Count("lost"));
        Assert.Equal(0, Count("doubled"));
        Assert.Equal(0, Count("stored_though_refused"));
        Assert.Equal(0, Count("partial"));
        Assert.Equal(0, Count("unexpected"));
        Assert.Equal(0, Count("aggregate_mismatches"));
        Assert.Equal(2, Count("aggregate_types_checked"));
        Assert.Equal(0, Count("unreadable"));
        Assert.Equal(0, Count("leftover_temporaries"));
        Assert.True(Count("parquet_files") > 0, output);
        Assert.True(Count("rollup_files") > 0, output);
        Assert.True(Count("acknowledged") > 100, output);
        Assert.Equal(0, exitCode);

        var kills = root.GetProperty("kills").EnumerateArray().ToList();
        Assert.Equal(["compaction", "compaction", "flush", "flush", "random", "random", "rollup", "rollup"],
            kills.Select(k => k.GetProperty("mode").GetString()).Order(StringComparer.Ordinal));
        // The kills that waited for a flush or a compaction did cut one short: the test exercises
        // the roll-forward and roll-back paths, not only kills between operations.
        foreach (var mode in new[] { "flush", "compaction", "rollup" })
        {
            Assert.Contains(kills, k => k.GetProperty("mode").GetString() == mode && k.TryGetProperty("landed", out var landed) && landed.GetBoolean());
        }
        Assert.All(kills, k => Assert.True(k.GetProperty("restart_ms").GetDouble() > 0));
    }
}
