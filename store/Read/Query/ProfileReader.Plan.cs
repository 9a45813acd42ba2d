using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.Partitions;

namespace GrafanaProfiles.Store.Query;

/// <summary>Which rollup table a query can merge exactly for the whole hours and days of its range.</summary>
internal enum RollupUse
{
    /// <summary>Raw samples only (span filters, steps the rollups do not divide, <see cref="ReaderOptions.UseRollups"/> off).</summary>
    None,
    /// <summary>Per-stack totals: flame graphs, top tables, diffs, aggregates.</summary>
    StackTotals,
    /// <summary>Per-step totals: series whose step is a multiple of the rollup step.</summary>
    StepTotals,
}

public sealed partial class ProfileReader
{
    /// <summary>
    /// The files a query over [from, to) reads, split into the coarsest aligned pieces: each whole
    /// UTC day inside the range whose day rollup still holds (<see cref="HourListing.DayRollupHolds"/>)
    /// from that rollup (and the day's stacks, functions and series files); each other whole hour
    /// inside the range whose rollup covers exactly its samples files from that rollup; the rest —
    /// the hours at the range's edges, open hours, hours with late files not yet rolled up again —
    /// from their raw samples files. Every piece is a disjoint set of samples rows, so summing the
    /// pieces' partial aggregates gives exactly the raw answer.
    /// </summary>
    internal QueryFiles Plan(string tenant, DateTime fromUtc, DateTime toUtc, RollupUse use)
    {
        if (use == RollupUse.None || !Options.UseRollups)
        {
            return FilesFor(tenant, fromUtc, toUtc);
        }
        var table = use == RollupUse.StackTotals ? RollupTables.StackTotals : RollupTables.StepTotals;
        var samples = new List<string>();
        var series = new List<string>();
        var stacks = new List<string>();
        var functions = new List<string>();
        var rollups = new List<string>();
        var listings = Layout.HoursInRange(tenant, fromUtc, toUtc).Select(h => Layout.ListHour(tenant, h)).ToList();
        var byDay = new HashSet<DateTime>();
        foreach (var day in listings.GroupBy(l => PartitionLayout.DayOf(l.Hour)))
        {
            if (day.Key < fromUtc || day.Key.AddDays(1) > toUtc
                || Layout.DayRollup(tenant, day.Key) is not { } rollup
                || !HourListing.DayRollupHolds(rollup.Manifest, day))
            {
                continue;
            }
            rollups.Add(rollup.Output(table));
            AddIf(series, rollup, SeriesTable.Name);
            AddIf(stacks, rollup, StacksTable.Name);
            AddIf(functions, rollup, FunctionsTable.Name);
            byDay.Add(day.Key);
        }
        foreach (var hour in listings)
        {
            if (!hour.HasSamples || byDay.Contains(PartitionLayout.DayOf(hour.Hour)))
            {
                continue;
            }
            if (hour.Rollup is { } rollup && hour.Hour >= fromUtc && hour.Hour.AddHours(1) <= toUtc)
            {
                rollups.Add(rollup.Output(table));
            }
            else
            {
                samples.AddRange(hour.Table(SamplesTable.Name));
            }
            series.AddRange(hour.Table(SeriesTable.Name));
            stacks.AddRange(hour.Table(StacksTable.Name));
            functions.AddRange(hour.Table(FunctionsTable.Name));
        }
        return new QueryFiles(samples, series, stacks, functions) { Rollups = rollups };

        static void AddIf(List<string> list, RollupListing rollup, string name)
        {
            if (rollup.Has(name))
            {
                list.Add(rollup.Output(name));
            }
        }
    }

    /// <summary>How a stack aggregate of <paramref name="selection"/> may use rollups: not when it filters by span (rollups keep no span ids).</summary>
    private static RollupUse StackUse(ProfileSelection selection) =>
        selection.SpanIds.Count > 0 ? RollupUse.None : RollupUse.StackTotals;

    /// <summary>How a series of <paramref name="selection"/> at <paramref name="step"/> may use rollups: when the step is a whole number of rollup steps.</summary>
    private static RollupUse StepUse(ProfileSelection selection, TimeSpan step) =>
        selection.SpanIds.Count == 0 && step.Ticks % TimeSpan.FromSeconds(RollupTables.StepSeconds).Ticks == 0
            ? RollupUse.StepTotals
            : RollupUse.None;
}
