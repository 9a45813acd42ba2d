using System.Globalization;
using GrafanaProfiles.Backend.Settings;
using GrafanaProfiles.Store.Export;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;

namespace GrafanaProfiles.Backend.Resources;

/// <summary>
/// <c>GET pprof?query=&lt;selector&gt;&amp;profileTypeId=&lt;type&gt;&amp;from&amp;to</c>: the selection as a gzipped
/// pprof file (<c>go tool pprof</c> opens it), offered as a download.
/// </summary>
public static class ExportResources
{
    public static readonly TimeSpan DefaultRange = TimeSpan.FromHours(1);

    public static ResourceResponse Pprof(ResourceRequest request, DataSourceInstance instance, CancellationToken cancellationToken)
    {
        var (from, to) = request.Range(DefaultRange);
        var type = request.Query("profileTypeId") ?? instance.Settings.DefaultProfileType;
        var selector = LabelResources.Selector(request) ?? LabelSelector.Empty;
        var selection = new ProfileSelection(instance.Settings.Tenant, from, to, type, selector);
        using var output = new MemoryStream();
        new PprofExporter(instance.Reader).Export(selection, output, cancellationToken);
        var name = $"{type.Split(':')[0]}-{from.ToString("yyyyMMdd'T'HHmm", CultureInfo.InvariantCulture)}.pb.gz";
        return new ResourceResponse(200, "application/octet-stream", output.ToArray(), new Dictionary<string, string>
        {
            ["Content-Disposition"] = $"attachment; filename=\"{name}\"",
        });
    }
}
