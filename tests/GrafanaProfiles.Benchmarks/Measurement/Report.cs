using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using GrafanaProfiles.Store.DuckDb;

namespace GrafanaProfiles.Benchmarks.Measurement;

/// <summary>One result line: our number, the baseline's, and ours / baseline.</summary>
internal sealed record ResultRow(string Area, string Measure, string Ours, string Baseline, double? Ratio);

/// <summary>A target of the issue and whether this run meets it.</summary>
internal sealed record Verdict(string Target, double Value, double Limit, string Detail)
{
    public bool Met => Value <= Limit;
}

/// <summary>Collects results as the phases run and prints them as one table with the verdicts.</summary>
internal sealed class Report
{
    private readonly List<ResultRow> _rows = [];
    private readonly List<Verdict> _verdicts = [];

    public IReadOnlyList<Verdict> Verdicts => _verdicts;

    public void Add(string area, string measure, string ours, string baseline = "", double? ratio = null)
    {
        var row = new ResultRow(area, measure, ours, baseline, ratio);
        _rows.Add(row);
        Console.WriteLine($"  {measure}: {ours}{(baseline.Length > 0 ? $"  (baseline {baseline})" : "")}{(ratio is { } r ? $"  ratio {r:0.00}x" : "")}");
    }

    public void Verdict(string target, double value, double limit, string detail) => _verdicts.Add(new Verdict(target, value, limit, detail));

    public static void Section(string title)
    {
        Console.WriteLine();
        Console.WriteLine($"== {title}");
    }

    public static string MachineFacts()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown"
            : "unknown";
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return string.Create(CultureInfo.InvariantCulture,
            $"{Environment.ProcessorCount} cores ({cpu}), {memory / (1L << 30)} GiB, {RuntimeInformation.OSDescription}, " +
            $"{RuntimeInformation.FrameworkDescription} ({(GCSettings.IsServerGC ? "server" : "workstation")} GC), DuckDB {DuckDbDatabase.LibraryVersion}");
    }

    /// <summary>The 1, 5 and 15 minute load averages: other work on the machine shows in wall times.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    public void Print()
    {
        Console.WriteLine();
        Console.WriteLine("| Area | Measure | Ours | Baseline | Ours / baseline |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var r in _rows)
        {
            Console.WriteLine($"| {r.Area} | {r.Measure} | {r.Ours} | {r.Baseline} | {(r.Ratio is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "")} |");
        }
        Console.WriteLine();
        foreach (var v in _verdicts)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(v.Met ? "MET    " : "NOT MET")}  {v.Target}: {v.Value:0.00}× (target ≤ {v.Limit:0.##}×) — {v.Detail}"));
        }
    }
}
