using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Backend.Settings;
using GrafanaProfiles.Store.Query.Selectors;

namespace GrafanaProfiles.Backend.Resources;

/// <summary>
/// The editor's completion data: profile types, label names and label values (optionally only of
/// series matching a selector), each over a time range (default: the last 24 hours).
/// </summary>
public static class LabelResources
{
    public static readonly TimeSpan DefaultRange = TimeSpan.FromDays(1);

    /// <summary><c>GET profileTypes?from&amp;to</c> → <c>[{"id","label"}]</c> as the Pyroscope data source lists them.</summary>
    public static ResourceResponse ProfileTypes(ResourceRequest request, DataSourceInstance instance, CancellationToken cancellationToken)
    {
        var (from, to) = request.Range(DefaultRange);
        var types = instance.Reader.ProfileTypes(instance.Settings.Tenant, from, to, cancellationToken);
        return ResourceResponse.Json(types.Select(id => new { id, label = Label(id) }));
    }

    /// <summary><c>GET labelNames?query=&lt;selector&gt;&amp;from&amp;to</c> → <c>["service_name", …]</c>.</summary>
    public static ResourceResponse LabelNames(ResourceRequest request, DataSourceInstance instance, CancellationToken cancellationToken)
    {
        var (from, to) = request.Range(DefaultRange);
        var names = instance.Reader.LabelNames(instance.Settings.Tenant, from, to, Selector(request), cancellationToken);
        return ResourceResponse.Json(names);
    }

    /// <summary><c>GET labelValues?label=&lt;name&gt;&amp;query=&lt;selector&gt;&amp;from&amp;to</c> → <c>["api", …]</c>.</summary>
    public static ResourceResponse LabelValues(ResourceRequest request, DataSourceInstance instance, CancellationToken cancellationToken)
    {
        var label = request.Query("label") ?? request.Query("name")
            ?? throw QueryFailedException.BadRequest("Parameter 'label' (the label name whose values to list) is missing.");
        var (from, to) = request.Range(DefaultRange);
        var values = instance.Reader.LabelValues(instance.Settings.Tenant, label, from, to, Selector(request), cancellationToken);
        return ResourceResponse.Json(values);
    }

    /// <summary>The selector of parameter <c>query</c> (or <c>labelSelector</c>), null when absent.</summary>
    public static LabelSelector? Selector(ResourceRequest request) =>
        (request.Query("query") ?? request.Query("labelSelector")) is { } text ? LabelSelector.Parse(text) : null;

    /// <summary><c>process_cpu:cpu:nanoseconds:cpu:nanoseconds</c> → <c>process_cpu - cpu</c>, as Pyroscope labels types.</summary>
    public static string Label(string id)
    {
        var parts = id.Split(':');
        return parts.Length >= 2 ? $"{parts[0]} - {parts[1]}" : id;
    }
}
