using System.Collections.Concurrent;
using System.Globalization;
using GrafanaProfiles.Schema.Tables;

namespace GrafanaProfiles.Store.Partitions;

/// <summary>
/// Where rollups live. An hour's rollup is in the hour directory's <c>rollup/</c> directory
/// (<c>rollup-{stamp}.json</c> naming <c>stack_totals-{stamp}.parquet</c> and
/// <c>step_totals-{stamp}.parquet</c>), so it goes with its hour (retention, a glob over
/// <c>hour=*/*.parquet</c> never sees it). A day's rollup is in a directory beside the hours,
/// <c>tenant={t}/day={yyyy-MM-dd}/</c>, with the same two tables and the day's stacks, functions and
/// series files (each stack, function and series of its hours once), so a query over whole days
/// reads one file of each per day.
/// </summary>
public sealed partial class PartitionLayout
{
    internal const string RollupDirectoryName = "rollup";
    internal const string RollupManifestPrefix = "rollup-";
    internal const string ManifestExtension = ".json";
    internal const string DayColumn = "day";
    internal const string DayFormat = "yyyy-MM-dd";

    internal static DateTime DayOf(DateTime utc) => new(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerDay), DateTimeKind.Utc);

    internal static string DayValue(DateTime dayUtc) => dayUtc.ToString(DayFormat, CultureInfo.InvariantCulture);

    internal string DayDirectory(string tenant, DateTime dayUtc) =>
        Path.Combine(TenantDirectory(tenant), $"{DayColumn}={DayValue(dayUtc)}");

    internal static string RollupDirectory(string hourDirectory) => Path.Combine(hourDirectory, RollupDirectoryName);

    /// <summary>The day directories of a tenant that exist on disk (links out of the tenant's directory ignored), oldest first.</summary>
    internal IReadOnlyList<DateTime> Days(string tenant)
    {
        var dir = TenantDirectory(tenant);
        if (!Directory.Exists(dir))
        {
            return [];
        }
        var prefix = DayColumn + "=";
        var days = new List<DateTime>();
        string? tenantRealPath = null;
        foreach (var sub in new DirectoryInfo(dir).EnumerateDirectories(prefix + "*"))
        {
            if (!DateTime.TryParseExact(sub.Name[prefix.Length..], DayFormat, CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var day))
            {
                continue;
            }
            if (sub.LinkTarget is not null && !ResolvesInside(sub.FullName, tenantRealPath ??= RealPath(dir), _linkIgnored))
            {
                continue;
            }
            days.Add(day);
        }
        days.Sort();
        return days;
    }

    /// <summary>One listing of an hour: its visible files per table and the rollup that covers exactly its samples files, if any.</summary>
    internal HourListing ListHour(string tenant, DateTime hourUtc)
    {
        var tenantDirectory = TenantDirectory(tenant);
        var hourDirectory = HourDirectory(tenant, hourUtc);
        var files = VisibleFiles(hourDirectory, _linkIgnored);
        var samples = files.TryGetValue(SamplesTable.Name, out var found) ? found : [];
        RollupListing? rollup = null;
        if (samples.Count > 0)
        {
            var names = samples.Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
            rollup = Rollups(RollupDirectory(hourDirectory), tenantDirectory, _linkIgnored)
                .FirstOrDefault(r => r.Manifest.Kind == RollupKind.Hour && r.Manifest.Samples.Count == names.Count && r.Manifest.Samples.All(names.Contains));
        }
        return new HourListing(hourUtc, files, rollup);
    }

    /// <summary>The newest complete day rollup of a day, whether or not it still holds (see <see cref="HourListing.DayRollupHolds"/>).</summary>
    internal RollupListing? DayRollup(string tenant, DateTime dayUtc) =>
        Rollups(DayDirectory(tenant, dayUtc), TenantDirectory(tenant), _linkIgnored).FirstOrDefault(r => r.Manifest.Kind == RollupKind.Day);

    /// <summary>
    /// The complete rollups of a directory, newest first: manifests whose outputs are all present.
    /// Temporary names are never listed; a manifest or output that is a link resolving outside the
    /// tenant's directory counts as absent.
    /// </summary>
    internal static List<RollupListing> Rollups(string directory, string tenantDirectory, Action<string, string>? linkIgnored = null)
    {
        var rollups = new List<RollupListing>();
        var info = new DirectoryInfo(directory);
        if (!info.Exists)
        {
            return rollups;
        }
        string? tenantRealPath = null;
        if (info.LinkTarget is not null && !ResolvesInside(info.FullName, tenantRealPath ??= RealPath(tenantDirectory), linkIgnored))
        {
            return rollups;
        }
        var present = new HashSet<string>(StringComparer.Ordinal);
        var manifests = new List<FileInfo>();
        foreach (var file in info.EnumerateFiles())
        {
            if (file.Name.StartsWith(TempPrefix, StringComparison.Ordinal))
            {
                continue;
            }
            if (file.LinkTarget is not null && !ResolvesInside(file.FullName, tenantRealPath ??= RealPath(tenantDirectory), linkIgnored))
            {
                continue;
            }
            present.Add(file.Name);
            if (file.Name.StartsWith(RollupManifestPrefix, StringComparison.Ordinal) && file.Name.EndsWith(ManifestExtension, StringComparison.Ordinal))
            {
                manifests.Add(file);
            }
        }
        manifests.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        for (var i = manifests.Count - 1; i >= 0; i--)
        {
            if (ReadManifest(manifests[i]) is { } manifest && manifest.Outputs.Values.All(present.Contains))
            {
                rollups.Add(new RollupListing(info.FullName, manifests[i].Name, manifest));
            }
        }
        return rollups;
    }

    /// <summary>Manifests read so far, by path, with the length and modification time they had.</summary>
    private static readonly ConcurrentDictionary<string, (long Length, long Modified, RollupManifest Manifest)> ManifestCache = new(StringComparer.Ordinal);

    /// <summary>Entries of <see cref="ManifestCache"/> past which it starts afresh (a year of hours and days of a few tenants).</summary>
    private const int ManifestCacheEntries = 100_000;

    /// <summary>
    /// A rollup manifest, parsed once per path: a manifest is written once under a name of its own
    /// and never changed, so its length and modification time tell a cached copy is current. A
    /// 30-day query lists 720 hours; reading and parsing each hour's manifest again cost about as
    /// much as listing the hours.
    /// </summary>
    private static RollupManifest? ReadManifest(FileInfo file)
    {
        long length, modified;
        try
        {
            (length, modified) = (file.Length, file.LastWriteTimeUtc.Ticks);
        }
        catch (IOException)
        {
            return null; // removed since the listing (superseded)
        }
        if (ManifestCache.TryGetValue(file.FullName, out var cached) && cached.Length == length && cached.Modified == modified)
        {
            return cached.Manifest;
        }
        if (RollupManifest.TryRead(file.FullName) is not { } manifest)
        {
            return null;
        }
        if (ManifestCache.Count >= ManifestCacheEntries)
        {
            ManifestCache.Clear();
        }
        ManifestCache[file.FullName] = (length, modified, manifest);
        return manifest;
    }

    /// <summary>A rollup manifest's name for a commit at <paramref name="nowUtc"/>: newer sorts later; the suffix keeps two commits of one instant apart.</summary>
    internal static string RollupStamp(DateTime nowUtc) =>
        nowUtc.Ticks.ToString("x16", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8];
}

/// <summary>One hour as a reader sees it now.</summary>
internal sealed record HourListing(DateTime Hour, IReadOnlyDictionary<string, List<string>> Files, RollupListing? Rollup)
{
    public IReadOnlyList<string> Table(string table) => Files.TryGetValue(table, out var files) ? files : [];

    public bool HasSamples => Files.TryGetValue(SamplesTable.Name, out var files) && files.Count > 0;

    /// <summary>
    /// Whether the day rollup <paramref name="day"/> sums exactly what these hours (every hour
    /// directory of its day) hold now: each hour with samples has the hour rollup it names, and it
    /// names no other hour. A late flush into one hour, a re-rolled hour, or an hour removed by
    /// retention makes it stale; the day's hours are then read one by one.
    /// </summary>
    public static bool DayRollupHolds(RollupManifest day, IEnumerable<HourListing> hoursOfDay)
    {
        var matched = 0;
        foreach (var hour in hoursOfDay)
        {
            if (!hour.HasSamples)
            {
                continue;
            }
            if (hour.Rollup is null || !day.Hours.TryGetValue(PartitionLayout.HourValue(hour.Hour), out var name)
                || !string.Equals(name, hour.Rollup.ManifestName, StringComparison.Ordinal))
            {
                return false;
            }
            matched++;
        }
        return matched == day.Hours.Count;
    }
}

/// <summary>A complete rollup: its directory, its manifest's name and content.</summary>
internal sealed record RollupListing(string Directory, string ManifestName, RollupManifest Manifest)
{
    /// <summary>The path of one of its outputs (a rollup table, or a day's stacks, functions or series file).</summary>
    public string Output(string table) => Path.Combine(Directory, Manifest.Outputs[table]);

    public bool Has(string table) => Manifest.Outputs.ContainsKey(table);
}
