using System.Collections.Concurrent;
using Google.Protobuf;
using GrafanaProfiles.Schema.Pyroscope.Push.V1;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Collector.Ingest.Tests.Support;

/// <summary>
/// The ingest door in front of a real store writer (fsynced write-ahead log) on a temp directory,
/// with an observer that records every outcome, and a real request body of each API.
/// </summary>
internal sealed class DoorFixture : IAsyncDisposable, IIngestStore
{
    private readonly TempDirectory _directory;

    private DoorFixture(TempDirectory directory, ProfileWriter writer, IngestPolicy policy, Func<long>? residentBytes)
    {
        _directory = directory;
        Writer = writer;
        Door = new IngestDoor(this, policy, Observer, TimeProvider.System, residentBytes: residentBytes);
    }

    public ProfileWriter? Writer { get; private set; }

    public Exception? Failure => null;

    public IngestDoor Door { get; }

    public RecordingObserver Observer { get; } = new();

    public string DataDirectory => _directory.Path;

    /// <summary>The door over a fresh store; <paramref name="residentBytes"/> stands in for the process's resident memory when given.</summary>
    public static async Task<DoorFixture> StartAsync(IngestPolicy? policy = null, Func<long>? residentBytes = null)
    {
        var directory = new TempDirectory();
        var options = new StoreOptions { DataDirectory = directory.Path, WriterId = "w", FlushInterval = TimeSpan.FromHours(1) };
        var writer = await ProfileWriter.OpenAsync(options, WalDecoders.All);
        return new DoorFixture(directory, writer, policy ?? new IngestPolicy(), residentBytes);
    }

    /// <summary>Profiles the writer took (0 means nothing of any request was stored).</summary>
    public long ProfilesAppended => Writer!.Stats.ProfilesAppended;

    /// <summary>Takes the writer away (closing it), as while the store opens: the door must say it is not ready.</summary>
    public async Task CloseWriterAsync()
    {
        if (Writer is { } writer)
        {
            Writer = null;
            await writer.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Door.Dispose();
        if (Writer is { } writer)
        {
            await writer.DisposeAsync();
        }
        _directory.Dispose();
    }

    /// <summary>A real body of <paramref name="api"/> (before any Content-Encoding) with its request fields.</summary>
    public static IngestRequest RealRequest(IngestApi api, string? contentEncoding = null, byte[]? body = null) => api switch
    {
        IngestApi.Pyroscope => GoSdkUpload(TestData.Pprof("go-cpu.pb.gz"), contentEncoding, body),
        IngestApi.Push => new IngestRequest
        {
            Api = api,
            ContentType = "application/proto",
            ContentEncoding = contentEncoding,
            Body = body ?? PushBody(TestData.Pprof("go-cpu.pb.gz")),
        },
        IngestApi.Otlp => new IngestRequest
        {
            Api = api,
            ContentType = "application/x-protobuf",
            ContentEncoding = contentEncoding,
            Body = body ?? TestData.Read("otlp/small.binpb"),
        },
        IngestApi.Scrape => ScrapedProfile(body ?? TestData.Pprof("go-heap.pb.gz"), contentEncoding),
        _ => throw new ArgumentOutOfRangeException(nameof(api)),
    };

    /// <summary>A CPU profile as the Pyroscope Go SDK uploads it: a multipart form with the gzipped pprof.</summary>
    public static IngestRequest GoSdkUpload(byte[] gzippedProfile, string? contentEncoding = null, byte[]? body = null)
    {
        var form = new GoMultipart().File("profile", "profile.pprof", gzippedProfile);
        var bytes = form.Close();
        return new IngestRequest
        {
            Api = IngestApi.Pyroscope,
            ContentType = form.ContentType,
            ContentEncoding = contentEncoding,
            Query = Pyroscope.PyroscopeIngestTests.Query("name=" + Uri.EscapeDataString("checkout.cpu{pod=a}") + "&from=now-10s&until=now&spyName=gospy&sampleRate=100"),
            Body = body ?? bytes,
        };
    }

    /// <summary>A raw pprof body with format=pprof (agents other than the Go SDK).</summary>
    public static IngestRequest RawPprofUpload(byte[] profile, string name = "api") => new()
    {
        Api = IngestApi.Pyroscope,
        ContentType = "application/octet-stream",
        Query = Pyroscope.PyroscopeIngestTests.Query("name=" + Uri.EscapeDataString(name) + "&format=pprof"),
        Body = profile,
    };

    public static IngestRequest FoldedUpload(string name, string body = "main;work 10\n") => new()
    {
        Api = IngestApi.Pyroscope,
        Query = Pyroscope.PyroscopeIngestTests.Query("name=" + Uri.EscapeDataString(name) + "&from=now-10s&until=now"),
        Body = System.Text.Encoding.UTF8.GetBytes(body),
    };

    public static IngestRequest ScrapedProfile(byte[] pprof, string? contentEncoding = null, string instance = "10.0.0.5:6060") =>
        IngestRequest.Scraped("default", pprof, contentEncoding, new PprofDecodeOptions
        {
            ServiceName = "payments",
            Labels = LabelSet.From([new("job", "payments"), new("instance", instance)]),
            ProfileName = "memory",
        });

    public static byte[] PushBody(byte[] rawProfile)
    {
        var request = new PushRequest();
        var series = new RawProfileSeries();
        series.Labels.Add(new Schema.Pyroscope.Types.V1.LabelPair { Name = "service_name", Value = "pusher" });
        series.Labels.Add(new Schema.Pyroscope.Types.V1.LabelPair { Name = "__name__", Value = "process_cpu" });
        series.Samples.Add(new RawSample { RawProfile = ByteString.CopyFrom(rawProfile) });
        request.Series.Add(series);
        return request.ToByteArray();
    }
}

/// <summary>Every outcome the door reported, in order.</summary>
internal sealed class RecordingObserver : IIngestObserver
{
    public ConcurrentQueue<(IngestApi Api, string Tenant, int Profiles)> AcceptedRequests { get; } = new();

    public ConcurrentQueue<(IngestApi Api, string Tenant, RejectReason Reason)> RefusedRequests { get; } = new();

    public ConcurrentQueue<(IngestApi Api, RejectReason Reason, int Count)> Dropped { get; } = new();

    public void Accepted(IngestApi api, string tenant, int profiles, int samples, long bodyBytes, TimeSpan duration, TimeSpan logDuration) =>
        AcceptedRequests.Enqueue((api, tenant, profiles));

    public void Refused(IngestApi api, string tenant, RejectReason reason) => RefusedRequests.Enqueue((api, tenant, reason));

    public void ProfilesDropped(IngestApi api, string tenant, RejectReason reason, int count) => Dropped.Enqueue((api, reason, count));
}
