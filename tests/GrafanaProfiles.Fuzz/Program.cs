using System.Globalization;
using GrafanaProfiles.Fuzz;
using GrafanaProfiles.Fuzz.Targets;

// dotnet run -c Release --project tests/GrafanaProfiles.Fuzz -- [--target NAME|all] [--inputs 100000]
//   [--seed N] [--timeout-ms 2000] [--memory-mb 1024] [--work-dir DIR] [--no-save] [--save-seeds]
// --save-seeds writes the seeds a target builds (push requests, log segments) into its corpus
// folder, where the parsers' replay tests read them.
// Exit code: 0 when no target found anything, 1 when one did, 2 for a usage error.
string target = "all";
var settings = new FuzzSettings();
var workDirectory = Path.GetTempPath();
var saveSeeds = false;
try
{
    for (var i = 0; i < args.Length; i++)
    {
        string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
        int Number() => int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture);
        switch (args[i])
        {
            case "--target": target = Value(); break;
            case "--inputs": settings = settings with { Inputs = Number() }; break;
            case "--seed": settings = settings with { Seed = Number() }; break;
            case "--timeout-ms": settings = settings with { Timeout = TimeSpan.FromMilliseconds(Number()) }; break;
            case "--memory-mb": settings = settings with { MemoryBoundBytes = Number() * (1L << 20) }; break;
            case "--work-dir": workDirectory = Value(); break;
            case "--no-save": settings = settings with { SaveFindings = false }; break;
            case "--save-seeds": saveSeeds = true; break;
            default: throw new ArgumentException($"Unknown option {args[i]}.");
        }
    }
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("usage: GrafanaProfiles.Fuzz [--target NAME|all] [--inputs 100000] [--seed N] [--timeout-ms 2000] [--memory-mb 1024] [--work-dir DIR] [--no-save] [--save-seeds]");
    return 2;
}

using var wal = new WalReplayTarget(workDirectory);
FuzzTarget[] all = [new PprofTarget(), new FoldedTarget(), new IngestNameTarget(), new SelectorTarget(), new OtlpTarget(), new PushTarget(), new SqlMacrosTarget(), wal];
var chosen = target == "all" ? all : all.Where(t => t.Name == target).ToArray();
if (chosen.Length == 0)
{
    Console.Error.WriteLine($"Unknown target '{target}'. Targets: {string.Join(", ", all.Select(t => t.Name))}, all.");
    return 2;
}

if (saveSeeds)
{
    foreach (var t in chosen.Where(t => t is PushTarget or WalReplayTarget))
    {
        var existing = Repository.CorpusFiles(t.Name).ToList();
        var seeds = t.Seeds().Where(s => !existing.Any(e => e.AsSpan().SequenceEqual(s))).ToList();
        Directory.CreateDirectory(Repository.Corpus(t.Name));
        for (var i = 0; i < seeds.Count; i++)
        {
            File.WriteAllBytes(Path.Combine(Repository.Corpus(t.Name), string.Create(CultureInfo.InvariantCulture, $"seed-{i + 1:D2}.bin")), seeds[i]);
        }
        Console.WriteLine($"{t.Name}: {seeds.Count} seeds written to {Path.GetRelativePath(Repository.Root, Repository.Corpus(t.Name))}");
    }
    return 0;
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Fuzzing {string.Join(", ", chosen.Select(t => t.Name))}: {settings.Inputs} inputs each, seed {settings.Seed}, timeout {settings.Timeout.TotalMilliseconds} ms, memory bound {settings.MemoryBoundBytes >> 20} MiB"));
var runner = new FuzzRunner(settings, Console.Out);
var reports = new List<FuzzReport>();
foreach (var t in chosen)
{
    var report = runner.Run(t);
    reports.Add(report);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{report.Target,-9} {report.Inputs,8} inputs in {report.Elapsed.TotalSeconds,7:F1} s ({report.InputsPerSecond,8:F0}/s): {report.Accepted} accepted, {report.Refused} refused, {report.Findings.Count} findings; peak working set {report.PeakWorkingSet >> 20} MiB"));
}
var findings = reports.Sum(r => r.Findings.Count);
Console.WriteLine(findings == 0 ? "No findings." : $"{findings} findings: inputs saved under tests/testdata/fuzz/<target>/.");
return findings == 0 ? 0 : 1;
