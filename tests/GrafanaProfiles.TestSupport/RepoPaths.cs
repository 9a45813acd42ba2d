namespace GrafanaProfiles.TestSupport;

/// <summary>Finds the repository and the build output of sibling projects from the test assembly's folder.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>bin/&lt;Configuration&gt;/&lt;tfm&gt; of this test run, e.g. Release/net10.0.</summary>
    private static (string Configuration, string Framework) Build()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return (dir.Parent!.Name, dir.Name);
    }

    /// <summary>The main assembly of another project built in the same configuration.</summary>
    public static string ProjectOutput(string projectFolder, string assemblyName)
    {
        var (configuration, framework) = Build();
        var path = Path.Combine(Root, projectFolder, "bin", configuration, framework, assemblyName + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built; build the solution first.", path);
    }

    /// <summary>
    /// A file of the shared reference material that sits beside the repository (<c>../shared/…</c>),
    /// e.g. the Grafana SDK's golden frame. Looked for beside this checkout and, when this checkout is
    /// a clone of a local repository (as CI makes one), beside that repository; <c>GP_SHARED_DIR</c>
    /// names the folder outright. Throws naming the places it looked.
    /// </summary>
    public static string SharedFile(params string[] relative)
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("GP_SHARED_DIR") is { Length: > 0 } configured)
        {
            candidates.Add(configured);
        }
        candidates.Add(Path.Combine(Root, "..", "shared"));
        if (CloneOrigin() is { } origin)
        {
            candidates.Add(Path.Combine(origin, "..", "shared"));
        }
        foreach (var dir in candidates)
        {
            var path = Path.GetFullPath(Path.Combine([dir, .. relative]));
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new FileNotFoundException(
            $"{Path.Combine(relative)} was not found under {string.Join(" or ", candidates.Select(Path.GetFullPath))}; set GP_SHARED_DIR to the shared folder.");
    }

    /// <summary>The local repository this checkout was cloned from, read from .git/config; null when none.</summary>
    private static string? CloneOrigin()
    {
        var config = Path.Combine(Root, ".git", "config");
        if (!File.Exists(config))
        {
            return null;
        }
        var inOrigin = false;
        foreach (var raw in File.ReadLines(config))
        {
            var line = raw.Trim();
            if (line.StartsWith('['))
            {
                inOrigin = line == "[remote \"origin\"]";
            }
            else if (inOrigin && line.StartsWith("url", StringComparison.Ordinal) && line.Split('=', 2) is [_, var url])
            {
                var path = url.Trim();
                path = path.StartsWith("file://", StringComparison.Ordinal) ? path["file://".Length..] : path;
                return Directory.Exists(path) ? Path.GetFullPath(path) : null;
            }
        }
        return null;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GrafanaProfiles.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("GrafanaProfiles.sln not found above " + AppContext.BaseDirectory);
    }
}
