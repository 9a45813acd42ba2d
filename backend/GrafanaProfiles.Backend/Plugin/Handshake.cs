using System.Globalization;

namespace GrafanaProfiles.Backend.Plugin;

/// <summary>
/// The go-plugin handshake: the magic cookie Grafana sets, the protocol versions it offers, and the
/// one stdout line the plugin answers with (<c>CORE|APP|NETWORK|ADDRESS|PROTOCOL</c>).
/// </summary>
public static class Handshake
{
    public const int CoreProtocolVersion = 1;
    public const int AppProtocolVersion = 2;
    public const string MagicCookieKey = "grafana_plugin_type";
    public const string MagicCookieValue = "datasource";

    /// <summary>Null when the process was started by a plugin host; otherwise why it refuses to run.</summary>
    public static string? Refusal(Func<string, string?> environment)
    {
        if (environment(MagicCookieKey) != MagicCookieValue)
        {
            return "This binary is the Grafana Profiles data source plugin; Grafana starts it (it is not meant to be run by hand). " +
                   "Install it into Grafana's plugins directory, or run 'grafana-profiles-collector' for the profile store.";
        }
        var offered = environment("PLUGIN_PROTOCOL_VERSIONS");
        if (!string.IsNullOrEmpty(offered) &&
            !offered.Split(',').Any(v => int.TryParse(v.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n == AppProtocolVersion))
        {
            return $"The plugin host offers protocol version(s) {offered}; this plugin speaks version {AppProtocolVersion}.";
        }
        return null;
    }

    /// <summary>The line printed once the server listens, e.g. <c>1|2|unix|/tmp/plugin123|grpc</c>.</summary>
    public static string Line(string network, string address) =>
        $"{CoreProtocolVersion}|{AppProtocolVersion}|{network}|{address}|grpc";
}
