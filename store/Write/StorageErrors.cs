namespace GrafanaProfiles.Store.Write;

/// <summary>
/// Names a disk failure for a sender: the cause without the file's path (which the collector's own
/// log line keeps). On Linux and macOS an <see cref="IOException"/> from a system call carries its
/// errno as <see cref="Exception.HResult"/>.
/// </summary>
internal static class StorageErrors
{
    public static string Describe(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        IOException { HResult: 28 } => "no space left on device",
        IOException { HResult: 30 } => "read-only file system",
        IOException { HResult: 122 } => "disk quota exceeded",
        IOException { HResult: 5 } => "input/output error",
        IOException { HResult: 27 } => "file too large",
        IOException => "the disk refused the write",
        _ => e.GetType().Name,
    };
}
