using System.Text.Json;
using GrafanaProfiles.Backend.Frames;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;

namespace GrafanaProfiles.Backend.Queries;

/// <summary>
/// Runs the builder query types — <c>profile</c>, <c>metrics</c>, <c>both</c> (as the Pyroscope data
/// source answers them), <c>diff</c>, <c>top</c> and <c>function</c> — against the data source's store
/// reader. A query's failure is its own: every error becomes a <see cref="QueryResult"/> with a status,
/// a source and a message that says what to change. Query model and frames: README.md.
/// </summary>
public static partial class ProfileQueries
{
    public const string Profile = "profile";
    public const string Metrics = "metrics";
    public const string Both = "both";
    public const string Diff = "diff";
    public const string TopType = "top";
    public const string Function = "function";

    /// <summary>The query types this class answers, in the order error messages list them.</summary>
    public static IReadOnlyList<string> KnownTypes { get; } = [Profile, Metrics, Both, Diff, TopType, Function];

    /// <summary>
    /// The query type: the request's <c>queryType</c>, else the JSON's, else <c>profile</c>. The names
    /// of the project's first design (<c>flamegraph</c>, <c>timeseries</c>) are read as <c>profile</c>
    /// and <c>metrics</c>.
    /// </summary>
    public static string QueryTypeOf(QueryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var type = context.QueryType;
        if (string.IsNullOrWhiteSpace(type))
        {
            type = context.Json.ValueKind == JsonValueKind.Object &&
                   context.Json.TryGetProperty("queryType", out var t) && t.ValueKind == JsonValueKind.String
                ? t.GetString()
                : null;
        }
        type = string.IsNullOrWhiteSpace(type) ? Profile : type.Trim().ToLowerInvariant();
        return type switch
        {
            "flamegraph" => Profile,
            "timeseries" => Metrics,
            _ => type,
        };
    }

    /// <summary>Runs one query. Never throws for a bad or failing query; only cancellation of the request propagates.</summary>
    public static QueryResult Run(QueryContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var type = QueryTypeOf(context);
        try
        {
            var frames = type switch
            {
                Profile => RunProfile(context, cancellationToken),
                Metrics => RunMetrics(context, cancellationToken),
                Both => RunBoth(context, cancellationToken),
                Diff => RunDiff(context, cancellationToken),
                TopType => RunTop(context, cancellationToken),
                Function => RunFunction(context, cancellationToken),
                _ => throw QueryFailedException.BadRequest(
                    $"Unknown queryType '{type}'; use one of {string.Join(", ", KnownTypes)} (or sql for SQL queries, recording_rule for metrics from recording rules)."),
            };
            return new QueryResult(frames);
        }
        catch (QueryFailedException e)
        {
            return QueryResult.Failed(e.Status, e.ErrorSource, e.Message, e.Frames);
        }
        catch (SelectorParseException e)
        {
            return QueryResult.Failed(400, ErrorSource.Downstream, "The selector is not valid: " + e.Message);
        }
        catch (QueryException e)
        {
            return QueryResult.Failed(400, ErrorSource.Downstream, e.Message);
        }
        catch (QueryTimeoutException)
        {
            return QueryResult.Failed(504, ErrorSource.Downstream,
                $"The {type} query ran longer than the data source's queryTimeout ({Describe(context.Settings.QueryTimeout)}) and was stopped. " +
                "Narrow the time range or the selector, or raise queryTimeout in the data source settings.");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // One query's failure must not fail the request; it becomes this query's error.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return QueryResult.Failed(500, ErrorSource.Plugin,
                $"The {type} query failed inside the plugin ({e.GetType().Name}: {e.Message}). This is a fault of the plugin, not of the query; please report it.");
        }
    }

    private static IReadOnlyList<DataFrame> RunProfile(QueryContext context, CancellationToken cancellationToken)
    {
        var query = ProfileQuery.Parse(context);
        var graph = context.Instance.Reader.FlameGraph(query.Selection(context), query.MaxNodes, cancellationToken);
        return [ProfileFrames.FlameGraph(context.RefId, graph, ProfileUnits.UnitOf(query.ProfileTypeId))];
    }

    private static IReadOnlyList<DataFrame> RunMetrics(QueryContext context, CancellationToken cancellationToken)
    {
        var query = ProfileQuery.Parse(context);
        return SeriesFrames(context, query, cancellationToken);
    }

    private static IReadOnlyList<DataFrame> RunBoth(QueryContext context, CancellationToken cancellationToken)
    {
        var query = ProfileQuery.Parse(context);
        var frames = SeriesFrames(context, query, cancellationToken).ToList();
        var graph = context.Instance.Reader.FlameGraph(query.Selection(context), query.MaxNodes, cancellationToken);
        frames.Add(ProfileFrames.FlameGraph(context.RefId, graph, ProfileUnits.UnitOf(query.ProfileTypeId)));
        return frames;
    }

    private static IReadOnlyList<DataFrame> SeriesFrames(QueryContext context, ProfileQuery query, CancellationToken cancellationToken)
    {
        var reader = context.Instance.Reader;
        var series = reader.Series(query.Selection(context), Step(context), query.GroupBy, query.Aggregation, query.Limit, cancellationToken);
        return ProfileFrames.Series(context.RefId, series, ProfileUnits.SampleTypeOf(query.ProfileTypeId),
            ProfileUnits.UnitOf(query.ProfileTypeId), query.Limit);
    }

    private static IReadOnlyList<DataFrame> RunTop(QueryContext context, CancellationToken cancellationToken)
    {
        var query = ProfileQuery.Parse(context);
        var top = context.Instance.Reader.Top(query.Selection(context), cancellationToken);
        return [ProfileFrames.Top(context.RefId, top, ProfileUnits.UnitOf(query.ProfileTypeId), query.Limit)];
    }

    /// <summary>
    /// The series step: the dashboard's interval, at least the data source's minStep, widened by the
    /// reader so the range fits its point limit.
    /// </summary>
    internal static TimeSpan Step(QueryContext context)
    {
        var requested = context.Interval > context.Settings.MinStep ? context.Interval : context.Settings.MinStep;
        return context.Instance.Reader.EffectiveStep(requested, context.From, context.To);
    }

    private static string Describe(TimeSpan duration) =>
        duration.TotalSeconds >= 1 ? $"{duration.TotalSeconds:0.###}s" : $"{duration.TotalMilliseconds:0}ms";
}
