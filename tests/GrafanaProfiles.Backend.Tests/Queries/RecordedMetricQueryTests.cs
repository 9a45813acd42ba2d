using System.Text;
using System.Text.Json;
using Apache.Arrow.Ipc;
using Google.Protobuf;
using GrafanaProfiles.Backend.Data;
using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Backend.Resources;
using GrafanaProfiles.Backend.Settings;
using GrafanaProfiles.Backend.Tests.Grpc;
using GrafanaProfiles.Schema.PluginV2;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Write;
using GrafanaProfiles.TestSupport;
using Grpc.Core;
using static GrafanaProfiles.TestSupport.Batches;

namespace GrafanaProfiles.Backend.Tests.Queries;

/// <summary>
/// The <c>recording_rule</c> query type and the <c>recordedMetrics</c> resource over metrics files the
/// real store writer wrote with its flush (an observer that records each window's total per pod and
/// 15-second step as <c>cpu_ns</c>, and memory windows as <c>alloc_bytes</c>).
/// </summary>
public sealed class RecordedMetricQueryTests : IAsyncLifetime
{
    private static readonly DateTime T0 = BaseTime;
    private WriterFixture _store = null!;
    private DataSourceInstance _instance = null!;

    /// <summary>Per window: labels service_name, pod and region; step 15 s.</summary>
    private sealed class PodTotals : IFlushObserver
    {
        public IReadOnlyList<MetricPoint> PartitionFlushing(FlushedPartition partition)
        {
            var points = new List<MetricPoint>();
            for (var w = 0; w < partition.WindowCount; w++)
            {
                var window = partition.Window(w);
                var key = partition.Series[window.SeriesIndex];
                long total = 0;
                for (var r = window.FirstRow; r < window.FirstRow + window.RowCount; r++)
                {
                    total += partition.Row(r).Value;
                }
                var labels = LabelSet.From(L("service_name", key.ServiceName, "pod", key.Labels.Get("pod") ?? "", "region", key.Labels.Get("region") ?? ""));
                var step = new DateTime(window.Time.Ticks - (window.Time.Ticks % (15 * TimeSpan.TicksPerSecond)), DateTimeKind.Utc);
                points.Add(new MetricPoint(key.ProfileType == Cpu ? "cpu_ns" : "alloc_bytes", key.ProfileType, labels, step, TimeSpan.FromSeconds(15), total, 1));
            }
            return points;
        }

        public void FlushCommitted(IReadOnlyList<FlushedMetrics> metrics)
        {
        }
    }

    public async Task InitializeAsync()
    {
        _store = await WriterFixture.StartAsync(o => o with { FlushObserver = new PodTotals() });
        await WriteAsync(_store.Writer);
        _instance = Instance(_store.DataDirectory);
    }

    private static async Task WriteAsync(ProfileWriter writer)
    {
        await writer.AppendAsync("default", Folded(T0, "api", L("pod", "a", "region", "eu"), Cpu, ("main;work", 10), ("main;idle", 2)));
        await writer.AppendAsync("default", Folded(T0.AddSeconds(5), "api", L("pod", "a", "region", "eu"), Cpu, ("main;work", 4)));
        await writer.AppendAsync("default", Folded(T0.AddSeconds(30), "api", L("pod", "b", "region", "eu"), Cpu, ("main;work", 20)));
        await writer.AppendAsync("default", Folded(T0.AddSeconds(30), "api", L("pod", "c", "region", "us"), Cpu, ("main;work", 7)));
        await writer.AppendAsync("default", Folded(T0, "api", L("pod", "a", "region", "eu"), AllocSpace, ("main;alloc", 1024)));
        await writer.FlushAsync();
    }

    private static DataSourceInstance Instance(string dataDirectory) =>
        new("uid", 1, PluginSettings.Parse(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { dataDirectory }))));

    public async Task DisposeAsync()
    {
        _instance.Dispose();
        await _store.DisposeAsync();
    }

    /// <summary>Runs the query as the plugin does: through the router, by query type.</summary>
    private QueryResult Run(string json, TimeSpan? interval = null)
    {
        using var document = JsonDocument.Parse(json);
        var context = new QueryContext("A", RecordedMetricQueries.Type, T0.AddHours(-1), T0.AddHours(1), interval ?? TimeSpan.FromSeconds(15),
            1000, document.RootElement.Clone(), _instance);
        return QueryTypes.Router().For(RecordedMetricQueries.Type)(context, CancellationToken.None);
    }

    private static long Nanos(DateTime t) => (t - DateTime.UnixEpoch).Ticks * 100;

    [Fact]
    public void RecordingRule_OneFramePerRecordedSeries_NamedByTheMetric_WithItsLabelsAndUnit()
    {
        var result = Run("""{"metricName":"cpu_ns"}""");

        Assert.Equal(200, result.Status);
        Assert.Equal(3, result.Frames.Count);
        var a = result.Frames[0];
        Assert.Equal(ProfileFrames.SeriesName, a.Name);
        Assert.Equal(ProfileFrames.SeriesMeta, a.MetaJson);
        Assert.Equal(["time", "cpu_ns"], a.Fields.Select(f => f.Name));
        Assert.Equal(new Dictionary<string, string> { ["pod"] = "a", ["region"] = "eu", ["service_name"] = "api" }, a.Fields[1].Labels);
        Assert.Equal("""{"unit":"ns"}""", a.Fields[1].ConfigJson);
        Assert.Equal([Nanos(T0)], a.Field("time").Values<long>());
        Assert.Equal([16.0], a.Field("cpu_ns").Values<double>());
        Assert.Equal([20.0], result.Frames[1].Field("cpu_ns").Values<double>());
        Assert.Equal([7.0], result.Frames[2].Field("cpu_ns").Values<double>());
    }

    [Fact]
    public void RecordingRule_SelectorGroupByAggregationAndLimit()
    {
        var eu = Assert.Single(Run("""{"metricName":"cpu_ns","labelSelector":"{region=\"eu\"}","groupBy":["region"],"aggregation":"average"}""",
            TimeSpan.FromMinutes(1)).Frames);
        Assert.Equal(new Dictionary<string, string> { ["region"] = "eu" }, eu.Fields[1].Labels);
        // One minute: a's two windows (16) and b's (20), averaged per profile window.
        Assert.Equal([12.0], eu.Field("cpu_ns").Values<double>());

        var largest = Assert.Single(Run("""{"metricName":"cpu_ns","limit":1}""").Frames);
        Assert.Equal("b", largest.Fields[1].Labels!["pod"]);
        Assert.Equal("""{"unit":"bytes"}""", Assert.Single(Run("""{"metricName":"alloc_bytes"}""").Frames).Fields[1].ConfigJson);
    }

    [Fact]
    public void RecordingRule_UnknownMetric_NoFrames_BadQueries_Downstream400()
    {
        Assert.Empty(Run("""{"metricName":"nothing_recorded"}""").Frames);

        foreach (var (json, message) in new[]
        {
            ("""{}""", "needs metricName"),
            ("""{"metricName":"cpu_ns","labelSelector":"{pod="}""", "labelSelector is not a valid selector"),
            ("""{"metricName":"cpu_ns","aggregation":"p99"}""", "aggregation 'p99' is not known"),
            ("""{"metricName":"cpu_ns","groupBy":["bad-label"]}""", "'bad-label'"),
            ("""{"metricName":"cpu_ns","limit":100000}""", "max_series=1000"),
        })
        {
            var result = Run(json);
            Assert.True(result.Status == 400, $"{json}: {result.Status} {result.Error}");
            Assert.Equal(ErrorSource.Downstream, result.Source);
            Assert.Contains(message, result.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void RecordedMetricsResource_ListsNamesProfileTypesAndLabels()
    {
        var request = new ResourceRequest("recordedMetrics", "GET", "recordedMetrics?from=" +
            new DateTimeOffset(T0.AddHours(-1)).ToUnixTimeMilliseconds() + "&to=" + new DateTimeOffset(T0.AddHours(1)).ToUnixTimeMilliseconds(),
            ReadOnlyMemory<byte>.Empty, T0);

        var response = RecordedMetricResources.RecordedMetrics(request, _instance, CancellationToken.None);

        Assert.Equal(200, response.Code);
        Assert.Equal($$"""
            [{"name":"alloc_bytes","profileType":"{{AllocSpace}}","labels":["pod","region","service_name"]},{"name":"cpu_ns","profileType":"{{Cpu}}","labels":["pod","region","service_name"]}]
            """, Encoding.UTF8.GetString(response.Body.Span));
    }

    [Fact]
    public async Task RecordingRule_OverThePluginsGrpc_AnsweredByTheExecutablesRouter()
    {
        await using var plugin = await InProcessPlugin.StartAsync();
        await using (var writer = await ProfileWriter.OpenAsync(new StoreOptions
        {
            DataDirectory = plugin.DataDirectory,
            WriterId = "grpc",
            FlushInterval = TimeSpan.FromHours(1),
            FlushObserver = new PodTotals(),
        }))
        {
            await WriteAsync(writer);
        }
        var request = new QueryDataRequest
        {
            PluginContext = plugin.Context(),
            Queries =
            {
                new DataQuery
                {
                    RefId = "R",
                    QueryType = RecordedMetricQueries.Type,
                    Json = ByteString.CopyFromUtf8("""{"metricName":"cpu_ns","groupBy":["region"]}"""),
                    TimeRange = new TimeRange
                    {
                        FromEpochMS = new DateTimeOffset(T0.AddHours(-1)).ToUnixTimeMilliseconds(),
                        ToEpochMS = new DateTimeOffset(T0.AddHours(1)).ToUnixTimeMilliseconds(),
                    },
                    IntervalMS = 60_000,
                },
            },
        };

        var response = await plugin.Calls.AsyncUnaryCall(InProcessPlugin.Unary<QueryDataRequest, QueryDataResponse>("pluginv2.Data", "QueryData"),
            null, new CallOptions(), request).ResponseAsync;

        var answer = response.Responses["R"];
        Assert.True(answer.Status == 200, answer.Error);
        var regions = new List<string>();
        foreach (var frame in answer.Frames)
        {
            using var reader = new ArrowFileReader(new MemoryStream(frame.ToByteArray()));
            var schema = reader.Schema;
            var value = schema.FieldsList[1];
            Assert.Equal("cpu_ns", value.Name);
            regions.Add(JsonDocument.Parse(value.Metadata["labels"]).RootElement.GetProperty("region").GetString()!);
        }
        Assert.Equal(["eu", "us"], regions);
    }
}
