using GrafanaProfiles.Collector.Ingest.Tests.Support;
using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest.Tests.Door;

/// <summary>
/// The one door, in front of a real store writer: every API's request through the same steps,
/// with the same reasons, statuses and limits. Nothing of a refused request is stored.
/// </summary>
public sealed class IngestDoorTests
{
    public static TheoryData<IngestApi> EveryApi => [IngestApi.Pyroscope, IngestApi.Push, IngestApi.Otlp, IngestApi.Scrape];

    /// <summary>Zeros that gzip to a few KB: a decompression bomb of <paramref name="bytes"/>.</summary>
    private static byte[] Bomb(int bytes) => TestData.Gzip(new byte[bytes]);

    [Theory]
    [MemberData(nameof(EveryApi))]
    public async Task EveryApi_RealBody_StoredThroughTheDoor(IngestApi api)
    {
        await using var fixture = await DoorFixture.StartAsync();
        var result = await fixture.Door.IngestAsync(DoorFixture.RealRequest(api));
        Assert.True(result.Accepted, result.Message);
        Assert.Equal(200, result.HttpStatus);
        Assert.True(result.Profiles > 0);
        Assert.Equal(1, fixture.ProfilesAppended); // one log record: the request's
        Assert.Equal((api, "default", result.Profiles), Assert.Single(fixture.Observer.AcceptedRequests));
    }

    [Theory]
    [MemberData(nameof(EveryApi))]
    public async Task EveryApi_GzipContentEncoding_UndoneByTheOneStep(IngestApi api)
    {
        await using var fixture = await DoorFixture.StartAsync();
        var plain = DoorFixture.RealRequest(api).Body.ToArray();
        var result = await fixture.Door.IngestAsync(DoorFixture.RealRequest(api, "gzip", TestData.Gzip(plain)));
        Assert.True(result.Accepted, result.Message);
        Assert.True(fixture.ProfilesAppended > 0);
    }

    [Theory]
    [MemberData(nameof(EveryApi))]
    public async Task EveryApi_CorruptGzipBody_Refused400NamingTheEncoding(IngestApi api)
    {
        await using var fixture = await DoorFixture.StartAsync();
        var corrupt = TestData.Gzip(DoorFixture.RealRequest(api).Body.ToArray());
        // The first deflate block's header: block type 3, which does not exist.
        corrupt[10] = 0xFF;
        var result = await fixture.Door.IngestAsync(DoorFixture.RealRequest(api, "gzip", corrupt));
        Assert.Equal(RejectReason.InvalidRequest, result.Reason);
        Assert.Equal(400, result.HttpStatus);
        Assert.Contains("(Content-Encoding: gzip) is not valid gzip", result.Message, StringComparison.Ordinal);
        Assert.Equal((api, "default", RejectReason.InvalidRequest), Assert.Single(fixture.Observer.RefusedRequests));
        Assert.Equal(0, fixture.ProfilesAppended);
    }

    [Theory]
    [MemberData(nameof(EveryApi))]
    public async Task EveryApi_GzipBombBody_Refused413NamingMaxRequestBytes(IngestApi api)
    {
        await using var fixture = await DoorFixture.StartAsync(new IngestPolicy { Decode = IngestLimits.Default with { MaxRequestBytes = 1 << 20 } });
        var result = await fixture.Door.IngestAsync(DoorFixture.RealRequest(api, "gzip", Bomb(16 << 20)));
        Assert.Equal(RejectReason.DecompressedTooLarge, result.Reason);
        Assert.Equal(413, result.HttpStatus);
        Assert.Contains("max_request_bytes=1048576", result.Message, StringComparison.Ordinal);
        Assert.Equal((api, "default", RejectReason.DecompressedTooLarge), Assert.Single(fixture.Observer.RefusedRequests));
        Assert.Equal(0, fixture.ProfilesAppended);
    }

    /// <summary>Every API that carries gzipped pprof: the profile's own gzip is bounded by max_decompressed_bytes.</summary>
    [Theory]
    [InlineData("go sdk form")]
    [InlineData("raw pprof")]
    [InlineData("push")]
    [InlineData("scrape")]
    public async Task EveryPprofApi_GzippedProfileBomb_Refused413NamingMaxDecompressedBytes(string shape)
    {
        await using var fixture = await DoorFixture.StartAsync();
        var bomb = Bomb(16 << 20);
        var request = shape switch
        {
            "go sdk form" => DoorFixture.GoSdkUpload(bomb),
            "raw pprof" => DoorFixture.RawPprofUpload(bomb),
            "push" => DoorFixture.RealRequest(IngestApi.Push, body: DoorFixture.PushBody(bomb)),
            _ => DoorFixture.ScrapedProfile(bomb),
        };
        var result = await fixture.Door.IngestAsync(request);
        Assert.Equal(RejectReason.DecompressedTooLarge, result.Reason);
        Assert.Equal(413, result.HttpStatus);
        Assert.Contains($"max_decompressed_bytes={IngestLimits.Default.MaxDecompressedBytes}", result.Message, StringComparison.Ordinal);
        Assert.Equal(0, fixture.ProfilesAppended);
    }

    [Fact]
    public async Task Scrape_NewSeriesOverTheLimit_RefusedWithTheReasonIngestGets()
    {
        await using var fixture = await DoorFixture.StartAsync(new IngestPolicy { MaxSeriesPerTenant = 1 });
        Assert.True((await fixture.Door.IngestAsync(DoorFixture.FoldedUpload("api.cpu"))).Accepted);

        var scraped = await fixture.Door.IngestAsync(DoorFixture.ScrapedProfile(TestData.Pprof("go-heap.pb.gz")));
        var ingested = await fixture.Door.IngestAsync(DoorFixture.FoldedUpload("worker.cpu"));

        foreach (var refused in new[] { scraped, ingested })
        {
            Assert.Equal(RejectReason.SeriesLimit, refused.Reason);
            Assert.Equal(429, refused.HttpStatus);
            Assert.Contains("max_series_per_tenant=1", refused.Message, StringComparison.Ordinal);
            Assert.True(refused.RetryAfter > TimeSpan.Zero);
        }
        Assert.Equal([(IngestApi.Scrape, "default", RejectReason.SeriesLimit), (IngestApi.Pyroscope, "default", RejectReason.SeriesLimit)],
            fixture.Observer.RefusedRequests.ToArray());
        Assert.Equal(1, fixture.ProfilesAppended);
        Assert.Equal(1, fixture.Door.Series.ActiveSeries("default"));
    }

    [Theory]
    [MemberData(nameof(EveryApi))]
    public async Task EveryApi_StoreNotOpen_Refused503WithRetryAfter(IngestApi api)
    {
        await using var fixture = await DoorFixture.StartAsync();
        await fixture.CloseWriterAsync();
        var result = await fixture.Door.IngestAsync(DoorFixture.RealRequest(api));
        Assert.Equal(RejectReason.NotReady, result.Reason);
        Assert.Equal(503, result.HttpStatus);
        Assert.Contains("replaying its write-ahead log", result.Message, StringComparison.Ordinal);
        Assert.True(result.RetryAfter > TimeSpan.Zero);
    }

    [Fact]
    public async Task BodyStream_OverMaxBodyBytes_Refused413NamingTheLimit()
    {
        await using var fixture = await DoorFixture.StartAsync(new IngestPolicy { MaxBodyBytes = 1000 });
        var body = TestData.Pprof("go-cpu.pb.gz");
        var declared = await fixture.Door.IngestAsync(new IngestRequest
        {
            Api = IngestApi.Push,
            ContentType = "application/proto",
            BodyStream = new MemoryStream(body),
            ContentLength = body.Length,
        });
        var undeclared = await fixture.Door.IngestAsync(new IngestRequest { Api = IngestApi.Push, ContentType = "application/proto", BodyStream = new MemoryStream(body) });
        foreach (var result in new[] { declared, undeclared })
        {
            Assert.Equal(RejectReason.BodyTooLarge, result.Reason);
            Assert.Equal(413, result.HttpStatus);
            Assert.Contains("max_body_bytes=1000", result.Message, StringComparison.Ordinal);
        }
        Assert.Equal(0, fixture.ProfilesAppended);
    }

    [Fact]
    public async Task BodyStream_ReadWithinTheLimit_Stored()
    {
        await using var fixture = await DoorFixture.StartAsync();
        var upload = DoorFixture.GoSdkUpload(TestData.Pprof("go-cpu.pb.gz"));
        var result = await fixture.Door.IngestAsync(new IngestRequest
        {
            Api = upload.Api,
            ContentType = upload.ContentType,
            Query = upload.Query,
            // A stream that hands out a few bytes per read, as a socket does.
            BodyStream = new TrickleStream(upload.Body.ToArray(), 1000),
        });
        Assert.True(result.Accepted, result.Message);
        Assert.True(fixture.ProfilesAppended > 0);
    }

    [Fact]
    public async Task Credentials_WrongToken_Refused401_TrustedScrapeTenantNeedsNone()
    {
        var auth = new Auth.AuthPolicy(true, new Dictionary<string, Auth.TenantCredentialSet> { ["team-a"] = new(["secret-a"], []) });
        await using var fixture = await DoorFixture.StartAsync(new IngestPolicy { Auth = auth });
        var upload = DoorFixture.RealRequest(IngestApi.Otlp);
        var wrong = await fixture.Door.IngestAsync(new IngestRequest
        {
            Api = upload.Api,
            ContentType = upload.ContentType,
            Body = upload.Body,
            TenantHeader = "team-a",
            Authorization = "Bearer secret-b",
        });
        Assert.Equal((RejectReason.Unauthorized, 401), (wrong.Reason, wrong.HttpStatus));
        var right = await fixture.Door.IngestAsync(new IngestRequest
        {
            Api = upload.Api,
            ContentType = upload.ContentType,
            Body = upload.Body,
            TenantHeader = "team-a",
            Authorization = "Bearer secret-a",
        });
        Assert.True(right.Accepted, right.Message);
        // A scrape job's tenant comes from the collector's own configuration.
        Assert.True((await fixture.Door.IngestAsync(DoorFixture.ScrapedProfile(TestData.Pprof("go-heap.pb.gz")))).Accepted);
    }

    [Fact]
    public async Task TenantRate_OverTheBurst_Refused429_ForScrapesToo()
    {
        await using var fixture = await DoorFixture.StartAsync(new IngestPolicy { IngestionRateBytes = 100, IngestionBurstBytes = 100 });
        Assert.True((await fixture.Door.IngestAsync(DoorFixture.ScrapedProfile(TestData.Pprof("go-heap.pb.gz")))).Accepted);
        var refused = await fixture.Door.IngestAsync(DoorFixture.ScrapedProfile(TestData.Pprof("go-heap.pb.gz"), instance: "10.0.0.6:6060"));
        Assert.Equal((RejectReason.RateLimited, 429), (refused.Reason, refused.HttpStatus));
        Assert.Contains("ingestion_rate_bytes=100", refused.Message, StringComparison.Ordinal);
        Assert.True(refused.RetryAfter > TimeSpan.Zero);
    }

    /// <summary>A stream that returns at most <paramref name="chunk"/> bytes per read.</summary>
    [Theory]
    [MemberData(nameof(Push.PushDecoderTests.InvalidText), MemberType = typeof(Push.PushDecoderTests))]
    public async Task Push_JsonWithInvalidText_Refused400NeverAFailure(byte[] body)
    {
        await using var fixture = await DoorFixture.StartAsync();
        var result = await fixture.Door.IngestAsync(new IngestRequest { Api = IngestApi.Push, ContentType = "application/json", Body = body });
        Assert.Equal(RejectReason.InvalidRequest, result.Reason);
        Assert.Equal(400, result.HttpStatus);
        Assert.Equal(0, fixture.ProfilesAppended);
    }

    [Fact]
    public async Task DecoderException_ThatIsNoRefusal_Refused400AndLogged()
    {
        // No API has this number, so the decode step throws ArgumentOutOfRangeException: the stand-in
        // for a decoder's bug. The guard turns it into the sender's 400, never a failure of the door.
        await using var fixture = await DoorFixture.StartAsync();
        var result = await fixture.Door.IngestAsync(new IngestRequest { Api = (IngestApi)99, Body = "x"u8.ToArray() });
        Assert.Equal(RejectReason.InvalidRequest, result.Reason);
        Assert.Equal(400, result.HttpStatus);
        Assert.Contains("could not be decoded (ArgumentOutOfRangeException)", result.Message, StringComparison.Ordinal);
        Assert.Equal(0, fixture.ProfilesAppended);
    }

    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
