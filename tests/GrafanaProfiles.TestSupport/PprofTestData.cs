using System.Globalization;
using System.IO.Compression;
using GrafanaProfiles.Store.Model;
using PprofProto = GrafanaProfiles.Schema.Pprof;

namespace GrafanaProfiles.TestSupport;

/// <summary>The committed pprof test files (tests/testdata/pprof) and what pprof recorded about them.</summary>
public static class PprofTestData
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The real profiles, written by the generators in tests/testdata/generators.</summary>
    public static readonly string[] RealProfiles =
        ["go-cpu.pb.gz", "go-heap.pb.gz", "go-goroutine.pb.gz", "go-mutex.pb.gz", "node-cpu.pb.gz", "node-heap.pb.gz"];

    public static string PathOf(string relative) => System.IO.Path.Combine(Root.Value, relative);

    public static byte[] Read(string relative) => File.ReadAllBytes(PathOf(relative));

    public static byte[] Gunzip(byte[] gzipped)
    {
        using var gzip = new GZipStream(new MemoryStream(gzipped), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        gzip.CopyTo(raw);
        return raw.ToArray();
    }

    /// <summary>The independent parse: gunzip and Google.Protobuf.</summary>
    public static PprofProto.Profile ParseWithGoogleProtobuf(string file) =>
        PprofProto.Profile.Parser.ParseFrom(Gunzip(Read("pprof/" + file)));

    /// <summary>A recorded top table (top-to-tsv.sh output): function → (flat, cum), exact.</summary>
    public static Dictionary<string, (long Flat, long Cum)> ReadTop(string tsvFile)
    {
        var rows = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(PathOf("pprof/" + tsvFile)))
        {
            var parts = line.Split('\t');
            if (parts.Length != 3)
            {
                throw new InvalidDataException($"{tsvFile}: expected function, flat and cum separated by tabs, got '{line}'");
            }
            rows.Add(parts[0], (long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture)));
        }
        if (rows.Count == 0)
        {
            throw new InvalidDataException($"{tsvFile} holds no rows");
        }
        return rows;
    }

    /// <summary>
    /// pprof's flat and cum at function granularity, computed from a decoded batch for one sample
    /// type: flat = value of stacks whose leaf frame is the function; cum = value of stacks that
    /// contain the function anywhere, counted once per stack (recursion).
    /// </summary>
    public static Dictionary<string, (long Flat, long Cum)> FlatAndCum(ProfileBatch batch, string sampleType) =>
        FlatAndCum(batch, p => ProfileType.Parse(p.ProfileType).SampleType == sampleType);

    /// <summary>The same for the profiles a predicate picks (shared with the OTLP decoder's tests).</summary>
    public static Dictionary<string, (long Flat, long Cum)> FlatAndCum(ProfileBatch batch, Func<SeriesProfile, bool> include)
    {
        var result = new Dictionary<string, (long Flat, long Cum)>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var profile in batch.Profiles.Where(include))
        {
            foreach (var row in profile.Samples)
            {
                var frames = batch.IndexStacks()[row.StackId];
                if (frames.Length == 0)
                {
                    continue;
                }
                seen.Clear();
                foreach (var frame in frames)
                {
                    var name = batch.IndexFunctions()[frame].Name;
                    if (seen.Add(name))
                    {
                        var (flat, cum) = result.GetValueOrDefault(name);
                        result[name] = (flat, cum + row.Value);
                    }
                }
                var leaf = batch.IndexFunctions()[frames[^1]].Name;
                var (leafFlat, leafCum) = result[leaf];
                result[leaf] = (leafFlat + row.Value, leafCum);
            }
        }
        return result;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "tests", "testdata");
            if (Directory.Exists(System.IO.Path.Combine(candidate, "pprof")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException($"tests/testdata/pprof not found above {AppContext.BaseDirectory}.");
    }
}
