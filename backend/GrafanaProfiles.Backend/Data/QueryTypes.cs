using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Backend.Sql;

namespace GrafanaProfiles.Backend.Data;

/// <summary>The query types this data source answers, and who answers each.</summary>
internal static class QueryTypes
{
    /// <summary>
    /// <c>sql</c> goes to the SQL sandbox, <c>recording_rule</c> to the recorded metrics; every other type
    /// (profile, metrics, both, diff, top, function) to the profile queries.
    /// </summary>
    public static QueryRouter Router() => new QueryRouter(ProfileQueries.Run).Add("sql", SqlQuery.Run)
        .Add(RecordedMetricQueries.Type, RecordedMetricQueries.Run);
}
