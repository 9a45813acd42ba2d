using System.Text.Json;
using GrafanaProfiles.Backend.Frames;
using GrafanaProfiles.Store.Query;

namespace GrafanaProfiles.Backend.Queries;

public static partial class ProfileQueries
{
    /// <summary>
    /// Two selections as one diff flame graph (<c>valueRight</c>/<c>selfRight</c>) and the
    /// <c>changes</c> table, regressions first. Each side (<c>left</c>, <c>right</c>) may set its own
    /// <c>labelSelector</c>, <c>profileTypeId</c>, <c>from</c>/<c>to</c> and <c>timeShift</c>; what it
    /// leaves out comes from the query's top level and the dashboard's range.
    /// </summary>
    private static IReadOnlyList<DataFrame> RunDiff(QueryContext context, CancellationToken cancellationToken)
    {
        var query = ProfileQuery.Parse(context);
        var leftJson = QueryJson.Object(context.Json, "left");
        var rightJson = QueryJson.Object(context.Json, "right");
        if (leftJson is null && rightJson is null)
        {
            throw QueryFailedException.BadRequest(
                "A diff compares two selections: set left and/or right, e.g. \"left\":{\"labelSelector\":\"{version=\\\"v1\\\"}\"},\"right\":{\"labelSelector\":\"{version=\\\"v2\\\"}\"}, or \"left\":{\"timeShift\":\"1d\"}.");
        }
        var left = Side(context, leftJson, "left") with { SpanIds = query.SpanIds };
        var right = Side(context, rightJson, "right") with { SpanIds = query.SpanIds };
        if (!string.Equals(left.ProfileTypeId, right.ProfileTypeId, StringComparison.Ordinal))
        {
            throw QueryFailedException.BadRequest(
                $"Both sides of a diff must have one profile type; left has {left.ProfileTypeId} and right has {right.ProfileTypeId}.");
        }
        var (graph, top) = context.Instance.Reader.Diff(left, right, query.MaxNodes, cancellationToken);
        var unit = ProfileUnits.UnitOf(left.ProfileTypeId);
        return
        [
            ProfileFrames.FlameGraph(context.RefId, graph, unit),
            ProfileFrames.Changes(context.RefId, top, unit, query.Limit),
        ];
    }

    /// <summary>One side's selection: its own values over the top level's, then the dashboard's range, shifted back by timeShift.</summary>
    private static ProfileSelection Side(QueryContext context, JsonElement? side, string name)
    {
        var json = context.Json;
        var own = side ?? default;
        var selectorKey = QueryJson.String(own, "labelSelector") is not null ? $"{name}.labelSelector" : "labelSelector";
        var selector = ProfileQuery.ParseSelector(QueryJson.String(own, "labelSelector") ?? QueryJson.String(json, "labelSelector"), selectorKey);
        var profileType = ProfileQuery.ResolveProfileType(
            QueryJson.String(own, "profileTypeId") ?? QueryJson.String(json, "profileTypeId"), selector, context.Settings.DefaultProfileType,
            $"{name}.profileTypeId");
        var from = QueryJson.Instant(own, "from") ?? context.From;
        var to = QueryJson.Instant(own, "to") ?? context.To;
        if (QueryJson.Duration(own, "timeShift") is { } shift)
        {
            if (shift > from - DateTime.UnixEpoch)
            {
                throw QueryFailedException.BadRequest($"{name}.timeShift shifts the range before 1970; use a shorter shift.");
            }
            from -= shift;
            to -= shift;
        }
        if (from >= to)
        {
            throw QueryFailedException.BadRequest($"The {name} side's range is empty: from ({from:O}) must be before to ({to:O}).");
        }
        return new ProfileSelection(context.Settings.Tenant, from, to, profileType, selector);
    }
}
