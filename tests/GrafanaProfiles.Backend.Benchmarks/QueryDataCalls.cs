using System.Text.Json;
using Google.Protobuf;
using GrafanaProfiles.Schema.PluginV2;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Backend.Benchmarks;

/// <summary>One query as Grafana sends it in a QueryData call, and the call through the real plugin process.</summary>
internal static class QueryDataCalls
{
    /// <summary>A request of one query (refId <c>A</c>, 1,500 data points at most) over [from, to).</summary>
    public static QueryDataRequest Request(PluginContext context, string queryType, object json, DateTime from, DateTime to, long intervalMs) => new()
    {
        PluginContext = context,
        Queries =
        {
            new DataQuery
            {
                RefId = "A",
                QueryType = queryType,
                Json = ByteString.CopyFromUtf8(JsonSerializer.Serialize(json)),
                IntervalMS = intervalMs,
                MaxDataPoints = 1500,
                TimeRange = new TimeRange { FromEpochMS = new DateTimeOffset(from).ToUnixTimeMilliseconds(), ToEpochMS = new DateTimeOffset(to).ToUnixTimeMilliseconds() },
            },
        },
    };

    /// <summary>The frames of query <c>A</c>; anything but status 200 fails the benchmark, naming <paramref name="name"/>.</summary>
    public static List<ByteString> Frames(PluginProcess plugin, QueryDataRequest request, string name)
    {
        var result = plugin.Client.CallAsync("/pluginv2.Data/QueryData", request, QueryDataResponse.Parser).GetAwaiter().GetResult();
        var answer = result.Single.Responses["A"];
        if (result.Status != 0 || answer.Status != 200)
        {
            throw new InvalidOperationException($"{name}: {result.Message} {answer.Error}");
        }
        return [.. answer.Frames];
    }
}
