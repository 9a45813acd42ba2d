using System.Text.Json;
using GrafanaProfiles.Backend.Settings;

namespace GrafanaProfiles.Backend.Queries;

/// <summary>
/// One query of a <c>QueryData</c> request, decoded from the protocol: its refId and type, the
/// dashboard's time range (UTC), interval and point budget, the raw query JSON, and the data source.
/// </summary>
public sealed record QueryContext(
    string RefId,
    string QueryType,
    DateTime From,
    DateTime To,
    TimeSpan Interval,
    long MaxDataPoints,
    JsonElement Json,
    DataSourceInstance Instance)
{
    public PluginSettings Settings => Instance.Settings;
}
