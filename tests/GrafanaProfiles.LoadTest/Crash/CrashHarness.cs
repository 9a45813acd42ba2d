using System.Diagnostics;

namespace GrafanaProfiles.LoadTest.Crash;

/// <summary>
/// One SIGKILL: its mode and moment, whether the operation was still unfinished afterwards, and the
/// restart that followed. A kill at start-up has <see cref="HeldRecords"/>: the uploads acknowledged
/// while the collector before it held off flushing (killed too, to leave them in the log), and
/// <see cref="AfterReady"/> is then the time from the killed start's launch.
/// </summary>
internal sealed record KillRecord(int Number, string Mode, string Moment, bool Triggered, bool? Landed, string? File, TimeSpan AfterReady, StartReport Restart,
    long? HeldRecords = null);

/// <summary>
/// The crash run: the real collector under sustained ingest, killed with SIGKILL again and again at
/// chosen moments (a random delay after ready, inside a flush, a compaction, an hour or day rollup,
/// or the log's replay at start-up), restarted each time, then stopped gracefully, started once
/// more and stopped, and the store compared with what the senders were told (see <see cref="CrashVerifier"/>).
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

    /// <summary>
    /// For the run before a kill at start-up: flushing held off (an hour's interval; the sample
    /// threshold is far above what the run sends in that time), so that the log holds every upload
    /// acknowledged since that start.
    /// </summary>
    public static IReadOnlyDictionary<string, string> HoldFlushing { get; } = new Dictionary<string, string>
    {
        ["GP_FLUSH_INTERVAL"] = "01:00:00",
    };

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Starts after the final one, each until the past day's rollup holds or the moment timeout, while it does not hold after the stop (see <see cref="CrashVerifier.DayRollupUsed"/>).</summary>
    private const int MaxSettlingStarts = 3;

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
        var modes = options.Modes;
        if (modes.Count == 0)
        {
            Console.Error.WriteLine("crash: --modes names no kill mode.");
            return 2;
        }
        Console.WriteLine($"crash: seed {options.Seed}, {options.Kills} kills over modes {string.Join(", ", modes.Select(m => m.Name))}, " +
            $"{options.Senders} senders at {(options.Rate > 0 ? options.Rate + " uploads/s" : "full speed")}, {options.ClosedHours} closed hours, data in {data}");

        var started = DateTime.UtcNow;
        var total = Stopwatch.StartNew();
        var kills = new List<KillRecord>();
        var setupKills = 0;
        var settlingStarts = 0;
        DateTime? pastDay = null;
        StartReport first, final;
        StoreCheck check;
        RecoveryCounts recovered;
        using (var collector = new CrashCollector(data, CollectorEnvironment))
        using (var killSwitch = new KillSwitch(data))
        {
            // The run before a kill at start-up holds off flushing, so that the start it leads to has a long log to replay.
            IReadOnlyDictionary<string, string>? RestartSettings(int kill) =>
                kill < options.Kills && modes[kill % modes.Count].AtStartUp ? HoldFlushing : null;
            first = await collector.StartAsync(StartTimeout, RestartSettings(0));
            var ready = Stopwatch.StartNew();
            await using var ingest = new CrashIngest(profile, options, collector.BaseAddress);
            pastDay = ingest.PastDayHours.Count > 0 ? ingest.PastDay : null;
            var acknowledgedAtReady = ingest.AcknowledgedCount;
            ingest.Start();
            var nextMoment = modes.ToDictionary(m => m.Name, _ => 0, StringComparer.Ordinal);
            for (var k = 0; k < options.Kills; k++)
            {
                var mode = modes[k % modes.Count];
                var moment = mode.IsRandom ? null : mode.Moments[nextMoment[mode.Name]++ % mode.Moments.Count];
                KillRecord kill;
                if (mode.AtStartUp)
                {
                    kill = await KillAtStartUpAsync(k + 1, mode, moment!, collector, killSwitch, ingest, acknowledgedAtReady, RestartSettings(k + 1));
                    setupKills++;
                }
                else
                {
                    kill = await KillOnceAsync(k + 1, mode, moment, collector, killSwitch, data, random, ready, RestartSettings(k + 1));
                }
                kills.Add(kill);
                ready.Restart();
                acknowledgedAtReady = ingest.AcknowledgedCount;
                Console.WriteLine($"  kill {kill.Number,2} {kill.Mode,-10} {kill.Moment,-26} " +
                    $"{(kill.Landed is null ? "" : kill.Landed.Value ? "inside" : kill.Triggered ? "after it" : "moment timed out"),-16} " +
                    $"{kill.AfterReady.TotalMilliseconds,7:0} ms after {(mode.AtStartUp ? "launch" : "ready")}; " +
                    (kill.HeldRecords is { } held ? $"{held} uploads held in the log; " : "") +
                    $"restart {kill.Restart.ReadyAfter.TotalMilliseconds:0} ms, replayed {kill.Restart.ReplayedRecords} records{Recovery(kill.Restart)}");
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
            // The check must read the past day's rollup, which the last rounds may have left stale
            // (an hour of the day compacted once its grace period ended, and the stop came before
            // the hour and the day were rolled up again): start again, let the compactor run until
            // the reader's plan for the day names the day's rollup, stop, and look again.
            while (pastDay is { } day && !CrashVerifier.DayRollupUsed(data, day) && settlingStarts < MaxSettlingStarts)
            {
                settlingStarts++;
                await collector.StartAsync(StartTimeout);
                var settling = Stopwatch.StartNew();
                while (!CrashVerifier.DayRollupUsed(data, day) && settling.Elapsed < options.MomentTimeout)
                {
                    await Task.Delay(MaintenanceInterval);
                }
                var code = await collector.StopAsync();
                if (code != 0)
                {
                    Console.Error.WriteLine($"crash: a graceful stop exited with {code}:\n{string.Join('\n', collector.Output.TakeLast(40))}");
                }
            }
            recovered = new RecoveryCounts(collector.CountLines(CrashCollector.FlushFinishedLine),
                collector.CountLines(CrashCollector.CompactionFinishedLine), collector.CountLines(CrashCollector.CompactionRolledBackLine),
                collector.CountLines(CrashCollector.CompactionTemporariesRemovedLine))
            {
                DayRollupsWritten = collector.Output.Count(l => l.Contains(CrashCollector.DayRollupWrittenLine, StringComparison.Ordinal) && l.Contains("day=", StringComparison.Ordinal)),
                SetupKills = setupKills,
                SettlingStarts = settlingStarts,
            };
            if (options.CollectorLog is { } log)
            {
                File.WriteAllLines(log, collector.Output);
            }
            var hour = new DateTime(started.Year, started.Month, started.Day, started.Hour, 0, 0, DateTimeKind.Utc);
            var from = hour.AddHours(-options.ClosedHours - 1);
            check = CrashVerifier.Check(data, options.Profile, ingest.Uploads, pastDay is { } d && d < from ? d : from, DateTime.UtcNow.AddHours(2), pastDay);
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
        string data, Random random, Stopwatch sinceReady, IReadOnlyDictionary<string, string>? restartSettings)
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
        var restart = await collector.StartAsync(StartTimeout, restartSettings);
        return new KillRecord(number, mode.Name, moment?.Name ?? "delay after ready", triggered, landed, trigger, afterReady, restart);
    }

    /// <summary>
    /// A kill while the collector opens its store: the running collector (started with flushing
    /// held off) is killed once <see cref="CrashOptions.ReplayRecords"/> uploads were acknowledged
    /// since it became ready, which leaves them in the log; the next start is armed at
    /// <paramref name="moment"/> from its launch on and killed there, before /ready; the start
    /// after that must replay or finish what the killed one was doing. The kill landed inside the
    /// replay if the collector was not ready yet and that start still found work left of it: records
    /// to replay (the killed start had not committed its flush) or a committed flush to finish. A
    /// moment that did not come before /ready (the replay was done first) is a kill after ready,
    /// counted as not landed.
    /// </summary>
    private async Task<KillRecord> KillAtStartUpAsync(int number, KillMode mode, KillMoment moment, CrashCollector collector, KillSwitch killSwitch,
        CrashIngest ingest, long acknowledgedAtReady, IReadOnlyDictionary<string, string>? restartSettings)
    {
        var filling = Stopwatch.StartNew();
        while (ingest.AcknowledgedCount - acknowledgedAtReady < options.ReplayRecords && filling.Elapsed < options.MomentTimeout)
        {
            await Task.Delay(10);
        }
        var held = ingest.AcknowledgedCount - acknowledgedAtReady;
        await collector.KillAsync();

        Task<string>? fired = null;
        var start = await collector.StartAsync(StartTimeout, launched: pid => fired = killSwitch.Arm(moment, pid), mayBeKilled: true);
        string? trigger = null;
        var triggered = false;
        var beforeReady = start.KilledBeforeReady;
        if (start.KilledBeforeReady)
        {
            // The switch kills before it completes its task: give the watcher's thread a moment to complete it.
            if (await Task.WhenAny(fired!, Task.Delay(TimeSpan.FromSeconds(5))) == fired)
            {
                trigger = await fired!;
                triggered = true;
            }
            else
            {
                killSwitch.Disarm();
                Console.Error.WriteLine($"crash: the collector died while opening its store, not killed:\n{string.Join('\n', collector.Output.TakeLast(40))}");
            }
        }
        else if (!killSwitch.Disarm())
        {
            trigger = await fired!;
            triggered = true;
            await collector.WaitForExitAsync();
        }
        else
        {
            await collector.KillAsync();
        }
        var restart = await collector.StartAsync(StartTimeout, restartSettings);
        var landed = triggered && beforeReady && (restart.FlushFinished || restart.ReplayedRecords > 0);
        return new KillRecord(number, mode.Name, moment.Name, triggered, landed, trigger, start.ReadyAfter, restart, held);
    }

    private static string Recovery(StartReport start) =>
        (start.FlushFinished ? "; finished the interrupted flush" : "") +
        (start.TornRecords > 0 ? $"; dropped {start.TornRecords} torn record(s)" : "");
}
