using System.Globalization;
using System.Text.Json;

namespace GrafanaProfiles.LoadTest.Crash;

/// <summary>How often, over the whole run, the store's log said it rolled an interrupted operation forward or back.</summary>
internal sealed record RecoveryCounts(int FlushesFinished, int CompactionsFinished, int CompactionsRolledBack, int CompactionTemporariesRemoved)
{
    /// <summary>Day rollups committed over the run (the compactor's log lines).</summary>
    public int DayRollupsWritten { get; init; }

    /// <summary>Kills of a collector that held off flushing, each before a kill at start-up (not counted among the kills).</summary>
    public int SetupKills { get; init; }

    /// <summary>Starts after the final one that the past day's rollup needed before it held.</summary>
    public int SettlingStarts { get; init; }
}

/// <summary>The results of a crash run: the summary table on the console and, for the test, the same as JSON.</summary>
internal sealed record CrashReport(CrashOptions Options, IReadOnlyList<string> Modes, IReadOnlyList<KillRecord> Kills, StartReport First,
    StartReport Final, RecoveryCounts Recovered, StoreCheck Check, TimeSpan Duration)
{
    public void Print(TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine();
        var setup = Recovered.SetupKills > 0
            ? string.Create(c, $", and {Recovered.SetupKills} more of a collector holding off flushing, each before a kill at start-up")
            : "";
        output.WriteLine(string.Create(c, $"Crash run, seed {Options.Seed}: {Kills.Count} SIGKILLs in {Duration.TotalSeconds:0} s{setup}"));
        output.WriteLine();
        output.WriteLine("| mode | moment | kills | landed inside | after it | moment not seen |");
        output.WriteLine("| --- | --- | ---: | ---: | ---: | ---: |");
        foreach (var group in Kills.GroupBy(k => (k.Mode, k.Moment)).OrderBy(g => Modes.ToList().IndexOf(g.Key.Mode)))
        {
            var landed = group.Count(k => k.Landed == true);
            var after = group.Count(k => k.Landed == false && k.Triggered);
            var missed = group.Count(k => k.Landed == false && !k.Triggered);
            var random = group.Key.Mode == KillModes.Random.Name;
            output.WriteLine(string.Create(c, $"| {group.Key.Mode} | {group.Key.Moment} | {group.Count()} | {(random ? "-" : landed)} | {(random ? "-" : after)} | {(random ? "-" : missed)} |"));
        }
        foreach (var mode in Modes.Where(m => m != KillModes.Random.Name))
        {
            var ofMode = Kills.Where(k => k.Mode == mode).ToList();
            output.WriteLine(string.Create(c, $"{mode}: {ofMode.Count(k => k.Landed == true)} of {ofMode.Count} kills landed inside the operation"));
        }
        var atStartUp = Kills.Where(k => k.HeldRecords is not null).ToList();
        if (atStartUp.Count > 0)
        {
            var held = atStartUp.Select(k => (double)k.HeldRecords!.Value).Order().ToList();
            var replayedAfter = atStartUp.Where(k => k.Landed == true).Select(k => (double)k.Restart.ReplayedRecords).Order().ToList();
            var replayRange = replayedAfter.Count == 0 ? "-" : string.Create(c, $"{replayedAfter[0]:0}–{replayedAfter[^1]:0}");
            output.WriteLine(string.Create(c, $"kills at start-up: uploads held in the log before them min {held[0]:0}, median {Median(held):0}, max {held[^1]:0}; " +
                $"the start after one that landed replayed {replayRange} records"));
        }
        output.WriteLine();
        var restarts = Kills.Select(k => k.Restart.ReadyAfter.TotalMilliseconds).Order().ToList();
        var replayed = Kills.Select(k => (double)k.Restart.ReplayedRecords).Order().ToList();
        output.WriteLine(string.Create(c, $"restart after a kill (process start to /ready 200): min {restarts[0]:0} ms, median {Median(restarts):0} ms, max {restarts[^1]:0} ms"));
        output.WriteLine(string.Create(c, $"log records replayed at a restart: min {replayed[0]:0}, median {Median(replayed):0}, max {replayed[^1]:0}"));
        output.WriteLine(string.Create(c, $"first start {First.ReadyAfter.TotalMilliseconds:0} ms; start after the graceful stop {Final.ReadyAfter.TotalMilliseconds:0} ms, replayed {Final.ReplayedRecords} records"));
        output.WriteLine(string.Create(c, $"recovery: {Recovered.FlushesFinished} interrupted flushes finished, {Recovered.CompactionsFinished} interrupted compactions finished, {Recovered.CompactionsRolledBack} rolled back, {Recovered.CompactionTemporariesRemoved} left their temporaries, removed"));
        output.WriteLine(string.Create(c, $"day rollups committed: {Recovered.DayRollupsWritten}; starts after the final one until the past day's rollup held: {Recovered.SettlingStarts}"));
        output.WriteLine();
        var s = Check;
        output.WriteLine(string.Create(c, $"uploads: {s.Acknowledged} acknowledged, {s.Unknown} unknown (in flight at a kill; {s.UnknownStored} of them stored), {s.Refused} refused, {s.NotDelivered} not delivered (collector down)"));
        output.WriteLine(string.Create(c, $"lost (acknowledged, not stored): {s.Lost}"));
        output.WriteLine(string.Create(c, $"doubled (stored twice or more): {s.Doubled}"));
        output.WriteLine(string.Create(c, $"stored though refused or not delivered: {s.StoredThoughRefused}"));
        output.WriteLine(string.Create(c, $"partial (not a whole copy): {s.Partial}; stored but never sent: {s.Unexpected}"));
        output.WriteLine(string.Create(c, $"flame graph, top table ({s.AggregateTypesChecked} profile types, with rollups and raw) and recording rule total over all uploads differing from the stored copies: {s.AggregateMismatches}"));
        if (s.PastDayCopies is { } dayCopies)
        {
            output.WriteLine(string.Create(c, $"past day: {dayCopies} uploads stored; queries over the whole day read its day rollup: {(s.DayRollupUsed ? "yes" : "NO")}; flame graph, top table (with rollups and raw) and one-day series differing from them: {s.PastDayMismatches}"));
        }
        output.WriteLine(string.Create(c, $"unreadable Parquet files: {s.Unreadable} of {s.ParquetFiles} ({s.RollupFiles} of them rollups); Parquet temporaries left by interrupted operations: {s.LeftoverTemporaries} ({s.UnreadableTemporaries} of them unreadable)"));
        foreach (var temporary in s.Temporaries.Take(20))
        {
            output.WriteLine("  left: " + temporary);
        }
        foreach (var problem in s.Problems)
        {
            output.WriteLine("  " + problem);
        }
        output.WriteLine(s.Passed ? "PASSED: nothing acknowledged lost, nothing counted twice, every Parquet file readable, no temporary left." : "FAILED");
    }

    public void WriteJson(string path)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteNumber("seed", Options.Seed);
        json.WriteNumber("duration_seconds", Duration.TotalSeconds);
        json.WriteStartArray("kills");
        foreach (var k in Kills)
        {
            json.WriteStartObject();
            json.WriteString("mode", k.Mode);
            json.WriteString("moment", k.Moment);
            json.WriteBoolean("triggered", k.Triggered);
            if (k.Landed is { } landed)
            {
                json.WriteBoolean("landed", landed);
            }
            json.WriteString("file", k.File);
            json.WriteNumber("restart_ms", k.Restart.ReadyAfter.TotalMilliseconds);
            json.WriteNumber("replayed", k.Restart.ReplayedRecords);
            if (k.HeldRecords is { } heldRecords)
            {
                json.WriteNumber("held_records", heldRecords);
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteNumber("flushes_finished", Recovered.FlushesFinished);
        json.WriteNumber("compactions_finished", Recovered.CompactionsFinished);
        json.WriteNumber("compactions_rolled_back", Recovered.CompactionsRolledBack);
        json.WriteNumber("compaction_temporaries_removed", Recovered.CompactionTemporariesRemoved);
        json.WriteNumber("day_rollups_written", Recovered.DayRollupsWritten);
        json.WriteNumber("setup_kills", Recovered.SetupKills);
        json.WriteNumber("settling_starts", Recovered.SettlingStarts);
        var s = Check;
        json.WriteNumber("acknowledged", s.Acknowledged);
        json.WriteNumber("unknown", s.Unknown);
        json.WriteNumber("unknown_stored", s.UnknownStored);
        json.WriteNumber("refused", s.Refused);
        json.WriteNumber("not_delivered", s.NotDelivered);
        json.WriteNumber("lost", s.Lost);
        json.WriteNumber("doubled", s.Doubled);
        json.WriteNumber("stored_though_refused", s.StoredThoughRefused);
        json.WriteNumber("partial", s.Partial);
        json.WriteNumber("unexpected", s.Unexpected);
        json.WriteNumber("aggregate_types_checked", s.AggregateTypesChecked);
        json.WriteNumber("aggregate_mismatches", s.AggregateMismatches);
        if (s.PastDayCopies is { } pastDayCopies)
        {
            json.WriteNumber("past_day_copies", pastDayCopies);
        }
        json.WriteBoolean("day_rollup_used", s.DayRollupUsed);
        json.WriteNumber("past_day_mismatches", s.PastDayMismatches);
        json.WriteNumber("parquet_files", s.ParquetFiles);
        json.WriteNumber("rollup_files", s.RollupFiles);
        json.WriteNumber("unreadable", s.Unreadable);
        json.WriteNumber("leftover_temporaries", s.LeftoverTemporaries);
        json.WriteStartArray("temporaries");
        foreach (var temporary in s.Temporaries)
        {
            json.WriteStringValue(temporary);
        }
        json.WriteEndArray();
        json.WriteBoolean("passed", s.Passed);
        json.WriteStartArray("problems");
        foreach (var problem in s.Problems)
        {
            json.WriteStringValue(problem);
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static double Median(IReadOnlyList<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}
