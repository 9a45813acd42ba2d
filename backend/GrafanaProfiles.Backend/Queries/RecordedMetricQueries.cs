using GrafanaProfiles.Backend.Frames;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;

namespace GrafanaProfiles.Backend.Queries;

/// <summary>
/// The <c>recording_rule</c> query type ("Metrics from rules"): the series a collector's recording
/// rule wrote into the store's metrics files, as time series frames with the rule's labels — the
/// same frames as the <c>metrics</c> type, so dashboards and alert rules read them alike, and
/// cheap: the profiles were summed when they were flushed. See README.md.
/// </summary>
public static class RecordedMetricQueries
{
    public const string Type = "recording_rule";

    /// <summary>Runs one query. Never throws for a bad or failing query; only cancellation of the request propagates.</summary>
    public static QueryResult Run(QueryContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            return new QueryResult(Frames(context, cancellationToken));
        }
        catch (QueryFailedException e)
        {
            return QueryResult.Failed(e.Status, e.ErrorSource, e.Message, e.Frames);
        }
        catch (QueryException e)
        {
            return QueryResult.Failed(400, ErrorSource.Downstream, e.Message);
        }
        catch (QueryTimeoutException)
        {
            return QueryResult.Failed(504, ErrorSource.Downstream,
                $"The {Type} query ran longer than the data source's queryTimeout ({context.Settings.QueryTimeout.TotalSeconds:0.###}s) and was stopped. " +
                "Narrow the time range or the label selector, or raise queryTimeout in the data source settings.");
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
                $"The {Type} query failed inside the plugin ({e.GetType().Name}: {e.Message}). This is a fault of the plugin, not of the query; please report it.");
        }
    }

    private static IReadOnlyList<DataFrame> Frames(QueryContext context, CancellationToken cancellationToken)
    {
        var json = context.Json;
        var metric = QueryJson.String(json, "metricName")
            ?? throw QueryFailedException.BadRequest(
                "A recording_rule query needs metricName: the metric_name of one of the collector's recording rules (the editor lists those recorded in the range).");
        var selector = ProfileQuery.ParseSelector(QueryJson.String(json, "labelSelector"), "labelSelector");
        var groupBy = QueryJson.StringList(json, "groupBy");
        var aggregation = QueryJson.String(json, "aggregation")?.ToLowerInvariant() switch
        {
            null or "sum" => SeriesAggregation.Sum,
            "average" or "avg" => SeriesAggregation.Average,
            var other => throw QueryFailedException.BadRequest($"aggregation '{other}' is not known; use sum or average (per profile)."),
        };
        var reader = context.Instance.Reader;
        var limit = QueryJson.Integer(json, "limit") switch
        {
            null or <= 0 => (int?)null,
            var n when n > reader.Options.MaxSeries => throw QueryFailedException.BadRequest(
                $"limit={n} is over the limit max_series={reader.Options.MaxSeries}; ask for at most {reader.Options.MaxSeries}."),
            var n => (int)n,
        };
        var tenant = context.Settings.Tenant;
        var recorded = reader.RecordedMetrics(tenant, context.From, context.To, cancellationToken).FirstOrDefault(m => m.Name == metric);
        if (recorded is null)
        {
            return [];
        }
        var query = new RecordedSeriesQuery(tenant, context.From, context.To, metric) { Selector = selector, GroupBy = groupBy, Aggregation = aggregation };
        var series = reader.RecordedSeries(query, context.Interval, cancellationToken);
        return ProfileFrames.Series(context.RefId, series, metric, ProfileUnits.UnitOf(recorded.ProfileType), limit);
    }
}
