namespace GrafanaProfiles.Store.Model;

/// <summary>
/// A profile type in the Pyroscope form <c>name:sample_type:sample_unit:period_type:period_unit</c>,
/// e.g. <c>process_cpu:cpu:nanoseconds:cpu:nanoseconds</c> or <c>memory:alloc_space:bytes:space:bytes</c>.
/// </summary>
public readonly record struct ProfileType(string Name, string SampleType, string SampleUnit, string PeriodType, string PeriodUnit)
{
    public string Id => $"{Name}:{SampleType}:{SampleUnit}:{PeriodType}:{PeriodUnit}";

    public override string ToString() => Id;

    public static bool TryParse(string id, out ProfileType type)
    {
        var parts = id.Split(':');
        if (parts.Length == 5 && parts.All(p => p.Length > 0))
        {
            type = new ProfileType(parts[0], parts[1], parts[2], parts[3], parts[4]);
            return true;
        }
        type = default;
        return false;
    }

    public static ProfileType Parse(string id) =>
        TryParse(id, out var type)
            ? type
            : throw new FormatException($"Profile type '{id}' is not of the form name:sample_type:sample_unit:period_type:period_unit.");

    /// <summary>
    /// The profile name (Pyroscope's <c>__name__</c>) that a pprof profile gets when the sender does
    /// not name it, from its period type: cpu → process_cpu, space → memory, and so on.
    /// </summary>
    public static string DefaultName(string periodType, string sampleType) => periodType switch
    {
        "cpu" => "process_cpu",
        // Node.js heap profiles name the period after the sample type (inuse_space/bytes).
        "space" or "inuse_space" or "inuse_objects" or "alloc_space" or "alloc_objects" => "memory",
        "wall" => "wall",
        "goroutine" or "goroutines" => "goroutines",
        "contentions" => "mutex",
        "" => sampleType switch
        {
            "cpu" or "samples" => "process_cpu",
            "alloc_space" or "alloc_objects" or "inuse_space" or "inuse_objects" => "memory",
            _ => sampleType,
        },
        _ => periodType,
    };

    /// <summary>
    /// The period a type is known by in Pyroscope: memory profiles are always <c>space:bytes</c>
    /// (<c>memory:inuse_space:bytes:space:bytes</c>), whatever the runtime called their period.
    /// </summary>
    public static (string Type, string Unit) CanonicalPeriod(string name, string periodType, string periodUnit) =>
        name == "memory" && periodType != "space" ? ("space", "bytes") : (periodType, periodUnit);
}
