using System.Globalization;
using System.Text.RegularExpressions;
using GrafanaProfiles.Schema.Tables;

namespace GrafanaProfiles.Store.Partitions;

/// <summary>
/// Where files live: <c>{root}/tenant={t}/hour={yyyy-MM-ddTHH}/{table}-{writer}-{seq}.parquet</c>,
/// hive-style so any Parquet tool reads them with hive partitioning. Files are written under a
/// dot-prefixed temporary name and renamed into place; readers list only final names.
/// </summary>
public sealed partial class PartitionLayout
{
    internal const string FileExtension = ".parquet";
    internal const string TempPrefix = ".tmp-";
    internal const string CompactionManifestPrefix = "compaction-";

    private readonly Action<string, string>? _linkIgnored;

    /// <param name="linkIgnored">
    /// Told of every hour directory or file that is a symbolic link resolving outside its tenant's
    /// directory, or to nothing (the link's path, and what is wrong with it as a phrase: "leads to
    /// …, outside its tenant's directory"), which this layout then does not list.
    /// </param>
    public PartitionLayout(string root, Action<string, string>? linkIgnored = null)
    {
        Root = Path.GetFullPath(root);
        _linkIgnored = linkIgnored;
    }

    public string Root { get; }

    public static IReadOnlyList<string> Tables { get; } = [SamplesTable.Name, SeriesTable.Name, StacksTable.Name, FunctionsTable.Name];

    /// <summary>The hour (UTC) that contains <paramref name="utc"/>.</summary>
    internal static DateTime HourOf(DateTime utc) => new(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerHour), DateTimeKind.Utc);

    internal static DateTime HourOfNanos(long unixNanos) => HourOf(DateTime.UnixEpoch.AddTicks(unixNanos / 100));

    internal static string HourValue(DateTime hourUtc) => hourUtc.ToString(PartitionColumns.HourFormat, CultureInfo.InvariantCulture);

    internal static bool TryParseHour(string value, out DateTime hourUtc) =>
        DateTime.TryParseExact(value, PartitionColumns.HourFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out hourUtc);

    /// <summary>Tenant names become directory names, so they are limited to a safe alphabet.</summary>
    public static bool IsValidTenant(string tenant) => tenant.Length is > 0 and <= 150 && TenantPattern().IsMatch(tenant) && tenant is not "." and not "..";

    internal static void ValidateTenant(string tenant)
    {
        if (!IsValidTenant(tenant))
        {
            throw new ArgumentException(
                $"Tenant '{tenant}' is not valid: use 1 to 150 characters from letters, digits, '-', '_' and '.'.", nameof(tenant));
        }
    }

    public string TenantDirectory(string tenant)
    {
        ValidateTenant(tenant);
        return Path.Combine(Root, $"{PartitionColumns.Tenant}={tenant}");
    }

    public string HourDirectory(string tenant, DateTime hourUtc) =>
        Path.Combine(TenantDirectory(tenant), $"{PartitionColumns.Hour}={HourValue(hourUtc)}");

    public static string FileName(string table, string writerId, long sequence) =>
        $"{table}-{writerId}-{sequence.ToString("D12", CultureInfo.InvariantCulture)}{FileExtension}";

    internal static string TempName(string finalName) => TempPrefix + finalName;

    public IEnumerable<string> Tenants()
    {
        if (!Directory.Exists(Root))
        {
            yield break;
        }
        var prefix = PartitionColumns.Tenant + "=";
        foreach (var dir in Directory.EnumerateDirectories(Root, prefix + "*"))
        {
            var tenant = Path.GetFileName(dir)[prefix.Length..];
            if (IsValidTenant(tenant))
            {
                yield return tenant;
            }
        }
    }

    /// <summary>The hour partitions of a tenant that exist on disk, oldest first.</summary>
    public IReadOnlyList<DateTime> Hours(string tenant)
    {
        var dir = TenantDirectory(tenant);
        if (!Directory.Exists(dir))
        {
            return [];
        }
        var prefix = PartitionColumns.Hour + "=";
        var hours = new List<DateTime>();
        string? tenantRealPath = null;
        foreach (var sub in new DirectoryInfo(dir).EnumerateDirectories(prefix + "*"))
        {
            if (!TryParseHour(sub.Name[prefix.Length..], out var hour))
            {
                continue;
            }
            if (sub.LinkTarget is not null && !ResolvesInside(sub.FullName, tenantRealPath ??= RealPath(dir), _linkIgnored))
            {
                continue;
            }
            hours.Add(hour);
        }
        hours.Sort();
        return hours;
    }

    /// <summary>The hour partitions that overlap [from, to), oldest first.</summary>
    internal IReadOnlyList<DateTime> HoursInRange(string tenant, DateTime fromUtc, DateTime toUtc)
    {
        var first = HourOf(fromUtc);
        return [.. Hours(tenant).Where(h => h >= first && h < toUtc)];
    }

    /// <summary>
    /// The files of one table in one partition that a reader should see right now: final names only,
    /// with the outcome of any compaction in progress applied (see <see cref="CompactionManifest"/>).
    /// </summary>
    internal static IReadOnlyList<string> VisibleFiles(string hourDirectory, string table, Action<string, string>? linkIgnored = null) =>
        VisibleFiles(hourDirectory, linkIgnored).TryGetValue(table, out var files) ? files : [];

    /// <summary><see cref="VisibleFiles(string, Action{string, string}?)"/>, telling this layout's observer of links it ignores.</summary>
    internal IReadOnlyDictionary<string, List<string>> VisibleFiles(string tenant, DateTime hourUtc) =>
        VisibleFiles(HourDirectory(tenant, hourUtc), _linkIgnored);

    /// <summary>
    /// <see cref="VisibleFiles(string, string, Action{string, string}?)"/> for every table at once, from one listing of the
    /// directory (a query needs all tables of each hour it reads), sorted by name per table.
    /// A file that is a symbolic link resolving outside the tenant's directory (the hour
    /// directory's parent) is not listed, and <paramref name="linkIgnored"/> is told of it.
    /// </summary>
    internal static IReadOnlyDictionary<string, List<string>> VisibleFiles(string hourDirectory, Action<string, string>? linkIgnored = null)
    {
        var byTable = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (!Directory.Exists(hourDirectory))
        {
            return byTable;
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        var manifests = new List<string>();
        string? tenantRealPath = null;
        foreach (var file in new DirectoryInfo(hourDirectory).EnumerateFiles())
        {
            var name = file.Name;
            var path = file.FullName;
            if (name.StartsWith(TempPrefix, StringComparison.Ordinal))
            {
                continue;
            }
            if (file.LinkTarget is not null
                && !ResolvesInside(path, tenantRealPath ??= RealPath(Path.GetDirectoryName(Path.GetFullPath(hourDirectory))!), linkIgnored))
            {
                continue;
            }
            if (name.StartsWith(CompactionManifestPrefix, StringComparison.Ordinal))
            {
                manifests.Add(path);
            }
            else if (name.EndsWith(FileExtension, StringComparison.Ordinal))
            {
                names.Add(name);
            }
        }
        // Whether a compaction has committed is judged on the files present, not on what an earlier
        // manifest already hid: a second compaction of the same hour within the first one's grace
        // period takes the first one's outputs as its inputs, and judging the first after the
        // second (directory order) found its outputs "missing" and showed its inputs again
        // beside the second one's outputs — double data.
        var present = new HashSet<string>(names, StringComparer.Ordinal);
        foreach (var manifestPath in manifests)
        {
            if (CompactionManifest.TryRead(manifestPath) is not { } manifest)
            {
                continue;
            }
            // Outputs all in place: the compaction has committed, its inputs are gone for readers.
            // Otherwise it has not, and its partial outputs are not to be seen.
            if (manifest.Outputs.All(present.Contains))
            {
                names.ExceptWith(manifest.Inputs);
            }
            else
            {
                names.ExceptWith(manifest.Outputs);
            }
        }
        foreach (var name in names.Order(StringComparer.Ordinal))
        {
            var dash = name.IndexOf('-', StringComparison.Ordinal);
            if (dash <= 0)
            {
                continue;
            }
            var table = name[..dash];
            if (!byTable.TryGetValue(table, out var files))
            {
                files = [];
                byTable[table] = files;
            }
            files.Add(Path.Combine(hourDirectory, name));
        }
        return byTable;
    }

    /// <summary>
    /// Whether the link at <paramref name="path"/> leads inside <paramref name="directoryRealPath"/>
    /// (a path with every link resolved). A link planted in a tenant's directory must not show
    /// another tenant's files to this tenant's queries, nor bring them into its compactions.
    /// </summary>
    private static bool ResolvesInside(string path, string directoryRealPath, Action<string, string>? linkIgnored)
    {
        string target;
        try
        {
            target = RealPath(path);
        }
        catch (IOException e)
        {
            linkIgnored?.Invoke(path, $"cannot be resolved ({e.Message})");
            return false;
        }
        if (!File.Exists(target) && !Directory.Exists(target))
        {
            linkIgnored?.Invoke(path, $"leads to {target}, which does not exist");
            return false;
        }
        var inside = directoryRealPath.EndsWith(Path.DirectorySeparatorChar) ? directoryRealPath : directoryRealPath + Path.DirectorySeparatorChar;
        if (target.StartsWith(inside, StringComparison.Ordinal))
        {
            return true;
        }
        linkIgnored?.Invoke(path, $"leads to {target}, outside its tenant's directory");
        return false;
    }

    /// <summary>
    /// <paramref name="path"/> made absolute with every symbolic link on it resolved, as
    /// <c>realpath(3)</c> does; a component that does not exist is kept as written.
    /// </summary>
    internal static string RealPath(string path)
    {
        var hops = 0;
        return RealPath(path, path, ref hops);
    }

    private static string RealPath(string path, string asked, ref int hops)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            if (new FileInfo(current).LinkTarget is { } target)
            {
                if (++hops > MaxLinkHops)
                {
                    throw new IOException($"Too many symbolic links on the way to '{asked}' (over {MaxLinkHops}).");
                }
                current = RealPath(Path.Combine(Path.GetDirectoryName(current)!, target), asked, ref hops);
            }
        }
        return current;
    }

    /// <summary>Links followed in one <see cref="RealPath"/> before it gives up, as the kernel's ELOOP does at 40.</summary>
    private const int MaxLinkHops = 40;

    [GeneratedRegex("^[A-Za-z0-9_.-]+$")]
    private static partial Regex TenantPattern();
}
