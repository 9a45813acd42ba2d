namespace GrafanaProfiles.Fuzz;

/// <summary>The checkout the command runs in: committed test data and the corpus of findings.</summary>
internal static class Repository
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string TestData => Path.Combine(Root, "tests", "testdata");

    /// <summary>tests/testdata/fuzz/&lt;target&gt;: inputs that found something, replayed by the tests.</summary>
    public static string Corpus(string target) => Path.Combine(TestData, "fuzz", target);

    public static byte[] Read(string relative) => File.ReadAllBytes(Path.Combine(TestData, relative));

    /// <summary>Every file of a target's corpus, in name order (earlier findings seed later runs).</summary>
    public static IEnumerable<byte[]> CorpusFiles(string target)
    {
        var directory = Corpus(target);
        if (!Directory.Exists(directory))
        {
            yield break;
        }
        foreach (var path in Directory.GetFiles(directory).Order(StringComparer.Ordinal))
        {
            yield return File.ReadAllBytes(path);
        }
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "GrafanaProfiles.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new DirectoryNotFoundException("GrafanaProfiles.sln not found above the current directory or " + AppContext.BaseDirectory + ": run the command inside the repository.");
    }
}
