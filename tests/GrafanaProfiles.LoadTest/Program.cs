using System.Globalization;
using GrafanaProfiles.LoadTest;

// dotnet run -c Release --project tests/GrafanaProfiles.LoadTest -- [seconds=30] [concurrency=8]
//   Sustained ingest of the demo's small generated profiles from N concurrent senders.
// dotnet run -c Release --project tests/GrafanaProfiles.LoadTest -- sdk [--shape closed|steady|both] [--seconds 20]
//     [--warmup 5] [--clients 8] [--rate 200] [--runs 1] [--pods 400] [--samples N] [--raw] [--profile FILE]
//   The HTTP path SDKs use: collector CPU per accepted upload of a real Go CPU profile against the
//   parse-only baseline measured in the same run (docs/benchmarks.md).
// dotnet run -c Release --project tests/GrafanaProfiles.LoadTest -- overload [--seconds 15] [--factor 4]
//     [--probe-clients 8] [--max-in-flight 2048] [--pods 2000] [--samples 150] [--profile FILE] [--client raw|httpclient]
//   Half the sustainable rate, then several times it, then half again: refusals, accepted latency,
//   peak RSS against the collector's memory limit, recovery without a restart (docs/reliability.md).
// dotnet run -c Release --project tests/GrafanaProfiles.LoadTest -- crash [--kills 24] [--seed N] [--senders 4] [--past-day-hours 2]
//     [--replay-records 400] [--data-dir DIR]
//   Sustained ingest of a real pprof file while the collector is killed with SIGKILL at random
//   moments and inside flushes, compactions, hour and day rollups and the log's replay at start-up,
//   restarted each time; then every acknowledged upload
//   must be stored exactly once and every Parquet file readable (docs/reliability.md, "Crashes").
// All start the real collector executable on loopback with a temporary data directory; GP_*
// variables of this process reach it.
if (args.Length > 0 && args[0] == "sdk")
{
    SdkBenchmarkOptions options;
    try
    {
        options = SdkBenchmarkOptions.Parse(args[1..])!;
    }
    catch (Exception e) when (e is ArgumentException or FormatException)
    {
        Console.Error.WriteLine($"sdk: {e.Message}");
        return 2;
    }
    return await new SdkIngestBenchmark(options).RunAsync();
}
if (args.Length > 0 && args[0] == "overload")
{
    OverloadOptions overload;
    try
    {
        overload = OverloadOptions.Parse(args[1..]);
    }
    catch (Exception e) when (e is ArgumentException or FormatException)
    {
        Console.Error.WriteLine($"overload: {e.Message}");
        return 2;
    }
    return await new OverloadTest(overload).RunAsync();
}
if (args.Length > 0 && args[0] == "crash")
{
    GrafanaProfiles.LoadTest.Crash.CrashOptions crash;
    try
    {
        crash = GrafanaProfiles.LoadTest.Crash.CrashOptions.Parse(args[1..]);
    }
    catch (Exception e) when (e is ArgumentException or FormatException)
    {
        Console.Error.WriteLine($"crash: {e.Message}");
        return 2;
    }
    return await new GrafanaProfiles.LoadTest.Crash.CrashHarness(crash).RunAsync();
}
var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
return await FleetLoadTest.RunAsync(seconds, concurrency);
