using System.Text.Json;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Collector.Tests;

/// <summary>
/// The crash command (tests/GrafanaProfiles.LoadTest, <c>crash</c>) run short: the real collector
/// under sustained ingest of a real pprof file (some of it dated on a past day, which the compactor
/// rolls up) is killed with SIGKILL — eight times, twice each inside a compaction, inside a flush,
/// inside an hour rollup's writing and after a random delay; and in a second run once inside a day
/// rollup's writing and once while it replays a long log at start-up — and restarted; then every
/// acknowledged upload must be stored exactly once, the flame graph over the past day (read from its
/// day rollup) equal the raw one, and every Parquet file readable.
/// </summary>
public sealed class CrashTests
{
    [Fact]
    public async Task Collector_KilledInFlushesCompactionsAndRollups_LosesNothingAcknowledged_CountsNothingTwice_LeavesEveryFileReadable()
    {
        using var dir = new TempDirectory();
        var (exitCode, output, root) = await RunAsync(dir, "--kills", "8", "--modes", "compaction,flush,rollup,random", "--seed", "14");
        int Count(string name) => root.GetProperty(name).GetInt32();

        AssertNothingLostOrDoubled(exitCode, output, root);
        Assert.Equal(2, Count("aggregate_types_checked"));
        Assert.True(Count("parquet_files") > 0, output);
        Assert.True(Count("rollup_files") > 0, output);

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
        AssertPastDayReadFromItsRollup(root, output);
    }

    /// <summary>The verdict every crash run must reach: nothing acknowledged lost or doubled, nothing refused stored, every file readable, no temporaries left.</summary>
    private static void AssertNothingLostOrDoubled(int exitCode, string output, JsonElement root)
    {
        int Count(string name) => root.GetProperty(name).GetInt32();
        foreach (var name in new[] { "lost", "doubled", "stored_though_refused", "partial", "unexpected", "aggregate_mismatches", "unreadable", "leftover_temporaries" })
        {
            Assert.True(Count(name) == 0, $"{name}: {Count(name)}\n{output}");
        }
        Assert.True(Count("acknowledged") > 100, output);
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task Collector_KilledInADayRollupAndInLogReplay_LosesNothingAcknowledged_CountsNothingTwice_LeavesEveryFileReadable()
    {
        using var dir = new TempDirectory();
        var (exitCode, output, root) = await RunAsync(dir, "--kills", "2", "--modes", "day-rollup,replay", "--seed", "15");
        int Count(string name) => root.GetProperty(name).GetInt32();

        AssertNothingLostOrDoubled(exitCode, output, root);

        var kills = root.GetProperty("kills").EnumerateArray().ToList();
        Assert.Equal(["day-rollup", "replay"], kills.Select(k => k.GetProperty("mode").GetString()).Order(StringComparer.Ordinal));
        // Both kills cut their operation short: a day rollup before its manifest, a start-up while
        // it replayed (the start after it found the same records still to replay, or a flush to finish).
        Assert.All(kills, k => Assert.True(k.GetProperty("landed").GetBoolean(), output));
        var replay = kills.Single(k => k.GetProperty("mode").GetString() == "replay");
        Assert.True(replay.GetProperty("held_records").GetInt64() >= 400, output);
        Assert.True(replay.GetProperty("replayed").GetInt64() >= 400 || replay.GetProperty("file").GetString()!.Contains("flush-manifest", StringComparison.Ordinal), output);
        Assert.Equal(1, Count("setup_kills"));
        AssertPastDayReadFromItsRollup(root, output);
    }

    private static async Task<(int ExitCode, string Output, JsonElement Report)> RunAsync(TempDirectory dir, params string[] arguments)
    {
        var report = Path.Combine(dir.Path, "report.json");
        var command = RepoPaths.ProjectOutput("tests/GrafanaProfiles.LoadTest", "GrafanaProfiles.LoadTest");
        var (exitCode, stdout, stderr) = await CollectorProcess.RunProgramAsync("dotnet", null, null,
            [command, "crash", .. arguments, "--data-dir", Path.Combine(dir.Path, "data"), "--report", report]);
        var output = stdout + stderr;
        Assert.True(File.Exists(report), output);
        using var json = JsonDocument.Parse(File.ReadAllBytes(report));
        return (exitCode, output, json.RootElement.Clone());
    }

    /// <summary>The past day's uploads are stored, a query over the whole day reads its day rollup, and gives what the raw samples give.</summary>
    private static void AssertPastDayReadFromItsRollup(JsonElement root, string output)
    {
        Assert.True(root.GetProperty("day_rollups_written").GetInt32() > 0, output);
        Assert.True(root.GetProperty("day_rollup_used").GetBoolean(), output);
        Assert.True(root.GetProperty("past_day_copies").GetDouble() > 0, output);
        Assert.Equal(0, root.GetProperty("past_day_mismatches").GetInt32());
    }
}
