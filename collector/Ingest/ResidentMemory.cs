using System.Globalization;

namespace GrafanaProfiles.Collector.Ingest;

/// <summary>The process's resident memory (what <c>memory_limit</c> bounds), as the kernel counts it.</summary>
public static class ResidentMemory
{
    private static readonly long PageBytes = Environment.SystemPageSize;

    /// <summary>
    /// Resident pages times the page size, from <c>/proc/self/statm</c> (its second field): one
    /// short read, cheaper than <see cref="Environment.WorkingSet"/>'s parse of the status file.
    /// Elsewhere, <see cref="Environment.WorkingSet"/>.
    /// </summary>
    public static long Bytes()
    {
        try
        {
            Span<byte> buffer = stackalloc byte[128];
            using var file = File.OpenHandle("/proc/self/statm");
            var text = buffer[..RandomAccess.Read(file, buffer, 0)];
            var space = text.IndexOf((byte)' ');
            var rest = text[(space + 1)..];
            var end = rest.IndexOf((byte)' ');
            return long.Parse(System.Text.Encoding.ASCII.GetString(end < 0 ? rest : rest[..end]), CultureInfo.InvariantCulture) * PageBytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return Environment.WorkingSet;
        }
    }
}
