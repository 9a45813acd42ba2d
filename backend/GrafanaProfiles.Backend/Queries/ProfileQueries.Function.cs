using GrafanaProfiles.Backend.Frames;
using GrafanaProfiles.Store.Query;

namespace GrafanaProfiles.Backend.Queries;

public static partial class ProfileQueries
{
    /// <summary>
    /// The self or total of one function (<c>function</c>) or of every function a pattern matches
    /// (<c>functionRegex</c>) per step, one numeric series per group-by combination: a time series
    /// Grafana alerting evaluates. With a pattern, the matching functions are summed per stack, each
    /// stack once (see <see cref="ProfileReader.FunctionSeries"/>).
    /// </summary>
    private static IReadOnlyList<DataFrame> RunFunction(QueryContext context, CancellationToken cancellationToken)
    {
        var query = ProfileQuery.Parse(context);
        var name = QueryJson.String(context.Json, "function");
        var pattern = QueryJson.String(context.Json, "functionRegex");
        var match = (name, pattern) switch
        {
            (null, null) => throw QueryFailedException.BadRequest(
                "A function query needs function (an exact name, e.g. main.handler) or functionRegex (an RE2 pattern, e.g. main\\..*)."),
            ({ }, { }) => throw QueryFailedException.BadRequest("Set either function or functionRegex, not both."),
            ({ } exact, null) => FunctionMatch.Exact(exact),
            (null, { } regex) => FunctionMatch.Regex(regex),
        };
        var kind = QueryJson.String(context.Json, "valueKind")?.ToLowerInvariant();
        var value = kind switch
        {
            null or "total" => FunctionValue.Total,
            "self" => FunctionValue.Self,
            _ => throw QueryFailedException.BadRequest($"valueKind '{kind}' is not known; use total (the default) or self."),
        };
        var series = context.Instance.Reader.FunctionSeries(query.Selection(context), match, value, Step(context), query.GroupBy,
            query.Aggregation, cancellationToken);
        return ProfileFrames.Series(context.RefId, series, value == FunctionValue.Self ? "self" : "total",
            ProfileUnits.UnitOf(query.ProfileTypeId), query.Limit);
    }
}
