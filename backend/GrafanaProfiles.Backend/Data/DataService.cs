using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using GrafanaProfiles.Backend.Diagnostics;
using GrafanaProfiles.Backend.Frames;
using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Backend.Settings;
using GrafanaProfiles.Schema.PluginV2;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Backend.Data;

/// <summary>
/// <c>pluginv2.Data</c>: runs the queries of a request side by side, each to its own
/// <c>DataResponse</c> (a failing query never fails its neighbours), frames encoded as Arrow IPC files.
/// </summary>
public sealed class DataService(InstanceManager instances, QueryRouter router, PluginMetrics metrics, PluginEnvironment environment, ILogger logger)
    : GrafanaProfiles.Schema.PluginV2.Data.DataBase
{
    /// <summary>The query type when neither the request nor the query JSON names one (as the Pyroscope data source).</summary>
    public const string DefaultQueryType = "profile";

    public override async Task<QueryDataResponse> QueryData(QueryDataRequest request, ServerCallContext context)
    {
        var results = await RunAllAsync(request.PluginContext, request.Queries, context.CancellationToken);
        var response = new QueryDataResponse();
        foreach (var (refId, result) in results)
        {
            response.Responses[refId] = ToDataResponse(result);
        }
        return response;
    }

    /// <summary><c>QueryChunkedData</c>: the same answers, one message per frame (or per failed query).</summary>
    public override async Task QueryChunkedData(QueryChunkedDataRequest request, IServerStreamWriter<QueryChunkedDataResponse> responseStream, ServerCallContext context)
    {
        var results = await RunAllAsync(request.PluginContext, request.Queries, context.CancellationToken);
        foreach (var (refId, result) in results)
        {
            var frames = result.Result.Frames;
            if (frames.Count == 0 || result.Result.Error is not null)
            {
                await responseStream.WriteAsync(new QueryChunkedDataResponse
                {
                    RefId = refId,
                    Status = result.Result.Status,
                    Error = result.Result.Error ?? "",
                    ErrorSource = result.Result.Error is null ? "" : SourceText(result.Result.Source),
                    Format = DataFrameFormat.Arrow,
                });
            }
            for (int i = 0; i < result.Encoded.Count; i++)
            {
                await responseStream.WriteAsync(new QueryChunkedDataResponse
                {
                    RefId = refId,
                    FrameId = i.ToString(CultureInfo.InvariantCulture),
                    Frame = ByteString.CopyFrom(result.Encoded[i]),
                    Status = result.Result.Status,
                    Format = DataFrameFormat.Arrow,
                });
            }
        }
    }

    private async Task<List<(string RefId, Answer Answer)>> RunAllAsync(PluginContext context, IList<DataQuery> queries,
        CancellationToken cancellationToken)
    {
        var answers = new Answer[queries.Count];
        InstanceManager.Lease lease;
        try
        {
            lease = instances.Acquire(context);
        }
        catch (SettingsException e)
        {
            // Every query of the request fails the same way: the data source is misconfigured.
            var failed = new Answer(QueryResult.Failed(400, ErrorSource.Downstream, $"Data source settings: {e.Message}"), []);
            return queries.Select(q => (q.RefId, failed)).ToList();
        }
        // Grafana's [sql] row_limit, which its own SQL data sources honour.
        int? grafanaRowLimit = context.GrafanaConfig.TryGetValue("GF_SQL_ROW_LIMIT", out var rowLimitText) &&
            int.TryParse(rowLimitText, NumberStyles.None, CultureInfo.InvariantCulture, out var rowLimit) && rowLimit is > 0 and <= PluginSettings.MaxRowLimit
            ? rowLimit
            : null;
        using (lease)
        {
            int parallelism = environment.MaxConcurrentQueries
                ?? (context.GrafanaConfig.TryGetValue("GF_CONCURRENT_QUERY_COUNT", out var text) &&
                    int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : Environment.ProcessorCount);
            await Parallel.ForEachAsync(Enumerable.Range(0, queries.Count),
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = cancellationToken },
                (i, token) =>
                {
                    answers[i] = RunOne(queries[i], lease.Instance, grafanaRowLimit, token);
                    return ValueTask.CompletedTask;
                });
        }
        return queries.Select((q, i) => (q.RefId, answers[i])).ToList();
    }

    private Answer RunOne(DataQuery query, DataSourceInstance instance, int? grafanaRowLimit, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        string type = DefaultQueryType;
        QueryResult result;
        try
        {
            using var json = ParseJson(query.Json);
            type = QueryTypeOf(query, json.RootElement);
            var context = ContextOf(query, type, json.RootElement, instance) with { GrafanaRowLimit = grafanaRowLimit };
            result = router.For(type)(context, cancellationToken);
        }
        catch (QueryFailedException e)
        {
            result = QueryResult.Failed(e.Status, e.ErrorSource, e.Message, e.Frames);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            result = QueryResult.Failed(499, ErrorSource.Downstream, "The query was cancelled.");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogError(e, "Query {RefId} of type {QueryType} failed", query.RefId, type);
            result = QueryResult.Failed(500, ErrorSource.Plugin, $"The plugin failed to answer this query ({e.GetType().Name}: {e.Message}).");
        }

        var encoded = new List<byte[]>(result.Frames.Count);
        long bytes = 0;
        foreach (var frame in result.Frames)
        {
            var withRefId = frame.RefId.Length > 0 ? frame : new DataFrame(frame.Name, query.RefId, frame.Fields, frame.MetaJson);
            var arrow = ArrowFileWriter.Write(withRefId);
            bytes += arrow.Length;
            encoded.Add(arrow);
        }
        metrics.Query(type, result.Status, Stopwatch.GetElapsedTime(started), bytes);
        return new Answer(result, encoded);
    }

    private static JsonDocument ParseJson(ByteString json)
    {
        try
        {
            return json.IsEmpty ? JsonDocument.Parse("{}") : JsonDocument.Parse(json.Memory);
        }
        catch (JsonException e)
        {
            throw QueryFailedException.BadRequest($"The query is not valid JSON: {e.Message}");
        }
    }

    private static string QueryTypeOf(DataQuery query, JsonElement json)
    {
        if (query.QueryType.Length > 0)
        {
            return query.QueryType;
        }
        return json.ValueKind == JsonValueKind.Object && json.TryGetProperty("queryType", out var type) &&
               type.ValueKind == JsonValueKind.String && type.GetString() is { Length: > 0 } text
            ? text
            : DefaultQueryType;
    }

    private static QueryContext ContextOf(DataQuery query, string type, JsonElement json, DataSourceInstance instance)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            throw QueryFailedException.BadRequest("The query must be a JSON object.");
        }
        var range = query.TimeRange ?? throw QueryFailedException.BadRequest("The query has no time range.");
        if (range.ToEpochMS <= range.FromEpochMS)
        {
            throw QueryFailedException.BadRequest($"The time range is empty or reversed (from {range.FromEpochMS} ms, to {range.ToEpochMS} ms).");
        }
        var from = DateTime.UnixEpoch.AddMilliseconds(range.FromEpochMS);
        var to = DateTime.UnixEpoch.AddMilliseconds(range.ToEpochMS);
        var interval = query.IntervalMS > 0
            ? TimeSpan.FromMilliseconds(query.IntervalMS)
            : TimeSpan.FromMilliseconds(Math.Max(1, (range.ToEpochMS - range.FromEpochMS) / Math.Max(1, query.MaxDataPoints > 0 ? query.MaxDataPoints : 1000)));
        return new QueryContext(query.RefId, type, from, to, interval, query.MaxDataPoints, json.Clone(), instance);
    }

    private static DataResponse ToDataResponse(Answer answer)
    {
        var result = answer.Result;
        var response = new DataResponse { Status = result.Status, Format = DataFrameFormat.Arrow };
        foreach (var frame in answer.Encoded)
        {
            response.Frames.Add(ByteString.CopyFrom(frame));
        }
        if (result.Error is not null)
        {
            response.Error = result.Error;
            response.ErrorSource = SourceText(result.Source);
        }
        return response;
    }

    private static string SourceText(ErrorSource source) => source == ErrorSource.Downstream ? "downstream" : "plugin";

    private sealed record Answer(QueryResult Result, IReadOnlyList<byte[]> Encoded);
}
