namespace GrafanaProfiles.Backend.Resources;

/// <summary>The resource paths this data source serves (see Resources/README.md).</summary>
internal static class ResourcePaths
{
    public static void AddTo(ResourceService resources)
    {
        resources.Add("profileTypes", LabelResources.ProfileTypes);
        resources.Add("labelNames", LabelResources.LabelNames);
        resources.Add("labelValues", LabelResources.LabelValues);
        resources.Add("pprof", ExportResources.Pprof);
        resources.Add("functions", EditorResources.Functions);
        resources.Add("sqlSchema", EditorResources.SqlSchemaOf);
        resources.Add("recordedMetrics", RecordedMetricResources.RecordedMetrics);
    }
}
