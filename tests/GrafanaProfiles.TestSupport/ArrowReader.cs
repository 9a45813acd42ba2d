using System.Diagnostics;
using System.Text.Json;

namespace GrafanaProfiles.TestSupport;

/// <summary>
/// Runs tests/GrafanaProfiles.Backend.Frames.Tests/arrow-reader/read.mjs (the apache-arrow npm package, an
/// Arrow implementation independent of our writer) on Arrow files and returns its JSON: schema
/// metadata, each field's name, type, nullability, metadata and values. Node and npm are required:
/// a missing tool fails the test, it never skips.
/// </summary>
public static class ArrowReader
{
    private static readonly Lazy<string> ReaderDirectory = new(Install);

    /// <summary>The reader's sources in the repository.</summary>
    public static string SourceDirectory => Path.Combine(RepoPaths.Root, "tests", "GrafanaProfiles.Backend.Frames.Tests", "arrow-reader");

    public static JsonElement Read(byte[] arrowFile) => ReadMany([arrowFile])[0];

    /// <summary>Decodes several files with one node run.</summary>
    public static IReadOnlyList<JsonElement> ReadMany(IReadOnlyList<byte[]> arrowFiles)
    {
        if (arrowFiles.Count == 0)
        {
            return [];
        }
        var dir = Path.Combine(Path.GetTempPath(), "gp-frames-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        try
        {
            var paths = arrowFiles.Select((bytes, i) =>
            {
                var path = Path.Combine(dir, $"{i}.arrow");
                File.WriteAllBytes(path, bytes);
                return path;
            }).ToList();
            return ReadFiles(paths);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    public static JsonElement ReadFile(string path) => ReadFiles([path])[0];

    private static IReadOnlyList<JsonElement> ReadFiles(IReadOnlyList<string> paths)
    {
        var output = Run("node", ["read.mjs", .. paths], ReaderDirectory.Value);
        var json = JsonDocument.Parse(output).RootElement.Clone();
        // read.mjs prints an object for one file and an array for several.
        return paths.Count == 1 ? [json] : [.. json.EnumerateArray()];
    }

    private static string Install()
    {
        var target = Path.Combine(Path.GetTempPath(), $"gp-arrow-reader-{Environment.ProcessId}");
        Directory.CreateDirectory(target);
        foreach (var name in new[] { "package.json", "package-lock.json", "read.mjs" })
        {
            File.Copy(Path.Combine(SourceDirectory, name), Path.Combine(target, name), overwrite: true);
        }
        Run("npm", ["ci", "--no-audit", "--no-fund", "--ignore-scripts"], target);
        return target;
    }

    private static string Run(string tool, string[] arguments, string directory)
    {
        var start = new ProcessStartInfo(tool) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {tool}.");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0
            ? stdout
            : throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} exited with {process.ExitCode}: {stderr.Result}");
    }
}
