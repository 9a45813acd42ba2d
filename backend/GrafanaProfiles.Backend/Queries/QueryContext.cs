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

    /// <summary>Grafana's <c>[sql] row_limit</c> (<c>GF_SQL_ROW_LIMIT</c> in the plugin context), when it sent one.</summary>
    public int? GrafanaRowLimit { get; init; }

    /// <summary>The SQL row limit: the data source's <c>rowLimit</c> when set, else Grafana's, else the default.</summary>
    public int RowLimit => Settings.RowLimitIsSet || GrafanaRowLimit is not { } grafana ? Settings.RowLimit : grafana;
}
