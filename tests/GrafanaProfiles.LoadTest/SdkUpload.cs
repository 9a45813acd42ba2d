using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;
using GrafanaProfiles.Schema.Pprof;

namespace GrafanaProfiles.LoadTest;

/// <summary>
/// A CPU profile upload as the Pyroscope Go SDK (grafana/pyroscope-go, upstream/remote) sends it:
/// <c>POST /ingest?aggregationType=sum&amp;from=&lt;ns&gt;&amp;name=&lt;app&gt;.cpu{tags}&amp;sampleRate=100&amp;spyName=gospy&amp;units=samples&amp;until=&lt;ns&gt;</c>
/// (Go's <c>url.Values.Encode</c>: keys sorted, query-escaped), the body <c>multipart/form-data</c>
/// as Go's <c>mime/multipart</c> writes it with one file part <c>profile</c> holding the gzipped
/// pprof that <c>runtime/pprof</c> wrote. With <see cref="RawBody"/> the body is the gzipped pprof
/// itself with <c>format=pprof</c> (the form other agents use).
/// </summary>
internal sealed class SdkUpload
{
    private const string Boundary = "8d1c5e0f3a2b4c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b";

    private readonly byte[] _body;

    public SdkUpload(byte[] gzippedProfile, bool rawBody)
    {
        Profile = gzippedProfile;
        RawBody = rawBody;
        _body = rawBody ? gzippedProfile : Multipart(gzippedProfile);
        Samples = ParseProfile(gzippedProfile).Sample.Count;
    }

    /// <summary>The gzipped pprof inside the upload (what the parse-only baseline reads).</summary>
    public byte[] Profile { get; }

    public bool RawBody { get; }

    public int Samples { get; }

    public int BodyBytes => _body.Length;

    /// <summary>The real profile, or its first <paramref name="samples"/> samples re-encoded and gzipped at the fastest level (as runtime/pprof does).</summary>
    public static byte[] Load(string path, int? samples)
    {
        var gzipped = File.ReadAllBytes(path);
        if (samples is not { } keep)
        {
            return gzipped;
        }
        var profile = ParseProfile(gzipped);
        while (profile.Sample.Count > keep)
        {
            profile.Sample.RemoveAt(profile.Sample.Count - 1);
        }
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            profile.WriteTo(gzip);
        }
        return output.ToArray();
    }

    public static Profile ParseProfile(byte[] gzipped)
    {
        using var gzip = new GZipStream(new MemoryStream(gzipped), CompressionMode.Decompress);
        return GrafanaProfiles.Schema.Pprof.Profile.Parser.ParseFrom(gzip);
    }

    /// <summary>The request for one pod's 10 s window ending now.</summary>
    public HttpRequestMessage Request(int pod)
    {
        var content = new ByteArrayContent(_body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
        return new HttpRequestMessage(HttpMethod.Post, Target(pod)) { Content = content };
    }

    /// <summary>The body every request carries.</summary>
    public ReadOnlyMemory<byte> Body => _body;

    public string ContentType => RawBody ? "application/octet-stream" : "multipart/form-data; boundary=" + Boundary;

    /// <summary>The path and query of one pod's upload of the 10 s window ending now.</summary>
    public string Target(int pod)
    {
        var until = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
        var from = until - 10_000_000_000L;
        var name = Uri.EscapeDataString($"checkout.cpu{{pod=checkout-{pod},region=eu-west,version=v1}}");
        return string.Create(CultureInfo.InvariantCulture,
            $"/ingest?aggregationType=sum&from={from}{(RawBody ? "&format=pprof" : "")}&name={name}&sampleRate=100&spyName=gospy&units=samples&until={until}");
    }

    /// <summary>Go's multipart.Writer after CreateFormFile("profile", "profile.pprof"), Write, Close.</summary>
    private static byte[] Multipart(byte[] profile)
    {
        var head = Encoding.ASCII.GetBytes($"--{Boundary}\r\nContent-Disposition: form-data; name=\"profile\"; filename=\"profile.pprof\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\n");
        var tail = Encoding.ASCII.GetBytes($"\r\n--{Boundary}--\r\n");
        return [.. head, .. profile, .. tail];
    }
}
