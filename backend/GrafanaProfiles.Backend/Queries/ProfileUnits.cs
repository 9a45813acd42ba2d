namespace GrafanaProfiles.Backend.Queries;

/// <summary>Grafana units of a profile type id (<c>name:sample_type:sample_unit:period_type:period_unit</c>).</summary>
public static class ProfileUnits
{
    /// <summary>
    /// The unit Grafana shows for a profile type's values, as the Pyroscope data source maps the third
    /// part: <c>nanoseconds</c> → <c>ns</c>, <c>count</c> → <c>short</c>, anything else unchanged (e.g. <c>bytes</c>).
    /// </summary>
    public static string UnitOf(string profileTypeId)
    {
        var parts = profileTypeId.Split(':');
        var unit = parts.Length >= 3 ? parts[2] : "";
        return unit switch
        {
            "nanoseconds" => "ns",
            "count" => "short",
            "" => "short",
            _ => unit,
        };
    }

    /// <summary>The sample type (second part), e.g. <c>cpu</c> or <c>alloc_space</c>: the name of a series' value field.</summary>
    public static string SampleTypeOf(string profileTypeId)
    {
        var parts = profileTypeId.Split(':');
        return parts.Length >= 2 && parts[1].Length > 0 ? parts[1] : profileTypeId;
    }
}
