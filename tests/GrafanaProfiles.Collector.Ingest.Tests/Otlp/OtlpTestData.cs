using System.Globalization;
using System.IO.Compression;
using System.Text;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Write;
using GrafanaProfiles.TestSupport;
using PprofProto = GrafanaProfiles.Schema.Pprof;

namespace GrafanaProfiles.Collector.Ingest.Tests.Otlp;

/// <summary>The committed test files (tests/testdata) and ways to compare decoded batches.</summary>
internal static class OtlpTestData
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The real pprof profiles, written by the generators in tests/testdata/generators.</summary>
    public static readonly string[] RealProfiles =
        ["go-cpu.pb.gz", "go-heap.pb.gz", "go-goroutine.pb.gz", "go-mutex.pb.gz", "node-cpu.pb.gz", "node-heap.pb.gz"];

    public static string PathOf(string relative) => Path.Combine(Root.Value, relative);

    public static byte[] Read(string relative) => File.ReadAllBytes(PathOf(relative));

    public static PprofProto.Profile ParsePprof(string file)
    {
        using var gzip = new GZipStream(new MemoryStream(Read("pprof/" + file)), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        gzip.CopyTo(raw);
        return PprofProto.Profile.Parser.ParseFrom(raw.ToArray());
    }

    /// <summary>
    /// pprof's flat and cum at function granularity for the profiles of one type: flat = value of
    /// stacks whose leaf is the function; cum = value of stacks that contain it (once per stack).
    /// </summary>
    public static Dictionary<string, (long Flat, long Cum)> FlatAndCum(ProfileBatch batch, string profileType) =>
        PprofTestData.FlatAndCum(batch, p => p.ProfileType == profileType);

    /// <summary>
    /// The batch as sorted text lines: each row with its series, stack id and frames (root first),
    /// then each function the rows reference. Two batches with equal dumps store the same data
    /// with the same content ids; the order of profiles and rows (which means nothing) is ignored.
    /// </summary>
    public static string Dump(ProfileBatch batch)
    {
        var lines = new List<string>();
        var functions = new HashSet<ulong>();
        foreach (var p in batch.Profiles)
        {
            var series = string.Create(CultureInfo.InvariantCulture, $"{p.ProfileType} service_name={p.ServiceName}{p.Labels} time={p.TimeNanos} duration={p.DurationNanos}");
            foreach (var row in p.Samples)
            {
                var stack = batch.IndexStacks()[row.StackId];
                functions.UnionWith(stack);
                var frames = string.Join(";", stack.Select(f => batch.IndexFunctions()[f].Name));
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{series} span={row.SpanId:x16} value={row.Value} stack={row.StackId:x16} {frames}"));
            }
        }
        foreach (var id in functions)
        {
            var f = batch.IndexFunctions()[id];
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"~function {id:x16} {f.Name} | {f.SystemName} | {f.Filename} | {f.StartLine}"));
        }
        lines.Sort(StringComparer.Ordinal);
        return string.Join('\n', lines) + "\n";
    }

    /// <summary>Every row's stack is in the batch, every stack's frames are, and nothing else is.</summary>
    public static void AssertComplete(ProfileBatch batch)
    {
        var stacks = batch.Profiles.SelectMany(p => p.Samples).Select(r => r.StackId).ToHashSet();
        Assert.All(stacks, s => Assert.True(batch.IndexStacks().ContainsKey(s), $"stack {s:x16} is referenced but not in the batch"));
        Assert.Equal(stacks.Order(), batch.IndexStacks().Keys.Order());
        var functions = batch.IndexStacks().Values.SelectMany(f => f).ToHashSet();
        Assert.All(functions, f => Assert.True(batch.IndexFunctions().ContainsKey(f), $"function {f:x16} is referenced but not in the batch"));
        Assert.Equal(functions.Order(), batch.IndexFunctions().Keys.Order());
        // The write-ahead log's own encoding carries the whole batch.
        Assert.Equal(Dump(batch), Dump(ProfileBatchCodec.Decode(ProfileBatchCodec.Encode(batch))));
    }

    /// <summary>Golden files are rewritten only when this variable is 1.</summary>
    public const string UpdateGoldenVariable = "GRAFANA_PROFILES_UPDATE_GOLDEN";

    /// <summary>Compares <paramref name="actual"/> with a committed golden file, or rewrites the file on opt-in.</summary>
    public static void AssertGolden(string relative, byte[] actual)
    {
        var path = PathOf(relative);
        if (Environment.GetEnvironmentVariable(UpdateGoldenVariable) == "1")
        {
            File.WriteAllBytes(path, actual);
        }
        Assert.True(File.Exists(path), $"{relative} is missing: run the tests once with {UpdateGoldenVariable}=1 to write it.");
        var expected = File.ReadAllBytes(path);
        Assert.True(expected.AsSpan().SequenceEqual(actual),
            $"{relative} differs from what the test builds now. If the change is intended, rerun with {UpdateGoldenVariable}=1 and commit the file.\n"
            + (relative.EndsWith(".binpb", StringComparison.Ordinal) ? "" : $"--- committed\n{Encoding.UTF8.GetString(expected)}\n--- now\n{Encoding.UTF8.GetString(actual)}"));
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "testdata");
            if (Directory.Exists(Path.Combine(candidate, "pprof")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException($"tests/testdata/pprof not found above {AppContext.BaseDirectory}.");
    }
}

/// <summary>A clock that always says the same time.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
