using System.Globalization;
using System.Security.Cryptography;
using GrafanaProfiles.Fuzz;
using GrafanaProfiles.Fuzz.Targets;

// The coverage-guided harness: afl-fuzz starts it (run.sh beside this file) and SharpFuzz's
// fork server runs one target per input in this process (persistent mode).
//   GrafanaProfiles.Fuzz.Afl <target>                 run under afl-fuzz (input on standard input)
//   GrafanaProfiles.Fuzz.Afl <target> --seeds DIR     write the target's real payloads into DIR
//   GrafanaProfiles.Fuzz.Afl <target> --replay FILE.. run files once each and print the outcome
//   GrafanaProfiles.Fuzz.Afl wal --reseal IN OUT      write IN with its log records' checksums made
//                                                     right: the form of a wal finding to commit, so
//                                                     the corpus test's real writer replays what the
//                                                     second pass of the target saw
// The target's Run is the structured fuzzer's: an accepted input or the parser's refusal type
// returns; any other exception escapes and afl-fuzz records a crash.
// Exit code: 0, or 1 when a replayed file is a finding, 2 for a usage error.
const string Usage = "usage: GrafanaProfiles.Fuzz.Afl <target> [--seeds DIR | --replay FILE... | --reseal IN OUT]";

if (args.Length == 0)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

using var wal = new WalReplayTarget(Path.Combine(Path.GetTempPath(), "grafana-profiles-afl-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture)));
// wal replays each input in memory (WalSegmentTarget) from the structured fuzzer's seeds;
// planted is the harness's own check that a crash is reported (selftest.sh).
FuzzTarget[] all = [new PprofTarget(), new FoldedTarget(), new IngestNameTarget(), new SelectorTarget(), new OtlpTarget(), new PushTarget(), new SqlMacrosTarget(), new WalSegmentTarget(wal), new PlantedTarget()];
var target = all.FirstOrDefault(t => t.Name == args[0]);
if (target is null)
{
    Console.Error.WriteLine($"Unknown target '{args[0]}'. Targets: {string.Join(", ", all.Select(t => t.Name))}.");
    return 2;
}

// The rewritten assemblies count branches into afl's shared map, which SharpFuzz attaches only
// inside Fuzzer.Run: runs outside it (the warm-up, --seeds, --replay) count into a map of their own.
AflHarness.AttachPrivateCoverageMap();

if (args.Length == 3 && args[1] == "--seeds")
{
    return AflHarness.WriteSeeds(target, args[2]);
}
if (args.Length == 4 && args[1] == "--reseal" && target is WalSegmentTarget)
{
    File.WriteAllBytes(args[3], WalSegmentTarget.Reseal(File.ReadAllBytes(args[2])));
    return 0;
}
if (args.Length >= 3 && args[1] == "--replay")
{
    return AflHarness.Replay(target, args.Skip(2));
}
if (args.Length != 1)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

// One warm-up run outside the fork server, so that the first input afl-fuzz sends does not pay
// for loading the target's assemblies and native libraries (which afl would count as a hang).
var warmUp = target.Seeds();
target.Run(warmUp.Count > 0 ? warmUp[0] : []);
SharpFuzz.Fuzzer.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    target.Run(buffer.ToArray());
});
return 0;

/// <summary>The parts of the harness that run outside afl-fuzz.</summary>
internal static class AflHarness
{
    /// <summary>The size of afl's coverage map, which the rewritten assemblies index.</summary>
    public const int CoverageMapBytes = 1 << 16;

    /// <summary>
    /// Points SharpFuzz's coverage map at private memory when no afl map is attached, so instrumented
    /// code can run outside the fork server; Fuzzer.Run replaces it with afl's map.
    /// </summary>
    public static unsafe void AttachPrivateCoverageMap()
    {
        if (SharpFuzz.Common.Trace.SharedMem == null)
        {
            SharpFuzz.Common.Trace.SharedMem = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(CoverageMapBytes);
        }
    }

    /// <summary>afl-fuzz refuses seeds over this size (its MAX_FILE).</summary>
    public const int AflMaxSeedBytes = 1 << 20;

    /// <summary>
    /// Writes the target's seeds (the structured fuzzer's real payloads and the corpus), and for
    /// pprof the profiles gzipped as collected too, so both decoder paths start covered. Each file
    /// is named by its hash, so the same payload is written once.
    /// </summary>
    public static int WriteSeeds(FuzzTarget target, string directory)
    {
        Directory.CreateDirectory(directory);
        var seeds = target.Seeds().ToList();
        if (target is PprofTarget)
        {
            seeds.AddRange(PprofTarget.RealProfiles.Select(f => Repository.Read("pprof/" + f)));
        }
        var written = 0;
        var skipped = 0;
        foreach (var seed in seeds)
        {
            if (seed.Length == 0 || seed.Length > AflMaxSeedBytes)
            {
                skipped++;
                continue;
            }
            var name = "seed-" + Convert.ToHexStringLower(SHA256.HashData(seed))[..16];
            File.WriteAllBytes(Path.Combine(directory, name), seed);
            written++;
        }
        Console.WriteLine($"{target.Name}: {written} seeds written, {skipped} skipped (empty or over afl's {AflMaxSeedBytes} bytes)");
        return written == 0 ? 2 : 0;
    }

    /// <summary>Runs each file once, as the corpus tests do, and prints what the target made of it.</summary>
    public static int Replay(FuzzTarget target, IEnumerable<string> files)
    {
        var findings = 0;
        foreach (var file in files)
        {
            try
            {
                Console.WriteLine($"{file}: {target.Run(File.ReadAllBytes(file))}");
            }
#pragma warning disable CA1031 // Every exception that is not the refusal type is the finding to print.
            catch (Exception e)
#pragma warning restore CA1031
            {
                findings++;
                Console.WriteLine($"{file}: finding {e.GetType().FullName}: {e.Message}");
            }
        }
        return findings == 0 ? 0 : 1;
    }
}
