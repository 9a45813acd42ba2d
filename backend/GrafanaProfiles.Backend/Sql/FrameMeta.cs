using System.Text.Json;
using System.Text.Json.Serialization;

namespace GrafanaProfiles.Backend.Sql;

/// <summary>The keys of the SDK's <c>FrameMeta</c> that SQL frames use, serialised as Grafana reads them.</summary>
internal sealed record FrameMeta
{
    private static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    public string? Type { get; init; }

    public string? PreferredVisualisationType { get; init; }

    public string? ExecutedQueryString { get; init; }

    public IReadOnlyList<Notice>? Notices { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Grafana's SQL engines' row-limit notice, word for word.</summary>
    public static Notice RowLimitNotice(int rowLimit) =>
        new("warning", $"Results have been limited to {rowLimit} because the SQL row limit was reached");
}

/// <summary>A frame notice: severity <c>info</c>, <c>warning</c> or <c>error</c>, and its text.</summary>
internal sealed record Notice(string Severity, string Text);
