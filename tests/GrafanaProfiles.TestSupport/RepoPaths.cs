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
