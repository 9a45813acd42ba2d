using System.Globalization;

namespace GrafanaProfiles.Backend.Settings;

/// <summary>
/// Plugin-wide settings an operator sets in Grafana's ini, section <c>[plugin.grafana-profiles-datasource]</c>,
/// which Grafana passes as <c>GF_PLUGIN_&lt;KEY&gt;</c> environment variables.
/// </summary>
public sealed record PluginEnvironment
{
    /// <summary>
    /// <c>data_root</c>: when set, every data source's data directory must lie inside it, so an
    /// organisation admin cannot point a data source (and its SQL) at other files of Grafana's machine.
    /// </summary>
    public string? DataRoot { get; init; }

    /// <summary><c>log_level</c>: trace, debug, info (default), warn or error.</summary>
    public string LogLevel { get; init; } = "info";

    /// <summary><c>max_receive_message_size</c>: largest gRPC request in bytes (default 16 MiB, as the Go SDK).</summary>
    public int MaxReceiveMessageSize { get; init; } = 16 * 1024 * 1024;

    /// <summary><c>max_concurrent_queries</c>: queries of one request run at once (default: Grafana's GF_CONCURRENT_QUERY_COUNT or the core count).</summary>
    public int? MaxConcurrentQueries { get; init; }

    public static PluginEnvironment FromEnvironment(Func<string, string?> get)
    {
        var environment = new PluginEnvironment();
        if (get("GF_PLUGIN_DATA_ROOT") is { Length: > 0 } root)
        {
            environment = environment with { DataRoot = Path.GetFullPath(root) };
        }
        if (get("GF_PLUGIN_LOG_LEVEL") is { Length: > 0 } level)
        {
            environment = environment with { LogLevel = level };
        }
        if (get("GF_PLUGIN_MAX_RECEIVE_MESSAGE_SIZE") is { Length: > 0 } size)
        {
            if (!int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) || bytes < 1024)
            {
                throw new SettingsException("max_receive_message_size", $"GF_PLUGIN_MAX_RECEIVE_MESSAGE_SIZE must be a number of bytes of at least 1024; got '{size}'.");
            }
            environment = environment with { MaxReceiveMessageSize = bytes };
        }
        if (get("GF_PLUGIN_MAX_CONCURRENT_QUERIES") is { Length: > 0 } concurrent)
        {
            if (!int.TryParse(concurrent, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > 256)
            {
                throw new SettingsException("max_concurrent_queries", $"GF_PLUGIN_MAX_CONCURRENT_QUERIES must be a number from 1 to 256; got '{concurrent}'.");
            }
            environment = environment with { MaxConcurrentQueries = n };
        }
        return environment;
    }

    /// <summary>Refuses data source settings the operator does not allow.</summary>
    public void Check(PluginSettings settings)
    {
        if (DataRoot is null)
        {
            return;
        }
        var full = Path.GetFullPath(settings.DataDirectory);
        var root = DataRoot.EndsWith(Path.DirectorySeparatorChar) ? DataRoot : DataRoot + Path.DirectorySeparatorChar;
        if (!(full + Path.DirectorySeparatorChar).StartsWith(root, StringComparison.Ordinal))
        {
            throw new SettingsException("dataDirectory",
                $"Data directory '{settings.DataDirectory}' is outside the plugin's data_root '{DataRoot}'; choose a directory inside it or ask the Grafana operator to change [plugin.grafana-profiles-datasource] data_root.");
        }
    }
}
