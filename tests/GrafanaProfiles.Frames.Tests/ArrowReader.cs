using System.Diagnostics;
using System.Text.Json;

namespace GrafanaProfiles.Frames.Tests;

/// <summary>
/// Runs arrow-reader/read.mjs (the apache-arrow npm package, independent of our writer) on a file and
/// returns its JSON. Node and npm are required: a missing tool fails the test, it never skips.
/// </summary>
internal static class ArrowReader
{
    private static readonly Lazy<string> ReaderDirectory = new(Install);

    public static JsonElement Read(byte[] arrowFile)
    {
        string path = Path.Combine(Path.GetTempPath(), $"frames-{Guid.NewGuid():N}.arrow");
        File.WriteAllBytes(path, arrowFile);
        try
        {
            return ReadFile(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static JsonElement ReadFile(string path)
    {
        string output = Run("node", ["read.mjs", path], ReaderDirectory.Value);
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    private static string Install()
    {
        string source = Path.Combine(SourceDirectory(), "arrow-reader");
        string target = Path.Combine(Path.GetTempPath(), $"frames-arrow-reader-{Environment.ProcessId}");
        Directory.CreateDirectory(target);
        foreach (string name in new[] { "package.json", "package-lock.json", "read.mjs" })
        {
            File.Copy(Path.Combine(source, name), Path.Combine(target, name), overwrite: true);
        }

        Run("npm", ["ci", "--no-audit", "--no-fund", "--ignore-scripts"], target);
        return target;
    }

    public static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string file = "") =>
        Path.GetDirectoryName(file)!;

    private static string Run(string tool, string[] arguments, string directory)
    {
        var start = new ProcessStartInfo(tool)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {tool}.");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{tool} {string.Join(' ', arguments)} exited with {process.ExitCode}: {stderr.Result}");
        }

        return stdout;
    }
}
