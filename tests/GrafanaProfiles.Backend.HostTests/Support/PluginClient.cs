using System.Text;
using System.Text.Json;
using Google.Protobuf;
using GrafanaProfiles.Schema.PluginV2;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Backend.HostTests.Support;

/// <summary>The calls Grafana makes to a data source plugin, with a data source's settings in the plugin context.</summary>
public sealed class PluginClient(GrpcClient grpc, string uid, object jsonData, long lastUpdatedMs = 1)
{
    public GrpcClient Grpc => grpc;

    public PluginContext Context() => new()
    {
        OrgId = 1,
        PluginId = "grafana-profiles-datasource",
        PluginVersion = "0.1.0",
        User = new User { Login = "admin", Role = "Admin" },
        GrafanaConfig = { ["GF_CONCURRENT_QUERY_COUNT"] = "4", ["GF_SQL_ROW_LIMIT"] = "1000000" },
        DataSourceInstanceSettings = new DataSourceInstanceSettings
        {
            Id = 7,
            Uid = uid,
            Name = "Profiles " + uid,
            JsonData = ByteString.CopyFromUtf8(JsonSerializer.Serialize(jsonData)),
            LastUpdatedMS = lastUpdatedMs,
        },
    };

    public static DataQuery Query(string refId, string queryType, object json, DateTime from, DateTime to, long intervalMs = 60_000) => new()
    {
        RefId = refId,
        QueryType = queryType,
        Json = ByteString.CopyFromUtf8(JsonSerializer.Serialize(json)),
        IntervalMS = intervalMs,
        MaxDataPoints = 1000,
        TimeRange = new TimeRange
        {
            FromEpochMS = new DateTimeOffset(from).ToUnixTimeMilliseconds(),
            ToEpochMS = new DateTimeOffset(to).ToUnixTimeMilliseconds(),
        },
    };

    public async Task<QueryDataResponse> QueryDataAsync(params DataQuery[] queries)
    {
        var request = new QueryDataRequest { PluginContext = Context(), Queries = { queries } };
        var result = await grpc.CallAsync("/pluginv2.Data/QueryData", request, QueryDataResponse.Parser);
        Assert.True(result.Status == 0, $"QueryData failed with gRPC status {result.Status}: {result.Message}");
        return result.Single;
    }

    /// <summary>One query's response, asserted successful, with its frames decoded by apache-arrow.</summary>
    public async Task<IReadOnlyList<DecodedFrame>> FramesAsync(DataQuery query)
    {
        var response = (await QueryDataAsync(query)).Responses[query.RefId];
        Assert.True(response.Status == 200 && response.Error.Length == 0, $"Query {query.RefId} failed: {response.Status} {response.ErrorSource}: {response.Error}");
        return ArrowFrames.Decode(response.Frames);
    }

    public async Task<CheckHealthResponse> CheckHealthAsync()
    {
        var result = await grpc.CallAsync("/pluginv2.Diagnostics/CheckHealth", new CheckHealthRequest { PluginContext = Context() }, CheckHealthResponse.Parser);
        Assert.Equal(0, result.Status);
        return result.Single;
    }

    public async Task<string> CollectMetricsAsync()
    {
        var result = await grpc.CallAsync("/pluginv2.Diagnostics/CollectMetrics", new CollectMetricsRequest { PluginContext = Context() }, CollectMetricsResponse.Parser);
        Assert.Equal(0, result.Status);
        return result.Single.Metrics.Prometheus.ToStringUtf8();
    }

    /// <summary>A resource call as Grafana forwards it: status and headers of the first message, bodies concatenated.</summary>
    public async Task<(int Code, IReadOnlyDictionary<string, string> Headers, byte[] Body, int Messages)> ResourceAsync(string pathAndQuery, string method = "GET", string? body = null)
    {
        var path = pathAndQuery.Split('?')[0];
        var request = new CallResourceRequest
        {
            PluginContext = Context(),
            Path = path,
            Method = method,
            Url = pathAndQuery,
            Body = body is null ? ByteString.Empty : ByteString.CopyFromUtf8(body),
        };
        var result = await grpc.CallAsync("/pluginv2.Resource/CallResource", request, CallResourceResponse.Parser);
        Assert.Equal(0, result.Status);
        Assert.NotEmpty(result.Messages);
        var first = result.Messages[0];
        var headers = first.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value.Values), StringComparer.OrdinalIgnoreCase);
        var bytes = result.Messages.SelectMany(m => m.Body.ToByteArray()).ToArray();
        return (first.Code, headers, bytes, result.Messages.Count);
    }

    public async Task<JsonElement> ResourceJsonAsync(string pathAndQuery)
    {
        var (code, _, body, _) = await ResourceAsync(pathAndQuery);
        Assert.True(code == 200, $"{pathAndQuery} answered {code}: {Encoding.UTF8.GetString(body)}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
