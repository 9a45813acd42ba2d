using GrafanaProfiles.Backend.Settings;

namespace GrafanaProfiles.Backend.Resources;

/// <summary>What the "Metrics from rules" editor lists: the metrics the collector's recording rules recorded.</summary>
public static class RecordedMetricResources
{
    /// <summary>
    /// <c>GET recordedMetrics?from&amp;to</c> → <c>[{"name","profileType","labels":[…]}]</c>: the metrics recorded
    /// in the range (default: the last 24 hours), by name, with the profile type they sum and their label names.
    /// </summary>
    public static ResourceResponse RecordedMetrics(ResourceRequest request, DataSourceInstance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(instance);
        var (from, to) = request.Range(LabelResources.DefaultRange);
        var metrics = instance.Reader.RecordedMetrics(instance.Settings.Tenant, from, to, cancellationToken);
        return ResourceResponse.Json(metrics.Select(m => new { name = m.Name, profileType = m.ProfileType, labels = m.LabelNames }));
    }
}
