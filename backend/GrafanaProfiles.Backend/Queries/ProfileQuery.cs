using System.Globalization;
using System.Text.Json;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;

namespace GrafanaProfiles.Backend.Queries;

/// <summary>
/// The builder query model, compatible with the Pyroscope data source's JSON (<c>profileTypeId</c>,
/// <c>labelSelector</c>, <c>groupBy</c>, <c>limit</c>, <c>maxNodes</c>, <c>spanSelector</c>) plus
/// <c>aggregation</c>. Defaults come from the data source settings and the reader's limits; see README.md.
/// </summary>
internal sealed record ProfileQuery
{
    public required string ProfileTypeId { get; init; }

    public required LabelSelector Selector { get; init; }

    public required IReadOnlyList<string> GroupBy { get; init; }

    /// <summary>Most series (or table rows for top and diff changes); null: no limit below the reader's.</summary>
    public int? Limit { get; init; }

    public required int MaxNodes { get; init; }

    public SeriesAggregation Aggregation { get; init; }

    /// <summary>Span ids of <c>spanSelector</c>: when not empty, only samples of these spans count.</summary>
    public IReadOnlyList<ulong> SpanIds { get; init; } = [];

    /// <summary>The selection over the dashboard's range.</summary>
    public ProfileSelection Selection(QueryContext context) =>
        new(context.Settings.Tenant, context.From, context.To, ProfileTypeId, Selector) { SpanIds = SpanIds };

    public static ProfileQuery Parse(QueryContext context)
    {
        var json = context.Json;
        var options = context.Instance.Reader.Options;
        var selector = ParseSelector(QueryJson.String(json, "labelSelector"), "labelSelector");
        return new ProfileQuery
        {
            ProfileTypeId = ResolveProfileType(QueryJson.String(json, "profileTypeId"), selector, context.Settings.DefaultProfileType, "profileTypeId"),
            Selector = selector,
            GroupBy = QueryJson.StringList(json, "groupBy"),
            Limit = ParseLimit(json, options),
            MaxNodes = ParseMaxNodes(json, options),
            Aggregation = ParseAggregation(QueryJson.String(json, "aggregation")),
            SpanIds = ParseSpanIds(json),
        };
    }

    /// <summary>Parses selector text (empty: every series); a parse error names <paramref name="key"/> and shows the caret.</summary>
    public static LabelSelector ParseSelector(string? text, string key)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return LabelSelector.Empty;
        }
        try
        {
            return LabelSelector.Parse(text);
        }
        catch (SelectorParseException e)
        {
            throw QueryFailedException.BadRequest($"{key} is not a valid selector: {e.Message}");
        }
    }

    /// <summary>
    /// The profile type a query reads: <paramref name="explicitType"/> when given, else the one in
    /// front of the selector's braces, else the data source's default. Both given and different: an error.
    /// </summary>
    public static string ResolveProfileType(string? explicitType, LabelSelector selector, string defaultType, string key)
    {
        if (explicitType is not null && selector.ProfileTypeId is { } inSelector &&
            !string.Equals(explicitType, inSelector, StringComparison.Ordinal))
        {
            throw QueryFailedException.BadRequest(
                $"{key} '{explicitType}' and the profile type in the selector, '{inSelector}', differ; the query would match nothing. Keep one of them.");
        }
        return explicitType ?? selector.ProfileTypeId ?? defaultType;
    }

    /// <summary>Span ids as OpenTelemetry and Pyroscope's SDKs write them: 16 hexadecimal digits.</summary>
    private static IReadOnlyList<ulong> ParseSpanIds(JsonElement json)
    {
        var spans = QueryJson.StringList(json, "spanSelector");
        if (spans.Count > ProfileSelection.MaxSpanIds)
        {
            throw QueryFailedException.BadRequest($"spanSelector names {spans.Count} span ids; the limit is {ProfileSelection.MaxSpanIds}.");
        }
        var ids = new List<ulong>(spans.Count);
        foreach (var span in spans)
        {
            if (span.Length != 16 || !ulong.TryParse(span, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var id))
            {
                var shown = span.Length > 40 ? span[..40] + "…" : span;
                throw QueryFailedException.BadRequest($"spanSelector: '{shown}' is not a span id; a span id is 16 hexadecimal digits, e.g. 9a3f5e0b1c2d3e4f.");
            }
            ids.Add(id);
        }
        return ids;
    }

    private static int? ParseLimit(JsonElement json, ReaderOptions options)
    {
        var limit = QueryJson.Integer(json, "limit");
        if (limit is not { } n || n <= 0)
        {
            return null;
        }
        if (n > options.MaxSeries)
        {
            throw QueryFailedException.BadRequest($"limit={n} is over the limit max_series={options.MaxSeries}; ask for at most {options.MaxSeries}.");
        }
        return (int)n;
    }

    private static int ParseMaxNodes(JsonElement json, ReaderOptions options)
    {
        var maxNodes = QueryJson.Integer(json, "maxNodes");
        if (maxNodes is not { } n || n <= 0)
        {
            return options.DefaultMaxNodes;
        }
        if (n > options.MaxNodesLimit)
        {
            throw QueryFailedException.BadRequest(
                $"maxNodes={n} is over the limit max_flamegraph_nodes={options.MaxNodesLimit}; ask for at most {options.MaxNodesLimit} nodes (the default is {options.DefaultMaxNodes}).");
        }
        return (int)Math.Max(2, n);
    }

    private static SeriesAggregation ParseAggregation(string? text) => text?.ToLowerInvariant() switch
    {
        null or "sum" => SeriesAggregation.Sum,
        "average" or "avg" => SeriesAggregation.Average,
        _ => throw QueryFailedException.BadRequest($"aggregation '{text}' is not known; use sum or average."),
    };
}
