using System.Globalization;
using System.Text.Json;

namespace GrafanaProfiles.Backend.Settings;

/// <summary>
/// The settings of one data source, read from its <c>jsonData</c> (and <c>secureJsonData</c>) as Grafana
/// sends them in every request's plugin context. Every limit is named here and has a default.
/// </summary>
public sealed record PluginSettings
{
    /// <summary>The store's data directory (the collector's <c>data_dir</c>), as seen from Grafana's machine.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The tenant whose data this data source reads (the collector's <c>X-Scope-OrgID</c>).</summary>
    public string Tenant { get; init; } = "default";

    /// <summary>Profile type a query uses when it names none.</summary>
    public string DefaultProfileType { get; init; } = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";

    /// <summary>A query running longer is interrupted (<c>queryTimeout</c>, e.g. <c>30s</c>).</summary>
    public TimeSpan QueryTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>DuckDB memory limit of one query (<c>memoryLimit</c>, e.g. <c>1GB</c>).</summary>
    public string MemoryLimit { get; init; } = "1GB";

    /// <summary>Most rows a SQL query returns; more are cut with a notice (<c>rowLimit</c>).</summary>
    public int RowLimit { get; init; } = 100_000;

    /// <summary>Whether <c>rowLimit</c> was set; when not, Grafana's own <c>[sql] row_limit</c> applies if it sends one.</summary>
    public bool RowLimitIsSet { get; init; }

    /// <summary>Smallest time-series step (<c>minStep</c>, Pyroscope's setting of the same name).</summary>
    public TimeSpan MinStep { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Whether flame graphs and series read the store's rollups for whole hours and days
    /// (<c>useRollups</c>, default true); false reads raw samples only, for comparing answers and timings.
    /// </summary>
    public bool UseRollups { get; init; } = true;

    public const int MaxRowLimit = 10_000_000;

    /// <summary>Reads the settings; a bad value throws <see cref="SettingsException"/> naming the setting.</summary>
    public static PluginSettings Parse(ReadOnlySpan<byte> jsonData, IReadOnlyDictionary<string, string>? secure = null)
    {
        if (jsonData.IsEmpty)
        {
            throw new SettingsException("dataDirectory", "The data source has no settings; set 'Data directory' to the collector's data directory.");
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(jsonData.ToArray());
        }
        catch (JsonException e)
        {
            throw new SettingsException("jsonData", $"The data source settings are not valid JSON: {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new SettingsException("jsonData", "The data source settings must be a JSON object.");
            }
            var dataDirectory = String(root, "dataDirectory");
            if (string.IsNullOrWhiteSpace(dataDirectory))
            {
                throw new SettingsException("dataDirectory", "Set 'Data directory' (jsonData.dataDirectory) to the collector's data directory.");
            }
            var settings = new PluginSettings { DataDirectory = dataDirectory };
            var tenant = String(root, "tenant");
            if (secure is not null && secure.TryGetValue("tenant", out var secureTenant) && !string.IsNullOrEmpty(secureTenant))
            {
                tenant = secureTenant;
            }
            if (!string.IsNullOrEmpty(tenant))
            {
                if (!IsValidTenant(tenant))
                {
                    throw new SettingsException("tenant", $"Tenant '{tenant}' may contain only letters, digits, '-', '_' and '.' (at most 150 characters).");
                }
                settings = settings with { Tenant = tenant };
            }
            if (String(root, "defaultProfileType") is { Length: > 0 } type)
            {
                if (type.Split(':').Length != 5)
                {
                    throw new SettingsException("defaultProfileType", $"Default profile type '{type}' must have five ':'-separated parts, e.g. process_cpu:cpu:nanoseconds:cpu:nanoseconds.");
                }
                settings = settings with { DefaultProfileType = type };
            }
            if (String(root, "queryTimeout") is { Length: > 0 } timeout)
            {
                settings = settings with { QueryTimeout = Duration("queryTimeout", timeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1)) };
            }
            if (String(root, "minStep") is { Length: > 0 } minStep)
            {
                settings = settings with { MinStep = Duration("minStep", minStep, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)) };
            }
            if (String(root, "memoryLimit") is { Length: > 0 } memory)
            {
                settings = settings with { MemoryLimit = MemorySize("memoryLimit", memory) };
            }
            if (root.TryGetProperty("useRollups", out var useRollups) && useRollups.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                settings = settings with { UseRollups = useRollups.GetBoolean() };
            }
            if (root.TryGetProperty("rowLimit", out var rowLimit) && rowLimit.ValueKind != JsonValueKind.Null)
            {
                int rows = rowLimit.ValueKind switch
                {
                    JsonValueKind.Number when rowLimit.TryGetInt32(out var n) => n,
                    JsonValueKind.String when int.TryParse(rowLimit.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
                    _ => -1,
                };
                if (rows < 1 || rows > MaxRowLimit)
                {
                    throw new SettingsException("rowLimit", $"Row limit must be a whole number from 1 to {MaxRowLimit:N0}; got {rowLimit.GetRawText()}.");
                }
                settings = settings with { RowLimit = rows, RowLimitIsSet = true };
            }
            return settings;
        }
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()?.Trim() : null;

    private static bool IsValidTenant(string tenant) =>
        tenant.Length <= 150 && tenant != "." && tenant != ".." &&
        tenant.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>Parses <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>, <c>1d</c> (or a bare number of seconds).</summary>
    public static TimeSpan Duration(string setting, string text, TimeSpan min, TimeSpan max)
    {
        if (!TryParseDuration(text, out var value))
        {
            throw new SettingsException(setting, $"'{text}' is not a duration; use a number with a unit such as 500ms, 30s, 5m or 1h.");
        }
        if (value < min || value > max)
        {
            throw new SettingsException(setting, $"{setting} must be between {min} and {max}; got {text}.");
        }
        return value;
    }

    /// <summary>Grafana-style durations: <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>, <c>d</c>, <c>w</c>, <c>y</c>; a bare number is seconds.</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        text = text.Trim();
        int split = 0;
        while (split < text.Length && (char.IsAsciiDigit(text[split]) || text[split] == '.'))
        {
            split++;
        }
        if (split == 0 || !double.TryParse(text.AsSpan(0, split), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }
        double? seconds = text[split..] switch
        {
            "" or "s" => number,
            "ms" => number / 1000,
            "m" => number * 60,
            "h" => number * 3600,
            "d" => number * 86_400,
            "w" => number * 7 * 86_400,
            "y" => number * 365 * 86_400,
            _ => null,
        };
        if (seconds is not { } s || double.IsInfinity(s) || s > TimeSpan.MaxValue.TotalSeconds)
        {
            return false;
        }
        value = TimeSpan.FromSeconds(s);
        return true;
    }

    private static string MemorySize(string setting, string text)
    {
        var t = text.Trim().Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        int split = 0;
        while (split < t.Length && (char.IsAsciiDigit(t[split]) || t[split] == '.'))
        {
            split++;
        }
        bool ok = split > 0 && double.TryParse(t.AsSpan(0, split), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0
            && t[split..] is "KB" or "MB" or "GB" or "TB" or "KIB" or "MIB" or "GIB" or "TIB";
        if (!ok)
        {
            throw new SettingsException(setting, $"'{text}' is not a memory size; use a number with KB, MB, GB or TB, e.g. 1GB.");
        }
        return t;
    }
}

/// <summary>A data source setting is missing or wrong; <see cref="Setting"/> names it.</summary>
public sealed class SettingsException(string setting, string message) : Exception(message)
{
    public SettingsException() : this("jsonData", "The data source settings are not valid.") { }

    public SettingsException(string message, Exception inner) : this("jsonData", message + " " + inner.Message) { }

    public string Setting { get; } = setting;
}
