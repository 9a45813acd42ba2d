using System.Globalization;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;

namespace GrafanaProfiles.LoadTest.Crash;

/// <summary>What the store holds compared with what the senders were told.</summary>
internal sealed record StoreCheck
{
    public int Acknowledged { get; init; }
    public int Refused { get; init; }
    public int NotDelivered { get; init; }
    public int Unknown { get; init; }
    /// <summary>Unknown uploads found stored (once).</summary>
    public int UnknownStored { get; init; }
    /// <summary>Acknowledged uploads not found: must be 0.</summary>
    public int Lost { get; init; }
    /// <summary>Uploads (of any outcome) found more than once: must be 0.</summary>
    public int Doubled { get; init; }
    /// <summary>Refused or never delivered uploads found stored: must be 0 (a client's retry would count them twice).</summary>
    public int StoredThoughRefused { get; init; }
    /// <summary>Uploads whose stored total is not a whole number of copies, or differs between profile types: must be 0.</summary>
    public int Partial { get; init; }
    /// <summary>Stored uploads no sender sent: must be 0.</summary>
    public int Unexpected { get; init; }
    /// <summary>Profile types whose flame graph total and top table over everything were compared with the pprof's own (<c>go tool pprof -top</c>) times the copies stored.</summary>
    public int AggregateTypesChecked { get; init; }
    /// <summary>
    /// Functions, flame graph totals or the recording rule's total that differ there: must be 0 (a
    /// stack, function or recorded point lost or doubled by a crash shows here).
    /// </summary>
    public int AggregateMismatches { get; init; }
    /// <summary>The past day's uploads found stored (copies, from the raw samples); null for a run without a past day.</summary>
    public double? PastDayCopies { get; init; }
    /// <summary>Whether queries over the whole past day read its day rollup (flame graphs and series alike): must be true when there is a past day.</summary>
    public bool DayRollupUsed { get; init; }
    /// <summary>
    /// Over the past day alone: functions and flame graph totals (with rollups, so from the day
    /// rollup, and raw) and the series total (with rollups) that differ from its stored copies: must be 0.
    /// </summary>
    public int PastDayMismatches { get; init; }
    public int ParquetFiles { get; init; }
    /// <summary>Of them, rollup files (in an hour's <c>rollup/</c> or a <c>day=</c> directory).</summary>
    public int RollupFiles { get; init; }
    /// <summary>Parquet files under their final names that DuckDB cannot read: must be 0.</summary>
    public int Unreadable { get; init; }
    /// <summary>Temporary files (<c>.tmp-</c>) left behind by interrupted operations, which no reader lists.</summary>
    public int LeftoverTemporaries { get; init; }
    public int UnreadableTemporaries { get; init; }
    /// <summary>The temporary files left (relative paths), every kind, Parquet or not.</summary>
    public IReadOnlyList<string> Temporaries { get; init; } = [];
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>
    /// Every check that must come out 0; Parquet temporaries count too, as the last start ran
    /// maintenance rounds that finish or remove what interrupted compactions left.
    /// </summary>
    public bool Passed => Lost == 0 && Doubled == 0 && StoredThoughRefused == 0 && Partial == 0 && Unexpected == 0 && AggregateMismatches == 0 && Unreadable == 0 &&
        LeftoverTemporaries == 0 && PastDayMismatches == 0 && (PastDayCopies is null || (DayRollupUsed && PastDayCopies > 0));
}

/// <summary>
/// Reads the store the way users do (the store's <see cref="ProfileReader"/>, a series query grouped
/// by the <c>upload</c> label, per profile type of the uploaded pprof) and every Parquet file with
/// DuckDB, and judges each upload against its sender's outcome.
/// </summary>
internal static class CrashVerifier
{
    /// <summary>The recording rule the collector runs over every upload, and its profile type.</summary>
    public const string RuleMetric = "crash_cpu_nanoseconds";
    public const string RuleProfileType = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";

    /// <summary>The tenant the uploads go to (no tenant header).</summary>
    public const string Tenant = "default";

    /// <summary>
    /// Whether a flame graph and a series over the whole <paramref name="dayUtc"/> read its day
    /// rollup: the reader's own plan for that range names a file of the day's directory (it does
    /// so only while the day rollup holds for every hour of the day).
    /// </summary>
    public static bool DayRollupUsed(string dataDirectory, DateTime dayUtc)
    {
        using var reader = new ProfileReader(dataDirectory, new ReaderOptions { Threads = 2 });
        var dayDirectory = $"{Path.DirectorySeparatorChar}day=";
        return new[] { RollupUse.StackTotals, RollupUse.StepTotals }.All(use =>
            reader.Plan(Tenant, dayUtc, dayUtc.AddDays(1), use).Rollups.Any(f => f.Contains(dayDirectory, StringComparison.Ordinal)));
    }

    public static StoreCheck Check(string dataDirectory, string profilePath, IReadOnlyDictionary<string, UploadOutcome> uploads, DateTime fromUtc, DateTime toUtc,
        DateTime? pastDayUtc = null)
    {
        var profile = File.ReadAllBytes(profilePath);
        var expected = PprofDecoder.Decode(profile, new PprofDecodeOptions()).Profiles
            .GroupBy(p => p.ProfileType)
            .ToDictionary(g => g.Key, g => (double)g.Sum(p => p.Total), StringComparer.Ordinal);
        var copies = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        using (var reader = new ProfileReader(dataDirectory, new ReaderOptions
        {
            MaxSeries = int.MaxValue,
            QueryTimeout = TimeSpan.FromMinutes(10),
            Threads = 2,
        }))
        {
            var step = toUtc - fromUtc;
            foreach (var (type, total) in expected)
            {
                var selection = new ProfileSelection(Tenant, fromUtc, toUtc, type,
                    LabelSelector.Parse($"{{service_name=\"{CrashIngest.Service}\"}}"));
                foreach (var series in reader.Series(selection, step, [CrashIngest.UploadLabel]))
                {
                    var id = series.Labels.Get(CrashIngest.UploadLabel) ?? "";
                    if (!copies.TryGetValue(id, out var perType))
                    {
                        copies[id] = perType = [];
                    }
                    perType.Add(series.Values.Sum() / total);
                }
            }
        }

        var problems = new List<string>();
        var stored = copies.Values.Sum(perType => perType[0]);
        var (checkedTypes, mismatches) = CheckAggregates(dataDirectory, profilePath, expected, stored, fromUtc, toUtc, "whole range", problems);
        mismatches += CheckRecordedMetric(dataDirectory, expected[RuleProfileType] * stored, fromUtc, toUtc, problems);
        double? dayCopies = null;
        var dayMismatches = 0;
        var dayRollupUsed = false;
        if (pastDayUtc is { } day)
        {
            dayRollupUsed = DayRollupUsed(dataDirectory, day);
            if (!dayRollupUsed)
            {
                Problem(problems, $"queries over the past day {day:yyyy-MM-dd} do not read its day rollup");
            }
            (dayCopies, dayMismatches) = CheckPastDay(dataDirectory, profilePath, expected, day, problems);
        }
        int lost = 0, doubled = 0, refusedStored = 0, partial = 0, unexpected = 0, unknownStored = 0;
        foreach (var (id, perType) in copies)
        {
            var count = perType[0];
            if (perType.Count != expected.Count || perType.Any(c => c != count) || count != Math.Floor(count))
            {
                partial++;
                Problem(problems, $"upload {id}: stored copies per profile type are {string.Join(", ", perType)}, not one whole number for each of the {expected.Count} types");
                continue;
            }
            if (!uploads.TryGetValue(id, out var outcome))
            {
                unexpected++;
                Problem(problems, $"upload '{id}' is stored but was never sent");
                continue;
            }
            if (count > 1)
            {
                doubled++;
                Problem(problems, $"upload {id} ({outcome}) is stored {count} times");
            }
            if (outcome is UploadOutcome.Refused or UploadOutcome.NotDelivered && count >= 1)
            {
                refusedStored++;
                Problem(problems, $"upload {id} was {outcome} but is stored");
            }
            if (outcome == UploadOutcome.Unknown && count >= 1)
            {
                unknownStored++;
            }
        }
        foreach (var (id, outcome) in uploads)
        {
            if (outcome == UploadOutcome.Acknowledged && !copies.ContainsKey(id))
            {
                lost++;
                Problem(problems, $"upload {id} was acknowledged but is not stored");
            }
        }

        var (files, unreadable, temporaries, unreadableTemporaries) = CheckParquetFiles(dataDirectory, problems);
        return new StoreCheck
        {
            Acknowledged = uploads.Values.Count(o => o == UploadOutcome.Acknowledged),
            Refused = uploads.Values.Count(o => o == UploadOutcome.Refused),
            NotDelivered = uploads.Values.Count(o => o == UploadOutcome.NotDelivered),
            Unknown = uploads.Values.Count(o => o == UploadOutcome.Unknown),
            UnknownStored = unknownStored,
            Lost = lost,
            Doubled = doubled,
            StoredThoughRefused = refusedStored,
            Partial = partial,
            AggregateTypesChecked = checkedTypes,
            AggregateMismatches = mismatches,
            Unexpected = unexpected,
            PastDayCopies = dayCopies,
            DayRollupUsed = dayRollupUsed,
            PastDayMismatches = dayMismatches,
            ParquetFiles = files,
            RollupFiles = Directory.EnumerateFiles(dataDirectory, "*.parquet", SearchOption.AllDirectories)
                .Count(p => !Path.GetFileName(p).StartsWith(".tmp-", StringComparison.Ordinal) &&
                            (Path.GetFileName(Path.GetDirectoryName(p)) is "rollup" || Path.GetFileName(Path.GetDirectoryName(p))!.StartsWith("day=", StringComparison.Ordinal))),
            Unreadable = unreadable,
            LeftoverTemporaries = temporaries,
            UnreadableTemporaries = unreadableTemporaries,
            Temporaries = [.. Directory.EnumerateFiles(dataDirectory, ".tmp-*", SearchOption.AllDirectories)
                .Select(p => Path.GetRelativePath(dataDirectory, p)).Order(StringComparer.Ordinal)],
            Problems = problems,
        };
    }

    /// <summary>
    /// The flame graph and top table over every upload, which join the samples with their stacks and
    /// functions (the series query above does not): the flame graph's total must be the stored copies
    /// times the profile's total, and each function's self and total in the top table the copies
    /// times the golden <c>go tool pprof -top</c> table beside the profile
    /// (<c>{name}.{sample type}.top.tsv</c>); a type without one is only checked for its total. Both
    /// as users read (whole hours from their rollups) and from the raw samples only.
    /// </summary>
    private static (int Types, int Mismatches) CheckAggregates(string dataDirectory, string profilePath, IReadOnlyDictionary<string, double> expected,
        double copies, DateTime fromUtc, DateTime toUtc, string range, List<string> problems)
    {
        var mismatches = 0;
        var stem = Path.GetFileName(profilePath).Replace(".pb.gz", "", StringComparison.Ordinal);
        foreach (var useRollups in new[] { true, false })
        {
            using var reader = new ProfileReader(dataDirectory, new ReaderOptions { QueryTimeout = TimeSpan.FromMinutes(10), Threads = 2, UseRollups = useRollups });
            var how = (useRollups ? "with rollups" : "raw") + ", " + range;
            foreach (var (type, total) in expected)
            {
                var selection = new ProfileSelection(Tenant, fromUtc, toUtc, type, LabelSelector.Parse($"{{service_name=\"{CrashIngest.Service}\"}}"));
                var (graph, top) = reader.FlameGraphAndTop(selection);
                if (graph.Total != copies * total)
                {
                    mismatches++;
                    Problem(problems, $"{type} ({how}): the flame graph's total is {graph.Total}, not {copies} copies of {total}");
                }
                var golden = Path.Combine(Path.GetDirectoryName(profilePath)!, $"{stem}.{type.Split(':')[1]}.top.tsv");
                if (!File.Exists(golden))
                {
                    continue;
                }
                var entries = top.Entries.ToDictionary(e => e.Function, StringComparer.Ordinal);
                foreach (var line in File.ReadLines(golden))
                {
                    var parts = line.Split('\t');
                    var (flat, cum) = (long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture));
                    var (self, all) = entries.TryGetValue(parts[0], out var entry) ? (entry.Self, entry.Total) : (0, 0);
                    if (self != copies * flat || all != copies * cum)
                    {
                        mismatches++;
                        Problem(problems, $"{type} ({how}): {parts[0]} has self {self} and total {all} in the top table, not {copies} times {flat} and {cum}");
                    }
                }
            }
        }
        return (expected.Count, mismatches);
    }

    /// <summary>
    /// The past day alone, a range that the reader answers from its day rollup when it holds: the
    /// stored copies there counted from the raw samples (a series grouped by upload), then the flame
    /// graph and top table (with rollups and raw, as <see cref="CheckAggregates"/>) and a one-day
    /// series with rollups (the day rollup's step totals) must be those copies times the profile.
    /// </summary>
    private static (double Copies, int Mismatches) CheckPastDay(string dataDirectory, string profilePath, IReadOnlyDictionary<string, double> expected,
        DateTime dayUtc, List<string> problems)
    {
        var (from, to) = (dayUtc, dayUtc.AddDays(1));
        var selector = LabelSelector.Parse($"{{service_name=\"{CrashIngest.Service}\"}}");
        double copies;
        using (var raw = new ProfileReader(dataDirectory, new ReaderOptions { MaxSeries = int.MaxValue, QueryTimeout = TimeSpan.FromMinutes(10), Threads = 2, UseRollups = false }))
        {
            var (type, total) = expected.First(e => e.Key == RuleProfileType);
            copies = raw.Series(new ProfileSelection(Tenant, from, to, type, selector), to - from, [CrashIngest.UploadLabel])
                .Sum(series => series.Values.Sum()) / total;
        }
        var (_, mismatches) = CheckAggregates(dataDirectory, profilePath, expected, copies, from, to, $"past day {dayUtc:yyyy-MM-dd}", problems);
        using var reader = new ProfileReader(dataDirectory, new ReaderOptions { QueryTimeout = TimeSpan.FromMinutes(10), Threads = 2 });
        foreach (var (type, total) in expected)
        {
            var summed = reader.Series(new ProfileSelection(Tenant, from, to, type, selector), to - from, []).Sum(series => series.Values.Sum());
            if (summed != copies * total)
            {
                mismatches++;
                Problem(problems, $"{type} (with rollups, past day {dayUtc:yyyy-MM-dd}): the one-day series sums to {summed}, not {copies} copies of {total}");
            }
        }
        return (copies, mismatches);
    }

    /// <summary>
    /// The recording rule's points over the whole range must add up to the stored copies times the
    /// profile's total: a flush interrupted before its manifest is replayed and evaluated again, one
    /// after it is not (collector/Rules/README.md). 1 when they do not.
    /// </summary>
    private static int CheckRecordedMetric(string dataDirectory, double expected, DateTime fromUtc, DateTime toUtc, List<string> problems)
    {
        using var reader = new ProfileReader(dataDirectory, new ReaderOptions { QueryTimeout = TimeSpan.FromMinutes(10), Threads = 2 });
        var recorded = reader.RecordedSeries(new RecordedSeriesQuery(Tenant, fromUtc, toUtc, RuleMetric), toUtc - fromUtc)
            .Sum(series => series.Values.Sum());
        if (recorded == expected)
        {
            return 0;
        }
        Problem(problems, $"the recording rule {RuleMetric} recorded {recorded} in all, not {expected}");
        return 1;
    }

    /// <summary><c>SELECT count(*) FROM read_parquet(…)</c> on every Parquet file in the data directory, temporaries counted apart.</summary>
    private static (int Files, int Unreadable, int Temporaries, int UnreadableTemporaries) CheckParquetFiles(string dataDirectory, List<string> problems)
    {
        int files = 0, unreadable = 0, temporaries = 0, unreadableTemporaries = 0;
        using var duck = DuckDbDatabase.Open(settings: new Dictionary<string, string> { ["threads"] = "2" });
        using var connection = duck.Connect();
        foreach (var path in Directory.EnumerateFiles(dataDirectory, "*.parquet", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var temporary = Path.GetFileName(path).StartsWith(".tmp-", StringComparison.Ordinal);
            files += temporary ? 0 : 1;
            temporaries += temporary ? 1 : 0;
            try
            {
                using var result = connection.Query($"SELECT count(*) FROM read_parquet('{path.Replace("'", "''", StringComparison.Ordinal)}')");
                using var chunk = result.FetchChunk();
                _ = chunk?.Column(0).Values<long>()[0];
            }
            catch (DuckDbException e)
            {
                if (temporary)
                {
                    unreadableTemporaries++;
                }
                else
                {
                    unreadable++;
                    Problem(problems, $"{Path.GetRelativePath(dataDirectory, path)} does not read: {e.Message}");
                }
            }
        }
        return (files, unreadable, temporaries, unreadableTemporaries);
    }

    /// <summary>Keeps the first problems of each run (a systematic fault would otherwise print thousands of lines).</summary>
    private static void Problem(List<string> problems, string text)
    {
        if (problems.Count < 50)
        {
            problems.Add(text);
        }
    }
}
