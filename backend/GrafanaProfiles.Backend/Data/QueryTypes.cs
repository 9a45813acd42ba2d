using GrafanaProfiles.Backend.Queries;

namespace GrafanaProfiles.Backend.Data;

/// <summary>The query types this data source answers, and who answers each.</summary>
internal static class QueryTypes
{
    public static QueryRouter Router() =>
        new((context, _) => QueryResult.Failed(400, ErrorSource.Downstream, $"Unknown query type '{context.QueryType}'."));
}
