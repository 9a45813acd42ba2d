using System.IO.Compression;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace GrafanaProfiles.Collector.Ingest.Tests.Support;

/// <summary>The committed test inputs under tests/testdata.</summary>
internal static class TestData
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>Real pprof profiles from real runtimes (tests/testdata/pprof).</summary>
    public static readonly string[] RealProfiles =
        ["go-cpu.pb.gz", "go-heap.pb.gz", "go-goroutine.pb.gz", "go-mutex.pb.gz", "node-cpu.pb.gz", "node-heap.pb.gz"];

    public static byte[] Read(string relative) => File.ReadAllBytes(Path(relative));

    /// <summary>The full path of a file or folder under tests/testdata.</summary>
    public static string Path(string relative) => System.IO.Path.Combine(Root.Value, relative);

    public static byte[] Pprof(string file) => Read("pprof/" + file);

    public static byte[] Gunzip(byte[] gzipped)
    {
        using var gzip = new GZipStream(new MemoryStream(gzipped), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        gzip.CopyTo(raw);
        return raw.ToArray();
    }

    public static byte[] Gzip(byte[] raw)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(raw);
        }
        return compressed.ToArray();
    }

    /// <summary>The uploads the real Pyroscope Node.js SDK made (tests/testdata/pyroscope/node-sdk-*).</summary>
    public static IEnumerable<CapturedRequest> NodeSdkUploads()
    {
        foreach (var meta in Directory.GetFiles(Path("pyroscope"), "node-sdk-*.json").Order(StringComparer.Ordinal))
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(meta));
            var url = json.RootElement.GetProperty("url").GetString()!;
            var query = QueryHelpers.ParseQuery(url[url.IndexOf('?', StringComparison.Ordinal)..])
                .ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
            yield return new CapturedRequest(
                System.IO.Path.GetFileNameWithoutExtension(meta),
                query,
                json.RootElement.GetProperty("contentType").GetString(),
                File.ReadAllBytes(System.IO.Path.ChangeExtension(meta, ".body")));
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "GrafanaProfiles.sln")))
            {
                return System.IO.Path.Combine(dir.FullName, "tests", "testdata");
            }
        }
        throw new DirectoryNotFoundException("GrafanaProfiles.sln not found above " + AppContext.BaseDirectory);
    }
}

internal sealed record CapturedRequest(string Name, Dictionary<string, string> Query, string? ContentType, byte[] Body);
