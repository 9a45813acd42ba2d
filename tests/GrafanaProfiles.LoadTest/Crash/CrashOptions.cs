using System.Globalization;

namespace GrafanaProfiles.LoadTest.Crash;

/// <summary>The settings of the <c>crash</c> command; every one has a command-line option.</summary>
internal sealed record CrashOptions
{
    /// <summary>SIGKILLs in the run, spread over the kill modes in turn.</summary>
    public int Kills { get; init; } = 24;

    /// <summary>Seeds every random choice (hours, delays); printed so that a run can be repeated.</summary>
    public int Seed { get; init; } = Random.Shared.Next(1, 1_000_000);

    /// <summary>Concurrent upload loops.</summary>
    public int Senders { get; init; } = 4;

    /// <summary>Uploads per second over all senders; 0 sends as fast as the collector answers.</summary>
    public int Rate { get; init; } = 150;

    /// <summary>Closed hours before the current one that uploads land in, so compactions run while ingest goes on.</summary>
    public int ClosedHours { get; init; } = 4;

    /// <summary>The data directory (must be empty or absent; kept afterwards); null: a temporary one, removed after a clean run.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Where to write the results as JSON (for the test that runs this command); null: none.</summary>
    public string? ReportFile { get; init; }

    /// <summary>The longest random delay between /ready and the kill in the random mode.</summary>
    public TimeSpan RandomDelayMax { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a kill waits for its moment (a flush, a compaction) before it kills anyway (counted as not landed).</summary>
    public TimeSpan MomentTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Ingest after the last restart and before the graceful stop.</summary>
    public TimeSpan TailIngest { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The real pprof file every upload carries.</summary>
    public string Profile { get; init; } = Path.Combine(AppContext.BaseDirectory, "testdata", "go-cpu.pb.gz");

    public const string Usage =
        "crash [--kills 24] [--seed N] [--senders 4] [--rate 150] [--closed-hours 4] [--data-dir DIR] [--report FILE] [--profile FILE]";

    public static CrashOptions Parse(IReadOnlyList<string> args)
    {
        var options = new CrashOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int(int min)
            {
                var name = args[i];
                var value = int.Parse(Next(), CultureInfo.InvariantCulture);
                return value >= min ? value : throw new ArgumentException($"{name} must be at least {min}, got {value}");
            }
            options = args[i] switch
            {
                "--kills" => options with { Kills = Int(1) },
                "--seed" => options with { Seed = Int(0) },
                "--senders" => options with { Senders = Int(1) },
                "--rate" => options with { Rate = Int(0) },
                "--closed-hours" => options with { ClosedHours = Int(1) },
                "--data-dir" => options with { DataDirectory = Next() },
                "--report" => options with { ReportFile = Next() },
                "--profile" => options with { Profile = Next() },
                var other => throw new ArgumentException($"unknown option '{other}'; usage: {Usage}"),
            };
        }
        return options;
    }
}
