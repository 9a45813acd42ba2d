using System.Text.Json;
using GrafanaProfiles.Backend.Queries;

namespace GrafanaProfiles.Backend.Sql;

/// <summary>What a SQL query's result becomes.</summary>
public enum SqlFormat
{
    /// <summary>One frame, one field per column.</summary>
    Table,

    /// <summary>A wide time series: a time field and one float64 field per value column and label set.</summary>
    TimeSeries,

    /// <summary>A flame graph from a stack column and a value column.</summary>
    FlameGraph,
}

/// <summary>The <c>sql</c> query's JSON: <c>rawSql</c>, <c>format</c>, and for flame graphs <c>profileTypeId</c>, <c>maxNodes</c>.</summary>
public sealed record SqlQueryModel(string RawSql, SqlFormat Format, string? ProfileTypeId, int MaxNodes)
{
    public static SqlQueryModel Parse(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            return new SqlQueryModel("", SqlFormat.Table, null, 0);
        }
        var rawSql = json.TryGetProperty("rawSql", out var sql) && sql.ValueKind == JsonValueKind.String ? sql.GetString() ?? "" : "";
        var format = json.TryGetProperty("format", out var f) ? ParseFormat(f) : SqlFormat.Table;
        var profileType = json.TryGetProperty("profileTypeId", out var p) && p.ValueKind == JsonValueKind.String && p.GetString() is { Length: > 0 } t ? t : null;
        var maxNodes = 0;
        if (json.TryGetProperty("maxNodes", out var m) && m.ValueKind != JsonValueKind.Null)
        {
            if (!(m.ValueKind == JsonValueKind.Number && m.TryGetInt32(out maxNodes) && maxNodes >= 0))
            {
                throw QueryFailedException.BadRequest($"maxNodes must be a whole number of nodes (0 for the default); got {m.GetRawText()}.");
            }
        }
        return new SqlQueryModel(rawSql, format, profileType, maxNodes);
    }

    /// <summary>
    /// <c>table</c>, <c>time_series</c> (also <c>timeseries</c>), <c>flamegraph</c>; the SDK's numbers
    /// 0 = time series, 1 = table. Missing or empty: table.
    /// </summary>
    public static SqlFormat ParseFormat(JsonElement format)
    {
        switch (format.ValueKind)
        {
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return SqlFormat.Table;
            case JsonValueKind.Number when format.TryGetInt32(out var n) && n is 0 or 1:
                return n == 0 ? SqlFormat.TimeSeries : SqlFormat.Table;
            case JsonValueKind.String:
                var text = format.GetString()?.Trim().ToLowerInvariant() ?? "";
                switch (text)
                {
                    case "" or "table" or "1":
                        return SqlFormat.Table;
                    case "time_series" or "timeseries" or "0":
                        return SqlFormat.TimeSeries;
                    case "flamegraph" or "flame_graph":
                        return SqlFormat.FlameGraph;
                }
                break;
        }
        throw QueryFailedException.BadRequest($"Unknown format {format.GetRawText()}; use \"table\", \"time_series\" or \"flamegraph\".");
    }
}
