using System.Diagnostics;
using System.Globalization;

namespace GrafanaProfiles.TestSupport;

/// <summary>
/// A tmpfs of a given size mounted on a fresh temporary directory, to run the store on a disk that
/// fills up or turns read-only. Mounting needs root (CAP_SYS_ADMIN), as the test command runs;
/// without it the constructor throws with that reason. Dispose unmounts and deletes the directory.
/// </summary>
public sealed class SizedFilesystem : IDisposable
{
    private bool _mounted;

    public SizedFilesystem(long bytes)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "gp-fs-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
        var (code, output) = Mount("-t", "tmpfs", "-o", "size=" + bytes.ToString(CultureInfo.InvariantCulture), "tmpfs", Path);
        if (code != 0)
        {
            Directory.Delete(Path);
            throw new InvalidOperationException(
                $"Mounting a {bytes}-byte tmpfs failed ({output.Trim()}): the disk-full and read-only tests need root, as the test command runs.");
        }
        _mounted = true;
    }

    public string Path { get; }

    /// <summary>Grows or shrinks the filesystem (a full disk that gets room again).</summary>
    public void Resize(long bytes) => Remount("size=" + bytes.ToString(CultureInfo.InvariantCulture));

    /// <summary>Makes the filesystem read-only or writable again; fails while a file on it is open for writing (EBUSY).</summary>
    public void SetReadOnly(bool readOnly) => Remount(readOnly ? "ro" : "rw");

    private void Remount(string option)
    {
        var (code, output) = Mount("-o", "remount," + option, Path);
        if (code != 0)
        {
            throw new InvalidOperationException($"Remounting {Path} with {option} failed: {output.Trim()}");
        }
    }

    private static (int Code, string Output) Mount(params string[] args) => Run("mount", args);

    private static (int Code, string Output) Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        try
        {
            using var process = Process.Start(psi)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, stdout + stderr.GetAwaiter().GetResult());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }

    public void Dispose()
    {
        if (_mounted)
        {
            // Lazy: a process the test killed may still hold files open for a moment.
            Run("umount", "-l", Path);
            _mounted = false;
        }
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
