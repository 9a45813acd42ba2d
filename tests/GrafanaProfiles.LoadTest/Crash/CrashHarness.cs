using System.Diagnostics;

namespace GrafanaProfiles.LoadTest.Crash;

/// <summary>One SIGKILL: its mode and moment, whether the operation was still unfinished afterwards, and the restart that followed.</summary>
internal sealed record KillRecord(int Number, string Mode, string Moment, bool Triggered, bool? Landed, string? File, TimeSpan AfterReady, StartReport Restart);

/// <summary>
/// The crash run: the real collector under sustained ingest, killed with SIGKILL again and again at
/// chosen moments (a random delay after ready, inside a flush, inside a compaction), restarted each
/// time, then stopped gracefully, started once more and stopped, and the store compared with what
/// the senders were told (see <see cref="CrashVerifier"/>).
/// </summary>
internal sealed class CrashHarness(CrashOptions options)
{
    private static readonly TimeSpan MaintenanceInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Settings that make the collector flush and compact often (names as in collector/Hosting/CollectorSettings.cs).</summary>
    public static IReadOnlyDictionary<string, string> CollectorEnvironment { get; } = new Dictionary<string, string>
    {
        ["GP_WRITER_ID"] = "crash",
        ["GP_FLUSH_INTERVAL"] = "00:00:00.200",
        ["GP_COMPACTION_DELAY"] = "00:00:01",
        ["GP_MAINTENANCE_INTERVAL"] = MaintenanceInterval.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        ["GP_LIMITS__MAX_SERIES_PER_TENANT"] = "10000000",
        ["GP_LIMITS__INGESTION_RATE_BYTES"] = "10000000000",
        ["GP_LIMITS__INGESTION_BURST_BYTES"] = "10000000000",
        // A recording rule over every upload: its points are written by the same flushes.
        ["GP_RECORDING_RULES__RULES__0__METRIC_NAME"] = CrashVerifier.RuleMetric,
        ["GP_RECORDING_RULES__RULES__0__PROFILE_TYPE"] = CrashVerifier.RuleProfileType,
        ["GP_RECORDING_RULES__RULES__0__MATCHERS__0"] = $"{{service_name=\"{CrashIngest.Service}\"}}",
    };

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    public async Task<int> RunAsync()
    {
        var temporary = options.DataDirectory is null;
        var data = Path.GetFullPath(options.DataDirectory ?? Path.Combine(Path.GetTempPath(), "gp-crash-" + Guid.NewGuid().ToString("N")[..8]));
        if (Directory.Exists(data) && Directory.EnumerateFileSystemEntries(data).Any())
        {
            Console.Error.WriteLine($"crash: the data directory {data} is not empty; give an empty or new one.");
            return 2;
        }
        Directory.CreateDirectory(data);
        var profile = File.ReadAllBytes(options.Profile);
        var random = new Random(options.Seed);
        var modes = KillModes.All;
        Console.WriteLine($"crash: seed {options.Seed}, {options.Kills} kills over modes {string.Join(", ", modes.Select(m => m.Name))}, " +
            $"{options.Senders} senders at {(options.Rate > 0 ? options.Rate + " uploads/s" : "full speed")}, {options.ClosedHours} closed hours, data in {data}");

        var started = DateTime.UtcNow;
        var total = Stopwatch.StartNew();
        var kills = new List<KillRecord>();
        StartReport first, final;
        StoreCheck check;
        RecoveryCounts recovered;
        using (var collector = new CrashCollector(data, CollectorEnvironment))
        using (var killSwitch = new KillSwitch(data))
        {
            first = await collector.StartAsync(StartTimeout);
            var ready = Stopwatch.StartNew();
            await using var ingest = new CrashIngest(profile, options, collector.BaseAddress);
            ingest.Start();
            var nextMoment = modes.ToDictionary(m => m.Name, _ => 0, StringComparer.Ordinal);
            for (var k = 0; k < options.Kills; k++)
            {
                var mode = modes[k % modes.Count];
                var kill = await KillOnceAsync(k + 1, mode, mode.IsRandom ? null : mode.Moments[nextMoment[mode.Name]++ % mode.Moments.Count],
                    collector, killSwitch, data, random, ready);
                kills.Add(kill);
                ready.Restart();
                Console.WriteLine($"  kill {kill.Number,2} {kill.Mode,-10} {kill.Moment,-24} " +
                    $"{(kill.Landed is null ? "" : kill.Landed.Value ? "inside" : kill.Triggered ? "after it" : "moment timed out"),-16} " +
                    $"{kill.AfterReady.TotalMilliseconds,7:0} ms after ready; restart {kill.Restart.ReadyAfter.TotalMilliseconds:0} ms, " +
                    $"replayed {kill.Restart.ReplayedRecords} records{Recovery(kill.Restart)}");
            }
            await Task.Delay(options.TailIngest);
            await ingest.StopAsync();
            var stopCode = await collector.StopAsync();
            final = await collector.StartAsync(StartTimeout);
            // A few maintenance rounds, which finish what the kills interrupted in compactions.
            await Task.Delay(MaintenanceInterval * 3);
            var finalCode = await collector.StopAsync();
            if (stopCode != 0 || finalCode != 0)
            {
                Console.Error.WriteLine($"crash: the graceful stops exited with {stopCode} and {finalCode}:\n{string.Join('\n', collector.Output.TakeLast(40))}");
            }
            recovered = new RecoveryCounts(collector.CountLines(CrashCollector.FlushFinishedLine),
                collector.CountLines(CrashCollector.CompactionFinishedLine), collector.CountLines(CrashCollector.CompactionRolledBackLine),
                collector.CountLines(CrashCollector.CompactionTemporariesRemovedLine));
            var hour = new DateTime(started.Year, started.Month, started.Day, started.Hour, 0, 0, DateTimeKind.Utc);
            check = CrashVerifier.Check(data, options.Profile, ingest.Uploads, hour.AddHours(-options.ClosedHours - 1), DateTime.UtcNow.AddHours(2));
            if (!ingest.RefusalStatuses.IsEmpty)
            {
                Console.WriteLine($"  refusals by status: {string.Join(", ", ingest.RefusalStatuses.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}"))}");
            }
        }

        var report = new CrashReport(options, modes.Select(m => m.Name).ToList(), kills, first, final, recovered, check, total.Elapsed);
        report.Print(Console.Out);
        if (options.ReportFile is { } file)
        {
            report.WriteJson(file);
        }
        if (check.Passed && temporary)
        {
            Directory.Delete(data, recursive: true);
        }
        else if (!check.Passed)
        {
            Console.WriteLine($"crash: the data directory is kept for inspection: {data}");
        }
        return check.Passed ? 0 : 1;
    }

    private async Task<KillRecord> KillOnceAsync(int number, KillMode mode, KillMoment? moment, CrashCollector collector, KillSwitch killSwitch,
        string data, Random random, Stopwatch sinceReady)
    {
        string? trigger = null;
        var triggered = false;
        if (moment is null)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(random.NextDouble() * options.RandomDelayMax.TotalMilliseconds));
            await collector.KillAsync();
        }
        else
        {
            var fired = killSwitch.Arm(moment, collector.Pid);
            if (await Task.WhenAny(fired, Task.Delay(options.MomentTimeout)) == fired || !killSwitch.Disarm())
            {
                trigger = await fired;
                triggered = true;
                await collector.WaitForExitAsync();
            }
            else
            {
                await collector.KillAsync();
            }
        }
        var afterReady = sinceReady.Elapsed;
        bool? landed = moment is null ? null : triggered && moment.StillInside(data, trigger!);
        var restart = await collector.StartAsync(StartTimeout);
        return new KillRecord(number, mode.Name, moment?.Name ?? "delay after ready", triggered, landed, trigger, afterReady, restart);
    }

    private static string Recovery(StartReport start) =>
        (start.FlushFinished ? "; finished the interrupted flush" : "") +
        (start.TornRecords > 0 ? $"; dropped {start.TornRecords} torn record(s)" : "");
}
