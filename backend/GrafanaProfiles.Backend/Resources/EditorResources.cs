using GrafanaProfiles.Backend.Settings;
using GrafanaProfiles.Backend.Sql;

namespace GrafanaProfiles.Backend.Resources;

/// <summary>What the query editors complete from: function names, and the SQL schema with its macros.</summary>
public static class EditorResources
{
    public const int DefaultFunctionNames = 100;

    /// <summary><c>GET functions?search=&lt;text&gt;&amp;limit&amp;from&amp;to</c> → function names containing the text (case-insensitive), those starting with it first.</summary>
    public static ResourceResponse Functions(ResourceRequest request, DataSourceInstance instance, CancellationToken cancellationToken)
    {
        var (from, to) = request.Range(LabelResources.DefaultRange);
        var limit = request.Int("limit", DefaultFunctionNames, Store.Query.ProfileReader.MaxFunctionNames);
        var search = request.Query("search") ?? request.Query("prefix");
        var names = instance.Reader.FunctionNames(instance.Settings.Tenant, from, to, search, limit, cancellationToken);
        return ResourceResponse.Json(names);
    }

    /// <summary><c>GET sqlSchema</c> → the views user SQL sees, their columns with meanings, and the macros.</summary>
    public static ResourceResponse SqlSchemaOf(ResourceRequest request, DataSourceInstance instance, CancellationToken cancellationToken) =>
        ResourceResponse.Json(SqlSchema.Describe(instance));
}
