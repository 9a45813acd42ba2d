using System.Globalization;

namespace GrafanaProfiles.LoadTest.Crash;

/// <summary>The settings of the <c>crash</c> command; every one has a command-line option.</summary>
internal sealed record CrashOptions
{
    /// <summary>SIGKILLs in the run, spread over the kill modes in turn.</summary>
    public int Kills { get; init; } = 24;

    /// <summary>The kill modes, taken in turn (names of <see cref="KillModes.All"/>); every one by default.</summary>
    public IReadOnlyList<KillMode> Modes { get; init; } = KillModes.All;

    /// <summary>Seeds every random choice (hours, delays); printed so that a run can be repeated.</summary>
    public int Seed { get; init; } = Random.Shared.Next(1, 1_000_000);

    /// <summary>Concurrent upload loops.</summary>
    public int Senders { get; init; } = 4;

    /// <summary>Uploads per second over all senders; 0 sends as fast as the collector answers.</summary>
    public int Rate { get; init; } = 150;

    /// <summary>Closed hours before the current one that uploads land in, so compactions run while ingest goes on.</summary>
    public int ClosedHours { get; init; } = 4;

    /// <summary>
    /// Hours of a past day (<see cref="PastDayAge"/> days ago) that uploads also land in, so that
    /// the compactor writes that day's rollup (again whenever one of its hours changes) while
    /// ingest goes on; 0: none, and no day rollup is written.
    /// </summary>
    public int PastDayHours { get; init; } = 2;

    /// <summary>Uploads go to the past day in bursts: during the first <see cref="PastDayBurst"/> of every period of this length (see <see cref="CrashIngest"/>).</summary>
    public static readonly TimeSpan PastDayPeriod = TimeSpan.FromSeconds(5);

    /// <summary>The part of each <see cref="PastDayPeriod"/> in which half the uploads go to the past day.</summary>
    public static readonly TimeSpan PastDayBurst = TimeSpan.FromSeconds(1);

    /// <summary>How many days before today the past day of <see cref="PastDayHours"/> is: closed, and well inside the default 30-day retention.</summary>
    public const int PastDayAge = 2;

    /// <summary>
    /// Before a kill during log replay the collector runs with flushing held off until this many
    /// uploads were acknowledged since it became ready, then is killed: the start that is killed
    /// replays at least these records.
    /// </summary>
    public int ReplayRecords { get; init; } = 400;

    /// <summary>The data directory (must be empty or absent; kept afterwards); null: a temporary one, removed after a clean run.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Where to write the results as JSON (for the test that runs this command); null: none.</summary>
    public string? ReportFile { get; init; }

    /// <summary>Where to write every line the collector printed over all its starts; null: none.</summary>
    public string? CollectorLog { get; init; }

    /// <summary>The longest random delay between /ready and the kill in the random mode.</summary>
    public TimeSpan RandomDelayMax { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a kill waits for its moment (a flush, a compaction) before it kills anyway (counted as not landed).</summary>
    public TimeSpan MomentTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Ingest after the last restart and before the graceful stop.</summary>
    public TimeSpan TailIngest { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The real pprof file every upload carries.</summary>
    public string Profile { get; init; } = Path.Combine(AppContext.BaseDirectory, "testdata", "go-cpu.pb.gz");

    public const string Usage =
        "crash [--kills 24] [--modes compaction,flush,rollup,day-rollup,replay,random] [--seed N] [--senders 4] [--rate 150] [--closed-hours 4] [--past-day-hours 2] [--replay-records 400] [--data-dir DIR] [--report FILE] [--collector-log FILE] [--profile FILE]";

    public static CrashOptions Parse(IReadOnlyList<string> args)
    {
        var options = new CrashOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int(int min, int max = int.MaxValue)
            {
                var name = args[i];
                var value = int.Parse(Next(), CultureInfo.InvariantCulture);
                return value < min ? throw new ArgumentException($"{name} must be at least {min}, got {value}")
                    : value > max ? throw new ArgumentException($"{name} must be at most {max}, got {value}")
                    : value;
            }
            options = args[i] switch
            {
                "--kills" => options with { Kills = Int(1) },
                "--modes" => options with { Modes = ParseModes(Next()) },
                "--seed" => options with { Seed = Int(0) },
                "--senders" => options with { Senders = Int(1) },
                "--rate" => options with { Rate = Int(0) },
                "--closed-hours" => options with { ClosedHours = Int(1) },
                "--past-day-hours" => options with { PastDayHours = Int(0, 24) },
                "--replay-records" => options with { ReplayRecords = Int(1) },
                "--data-dir" => options with { DataDirectory = Next() },
                "--report" => options with { ReportFile = Next() },
                "--collector-log" => options with { CollectorLog = Next() },
                "--profile" => options with { Profile = Next() },
                var other => throw new ArgumentException($"unknown option '{other}'; usage: {Usage}"),
            };
        }
        return options;
    }

    private static List<KillMode> ParseModes(string names) =>
    [
        .. names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(name =>
            KillModes.All.FirstOrDefault(m => m.Name == name)
            ?? throw new ArgumentException($"--modes: unknown kill mode '{name}'; the modes are {string.Join(", ", KillModes.All.Select(m => m.Name))}")),
    ];
}
