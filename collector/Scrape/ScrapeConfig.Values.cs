using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace GrafanaProfiles.Collector.Scrape;

public static partial class ScrapeConfig
{
    /// <summary>
    /// A Prometheus duration (<c>1h30m</c>, <c>10s</c>, <c>500ms</c>; units y w d h m s ms, largest
    /// first) or a .NET TimeSpan (<c>00:00:10</c>).
    /// </summary>
    internal static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        text = text.Trim();
        var match = DurationPattern().Match(text);
        if (match.Success && text.Length > 0 && text != "0")
        {
            long ms = 0;
            (string Group, long Ms)[] units = [("y", 365L * 86_400_000), ("w", 7L * 86_400_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)];
            foreach (var (group, unitMs) in units)
            {
                if (match.Groups[group].Success)
                {
                    if (!long.TryParse(match.Groups[group].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > long.MaxValue / unitMs / 2)
                    {
                        return false;
                    }
                    ms += n * unitMs;
                }
            }
            if (ms > TimeSpan.MaxValue.TotalMilliseconds)
            {
                return false;
            }
            duration = TimeSpan.FromMilliseconds(ms);
            return true;
        }
        if (text == "0")
        {
            return true;
        }
        return text.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration);
    }

    [GeneratedRegex(@"^(?:(?<y>\d+)y)?(?:(?<w>\d+)w)?(?:(?<d>\d+)d)?(?:(?<h>\d+)h)?(?:(?<m>\d+)m)?(?:(?<s>\d+)s)?(?:(?<ms>\d+)ms)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();

    /// <summary>A byte size: a plain number of bytes, or a number with B, KiB, MiB or GiB.</summary>
    internal static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        var match = SizePattern().Match(text.Trim());
        if (!match.Success || !long.TryParse(match.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return false;
        }
        var multiplier = match.Groups["unit"].Value switch
        {
            "KiB" => 1L << 10,
            "MiB" => 1L << 20,
            "GiB" => 1L << 30,
            _ => 1L,
        };
        if (n > long.MaxValue / multiplier)
        {
            return false;
        }
        bytes = n * multiplier;
        return true;
    }

    [GeneratedRegex(@"^(?<n>\d+)\s*(?<unit>B|KiB|MiB|GiB)?$", RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();

    /// <summary><c>host:port</c> with a DNS name, an IPv4 address or a bracketed IPv6 address, and a port 1–65535.</summary>
    internal static bool IsHostPort(string target)
    {
        var colon = target.LastIndexOf(':');
        if (colon <= 0 || colon == target.Length - 1)
        {
            return false;
        }
        var host = target[..colon];
        var port = target[(colon + 1)..];
        if (!port.All(char.IsAsciiDigit) || !int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65_535)
        {
            return false;
        }
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            return IPAddress.TryParse(host[1..^1], out var address) && address.AddressFamily == AddressFamily.InterNetworkV6;
        }
        return Uri.CheckHostName(host) is UriHostNameType.Dns or UriHostNameType.IPv4;
    }

    internal static string Format(TimeSpan duration) =>
        duration.TotalMilliseconds % 1000 != 0 ? $"{duration.TotalMilliseconds:0}ms" : $"{duration.TotalSeconds:0}s";
}
