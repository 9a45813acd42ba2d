using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Collector.Ingest.Pyroscope;

/// <summary>
/// The profile type of a folded or lines body, from the suffix of the application name
/// (<c>my.app.cpu</c> → <c>cpu</c>), as Pyroscope's convertMetadata decides it
/// (pkg/ingester/pyroscope/ingest_adapter.go). See README.md, "Profile types of text bodies".
/// </summary>
internal static class LegacyProfileTypes
{
    /// <param name="Name">Pyroscope's <c>__name__</c>.</param>
    /// <param name="TimeBased">cpu and wall: counts are samples taken sampleRate times a second, stored as nanoseconds.</param>
    private sealed record Entry(string Name, string SampleType, string SampleUnit, string PeriodType, string PeriodUnit, bool TimeBased = false);

    /// <summary>
    /// Pyroscope's table. Pyroscope leaves the period empty for these; ours must not be empty, so
    /// each gets the period its pprof counterpart has (memory: space/bytes, mutex and block:
    /// contentions/count), else its own sample type, so that both land in the same profile type.
    /// </summary>
    private static readonly Dictionary<string, Entry> Suffixes = new(StringComparer.Ordinal)
    {
        ["cpu"] = new("process_cpu", "samples", "count", "cpu", "nanoseconds", TimeBased: true),
        ["itimer"] = new("process_cpu", "samples", "count", "cpu", "nanoseconds", TimeBased: true),
        ["wall"] = new("wall", "samples", "count", "cpu", "nanoseconds", TimeBased: true),
        ["seconds"] = new("wall", "samples", "count", "cpu", "nanoseconds", TimeBased: true),
        ["milliseconds"] = new("wall", "samples", "count", "cpu", "nanoseconds", TimeBased: true),
        ["microseconds"] = new("wall", "samples", "count", "cpu", "nanoseconds", TimeBased: true),
        ["nanoseconds"] = new("wall", "samples", "count", "cpu", "nanoseconds", TimeBased: true),
        ["inuse_objects"] = new("memory", "inuse_objects", "count", "space", "bytes"),
        ["inuse_space"] = new("memory", "inuse_space", "bytes", "space", "bytes"),
        ["alloc_objects"] = new("memory", "alloc_objects", "count", "space", "bytes"),
        ["alloc_space"] = new("memory", "alloc_space", "bytes", "space", "bytes"),
        ["alloc_in_new_tlab_objects"] = new("memory", "alloc_in_new_tlab_objects", "count", "space", "bytes"),
        ["alloc_in_new_tlab_bytes"] = new("memory", "alloc_in_new_tlab_bytes", "bytes", "space", "bytes"),
        ["alloc_outside_tlab_objects"] = new("memory", "alloc_outside_tlab_objects", "count", "space", "bytes"),
        ["alloc_outside_tlab_bytes"] = new("memory", "alloc_outside_tlab_bytes", "bytes", "space", "bytes"),
        ["live"] = new("memory", "live", "count", "space", "bytes"),
        ["bytes"] = new("memory", "samples", "bytes", "space", "bytes"),
        ["goroutines"] = new("goroutine", "goroutines", "count", "goroutines", "count"),
        ["mutex_count"] = new("mutex", "contentions", "count", "contentions", "count"),
        ["mutex_duration"] = new("mutex", "delay", "nanoseconds", "contentions", "count"),
        ["block_count"] = new("block", "contentions", "count", "contentions", "count"),
        ["block_duration"] = new("block", "delay", "nanoseconds", "contentions", "count"),
        // Pyroscope files lock profiles under block.
        ["lock_count"] = new("block", "contentions", "count", "contentions", "count"),
        ["lock_duration"] = new("block", "delay", "nanoseconds", "contentions", "count"),
        ["exceptions"] = new("exceptions", "samples", "count", "samples", "count"),
    };

    /// <summary>The suffixes Pyroscope knows, for messages.</summary>
    public static string Known => string.Join(", ", Suffixes.Keys);

    /// <summary>
    /// Resolves <paramref name="appName"/>: the service name (the application name without its
    /// suffix), the profile type, and the factor that turns counts into the type's unit
    /// (1e9/sampleRate nanoseconds per sample for cpu and wall, else 1).
    /// </summary>
    public static (string ServiceName, ProfileType Type, long Scale) Resolve(string appName, int sampleRate)
    {
        var dot = appName.LastIndexOf('.');
        var suffix = dot < 0 ? "cpu" : appName[(dot + 1)..];
        var service = dot < 0 ? appName : appName[..dot];
        if (!Suffixes.TryGetValue(suffix, out var entry))
        {
            throw new ProfileRejectedException(
                RejectReason.InvalidProfileType,
                $"parameter 'name': the application name '{Quote(appName)}' ends in '.{Quote(suffix)}', which is not a profile type. For folded and lines bodies the text after the last '.' names the profile type: one of {Known} (none means cpu).");
        }
        if (service.Length == 0)
        {
            throw new ProfileRejectedException(
                RejectReason.InvalidRequest,
                $"parameter 'name': '{Quote(appName)}' has no application name before '.{suffix}'.");
        }
        if (entry.TimeBased && sampleRate != 0)
        {
            // Pyroscope: period = 1s / sampleRate (integer division), values scaled by it.
            var period = 1_000_000_000L / sampleRate;
            var sampleType = entry.Name == "wall" ? "wall" : "cpu";
            return (service, new ProfileType(entry.Name, sampleType, "nanoseconds", "cpu", "nanoseconds"), period);
        }
        return (service, new ProfileType(entry.Name, entry.SampleType, entry.SampleUnit, entry.PeriodType, entry.PeriodUnit), 1);
    }

    private static string Quote(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");
}
