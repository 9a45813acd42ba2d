using System.Collections.Concurrent;
using System.Diagnostics;
using GrafanaProfiles.Collector.Ingest.Tests.Support;
using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest.Tests.Door;

/// <summary>The door's overload defences: the memory limit, the in-flight body budget and the standing-queue wait.</summary>
public sealed class IngestDoorOverloadTests
{
    [Fact]
    public async Task ResidentMemoryOverTheLimit_Refused429NamingIt_ThenAcceptedWhenItFalls()
    {
        var resident = 0L;
        await using var fixture = await DoorFixture.StartAsync(new IngestPolicy { MemoryLimitBytes = 100L * 1024 * 1024 },
            () => Interlocked.Read(ref resident));
        Interlocked.Exchange(ref resident, 90L * 1024 * 1024);

        var refused = await fixture.Door.IngestAsync(DoorFixture.RealRequest(IngestApi.Pyroscope));
        Assert.Equal(RejectReason.Overloaded, refused.Reason);
        Assert.Equal(429, refused.HttpStatus);
        Assert.True(refused.RetryAfter > TimeSpan.Zero);
        Assert.Contains("memory_limit=100 MiB", refused.Message, StringComparison.Ordinal);
        Assert.Contains("uses 90 MiB", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, fixture.ProfilesAppended);

        // Below 85 % of the limit again (the reading is at most 20 ms old): accepted, with no restart.
        Interlocked.Exchange(ref resident, 80L * 1024 * 1024);
        await Task.Delay(30);
        var accepted = await fixture.Door.IngestAsync(DoorFixture.RealRequest(IngestApi.Pyroscope));
        Assert.True(accepted.Accepted, accepted.Message);
        Assert.Equal(1, fixture.ProfilesAppended);
    }

    [Fact]
    public async Task BodiesInFlightOverTheBudget_Refused429NamingMaxInflightBytes_ThenAccepted()
    {
        await using var fixture = await DoorFixture.StartAsync(new IngestPolicy { MaxInflightBytes = 90_000 });
        var body = TestData.Pprof("go-cpu.pb.gz");
        // A sender that declares 80,000 bytes and is slow to send them holds that much of the budget.
        using var slow = new GatedStream(body);
        var holding = fixture.Door.IngestAsync(new IngestRequest
        {
            Api = IngestApi.Pyroscope,
            Query = Pyroscope.PyroscopeIngestTests.Query("name=slow&format=pprof"),
            ContentType = "application/octet-stream",
            BodyStream = slow,
            ContentLength = 80_000,
        });
        await slow.Started.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(80_000, fixture.Door.InflightBytes);

        var refused = await fixture.Door.IngestAsync(Streamed(body));
        Assert.Equal(RejectReason.Overloaded, refused.Reason);
        Assert.Contains("max_inflight_bytes=90000", refused.Message, StringComparison.Ordinal);

        slow.Open();
        await holding;
        Assert.Equal(0, fixture.Door.InflightBytes);
        var accepted = await fixture.Door.IngestAsync(Streamed(body));
        Assert.True(accepted.Accepted, accepted.Message);
        Assert.Equal(0, fixture.Door.InflightBytes);
    }

    [Fact]
    public async Task OneBodyLargerThanTheWholeBudget_IsAcceptedWhenNothingElseIsInFlight()
    {
        await using var fixture = await DoorFixture.StartAsync(new IngestPolicy { MaxInflightBytes = 1_000 });
        var accepted = await fixture.Door.IngestAsync(Streamed(TestData.Pprof("go-cpu.pb.gz")));
        Assert.True(accepted.Accepted, accepted.Message);
    }

    [Fact]
    public async Task LogWithAStandingQueue_RefusesUploadsBeforeReadingTheirBodies_AndAcceptsAgainOnceItCatchesUp()
    {
        // Decoding slots for every sender, so that the queue forms in the write-ahead log (as it does
        // under sustained overload, docs/reliability.md "Overload"), not in front of the decoders.
        const int Senders = 96;
        await using var fixture = await DoorFixture.StartAsync(new IngestPolicy
        {
            IngestQueueTarget = TimeSpan.FromMilliseconds(2),
            MaxConcurrentIngests = Senders * 2,
            IngestionRateBytes = long.MaxValue / 4,
            IngestionBurstBytes = long.MaxValue / 4,
            MaxSeriesPerTenant = 1_000_000,
        });
        var body = TestData.Pprof("go-cpu.pb.gz");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var accepted = 0;
        var refusals = new ConcurrentQueue<(IngestResult Result, long BodyRead)>();
        var senders = Enumerable.Range(0, Senders).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var stream = new MemoryStream(body);
                var result = await fixture.Door.IngestAsync(Streamed(stream, body.Length));
                if (result.Accepted)
                {
                    Interlocked.Increment(ref accepted);
                }
                else
                {
                    refusals.Enqueue((result, stream.Position));
                    stop.Cancel();
                }
            }
        })).ToArray();
        await Task.WhenAll(senders);

        Assert.False(refusals.IsEmpty, $"{Senders} senders without a pause made no standing queue in the log within 60 s ({accepted} accepted)");
        foreach (var (result, read) in refusals)
        {
            Assert.Equal(RejectReason.Overloaded, result.Reason);
            Assert.Equal(429, result.HttpStatus);
            Assert.Equal(TimeSpan.FromSeconds(1), result.RetryAfter);
            Assert.Contains("write-ahead log", result.Message, StringComparison.Ordinal);
            Assert.Contains("ingest_queue_target=2 ms", result.Message, StringComparison.Ordinal);
            Assert.Equal(0, read);
        }
        // Nothing of a refused upload is stored: the writer holds exactly the accepted ones.
        Assert.Equal(accepted, fixture.ProfilesAppended);
        Assert.Equal(refusals.Count, fixture.Observer.RefusedRequests.Count);

        // The load gone, the log catches up and the next upload is accepted, with no restart.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        IngestResult next;
        do
        {
            await Task.Delay(20);
            next = await fixture.Door.IngestAsync(DoorFixture.RealRequest(IngestApi.Pyroscope));
        }
        while (!next.Accepted && DateTime.UtcNow < deadline);
        Assert.True(next.Accepted, next.Message);
        Assert.False(fixture.Door.LogQueueStanding);
    }

    [Fact]
    public void StandingQueue_BurstWaitsDoNotMakeItStand_AnUnbrokenRunOverTheIntervalDoes_AFreeSlotEndsIt()
    {
        var queue = new StandingQueue(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100));
        var t0 = Stopwatch.GetTimestamp();
        long At(int ms) => t0 + (long)(ms / 1000.0 * Stopwatch.Frequency);

        // A burst: long waits, but one short wait breaks the run before the interval is over.
        Assert.False(queue.Waited(TimeSpan.FromMilliseconds(80), At(0)));
        Assert.False(queue.Waited(TimeSpan.FromMilliseconds(90), At(60)));
        Assert.False(queue.Waited(TimeSpan.FromMilliseconds(10), At(90)));
        Assert.False(queue.Waited(TimeSpan.FromMilliseconds(70), At(150)));
        Assert.False(queue.Standing);

        // Every wait over the target for the whole interval: standing.
        Assert.False(queue.Waited(TimeSpan.FromMilliseconds(60), At(200)));
        Assert.True(queue.Waited(TimeSpan.FromMilliseconds(60), At(260)));
        Assert.True(queue.Standing);
        // Short waits while it stands (requests now wait at most the target) do not end it...
        Assert.False(queue.Waited(TimeSpan.FromMilliseconds(20), At(300)));
        Assert.True(queue.Standing);
        // ...a free slot does.
        queue.NoWait();
        Assert.False(queue.Standing);
    }

    private static IngestRequest Streamed(byte[] body) => Streamed(new MemoryStream(body), body.Length);

    private static IngestRequest Streamed(Stream body, long length) => new()
    {
        Api = IngestApi.Pyroscope,
        Query = Pyroscope.PyroscopeIngestTests.Query("name=fast&format=pprof"),
        ContentType = "application/octet-stream",
        BodyStream = body,
        ContentLength = length,
    };

    /// <summary>A body whose first read blocks until <see cref="Open"/>, as a slow sender's does.</summary>
    private sealed class GatedStream(byte[] body) : Stream
    {
        private readonly MemoryStream _inner = new(body);
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Started => _started.Task;

        public void Open() => _open.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _started.TrySetResult();
            await _open.Task.WaitAsync(cancellationToken);
            return await _inner.ReadAsync(buffer, cancellationToken);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
