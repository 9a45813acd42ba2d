using System.Collections.Concurrent;
using GrafanaProfiles.Collector.Rules;
using GrafanaProfiles.Collector.Rules.RemoteWrite;
using GrafanaProfiles.Collector.Tests.Scrape.Support;
using GrafanaProfiles.Store.Model;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrafanaProfiles.Collector.Tests.Rules;

/// <summary>
/// The sender against a local receiver whose answers the test decides: the faults a real Prometheus
/// does not produce on demand (503, 400). The happy path against a real Prometheus is in
/// <see cref="RecordingRulesServiceTests"/>.
/// </summary>
public sealed class RemoteWriteSenderTests
{
    private static readonly DateTime T0 = new(2026, 11, 22, 10, 0, 0, DateTimeKind.Utc);

    private sealed record Received(int Number, Dictionary<string, string> Headers, byte[] Body);

    private static (RemoteWriteSender Sender, RemoteWriteQueue Queue) Sender(string address, int perSend = 10, int capacity = 100)
    {
        var set = RecordingRulesConfigTests.Resolve($$"""
            { "recording_rules": { "rules": [ { "metric_name": "cpu_ns", "profile_type": "process_cpu:cpu:nanoseconds:cpu:nanoseconds" } ],
              "remote_write": { "url": "http://{{address}}/api/v1/write", "max_samples_per_send": {{perSend}}, "max_queue_samples": {{capacity}},
                                "min_backoff": "00:00:00.010", "max_backoff": "00:00:00.050",
                                "basic_auth": { "username": "writer", "password": "secret" }, "headers": { "X-Scope-OrgID": "profiles" } } } }
            """);
        var queue = new RemoteWriteQueue(set.RemoteWrite!.MaxQueueSamples);
        return (new RemoteWriteSender(set.RemoteWrite, queue, new RecordedValues(set, T0), new SocketsHttpHandler(), NullLogger.Instance), queue);
    }

    private static SealedSample Sample(int second, double value, string pod = "a") =>
        new("default", "cpu_ns", LabelSet.From(new Dictionary<string, string> { ["pod"] = pod }), T0.AddSeconds(second), value);

    private static async Task<LocalHttpTarget> ReceiverAsync(ConcurrentQueue<Received> received, Func<int, int> status) =>
        await LocalHttpTarget.StartAsync(async (n, context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            // Kestrel reuses a request's header collection once it is answered: copy them.
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            received.Enqueue(new Received(n, headers, body.ToArray()));
            context.Response.StatusCode = status(n);
            await context.Response.WriteAsync(status(n) == 400 ? "out of order sample" : "");
        });

    [Fact]
    public async Task Send_RetriesTheSameBatchAfter5xx_ThenSendsItOnce()
    {
        var received = new ConcurrentQueue<Received>();
        await using var receiver = await ReceiverAsync(received, n => n <= 2 ? 503 : 204);
        var (sender, queue) = Sender(receiver.Address);
        using (sender)
        {
            queue.Enqueue([Sample(0, 5), Sample(15, 6), Sample(0, 7, pod: "b")]);
            await sender.SendQueuedAsync(CancellationToken.None);

            Assert.Equal(3, received.Count);
            Assert.Equal(3, sender.SamplesSent);
            Assert.Equal(2, sender.Retries);
            Assert.Equal(0, queue.Count);
            var last = received.Last();
            Assert.Equal("snappy", last.Headers["Content-Encoding"]);
            Assert.Equal("application/x-protobuf", last.Headers["Content-Type"]);
            Assert.Equal("0.1.0", last.Headers["X-Prometheus-Remote-Write-Version"]);
            Assert.Equal("profiles", last.Headers["X-Scope-OrgID"]);
            Assert.Equal("Basic d3JpdGVyOnNlY3JldA==", last.Headers["Authorization"]);
            // Every attempt carried the same request.
            Assert.All(received, r => Assert.Equal(last.Body, r.Body));
            var expected = WriteRequestEncoder.Encode(
            [
                new RemoteSeries([("__name__", "cpu_ns"), ("pod", "a"), ("tenant", "default")], [(1_795_341_600_000, 5), (1_795_341_615_000, 6)]),
                new RemoteSeries([("__name__", "cpu_ns"), ("pod", "b"), ("tenant", "default")], [(1_795_341_600_000, 7)]),
            ]);
            Assert.Equal(expected, Snappier.Snappy.DecompressToArray(last.Body));
        }
    }

    [Fact]
    public async Task Send_RefusedBatch_IsDroppedAndCounted_AndTheNextBatchStillGoes()
    {
        var received = new ConcurrentQueue<Received>();
        await using var receiver = await ReceiverAsync(received, n => n == 1 ? 400 : 200);
        var (sender, queue) = Sender(receiver.Address, perSend: 2);
        using (sender)
        {
            queue.Enqueue([Sample(0, 1), Sample(15, 2), Sample(30, 3)]);
            await sender.SendQueuedAsync(CancellationToken.None);

            Assert.Equal(2, received.Count);
            Assert.Equal(2, sender.SamplesFailed);
            Assert.Equal(1, sender.SamplesSent);
            Assert.Equal(0, sender.Retries);
        }
    }

    [Fact]
    public void Enqueue_FullQueue_DropsAndCounts_WithoutWaiting()
    {
        var queue = new RemoteWriteQueue(capacity: 2);
        Assert.Equal(1, queue.Enqueue([Sample(0, 1), Sample(15, 2), Sample(30, 3)]));
        Assert.Equal(0, queue.Enqueue([]));
        Assert.Equal(2, queue.Count);
        Assert.Equal(1, queue.Dropped);
        Assert.Equal([Sample(0, 1)], queue.Take(1));
    }

    [Fact]
    public async Task Send_ReceiverDown_KeepsRetryingWithoutLosingTheBatch_UntilStopped()
    {
        // A port nothing listens on: every attempt fails to connect.
        var (sender, queue) = Sender("127.0.0.1:1");
        using (sender)
        {
            queue.Enqueue([Sample(0, 1)]);
            using var stop = new CancellationTokenSource();
            var sending = sender.SendQueuedAsync(stop.Token);
            await Eventually.WaitUntilAsync(() => sender.Retries >= 3, "three retries");
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
            Assert.Equal(0, sender.SamplesSent);
            Assert.Equal(0, sender.SamplesFailed);
        }
    }
}
