using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace GrafanaProfiles.Collector.Scrape;

/// <summary>
/// Reads the scrape configuration: <see cref="Bind"/> from a configuration section (snake_case
/// keys, Parca's names), <see cref="Resolve"/> into validated <see cref="ScrapeJob"/>s. Both
/// report every problem at once, each naming the setting.
/// </summary>
public static partial class ScrapeConfig
{
    /// <summary>
    /// Binds <paramref name="section"/> (the host's <c>scrape</c> section). Unknown keys (a
    /// misspelt setting would otherwise be ignored silently) and values of the wrong type throw
    /// <see cref="ScrapeConfigException"/>. A missing section gives no jobs.
    /// </summary>
    public static ScrapeOptions Bind(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var errors = new List<string>();
        FindUnknownKeys(section, typeof(ScrapeOptions), errors);
        if (errors.Count > 0)
        {
            throw new ScrapeConfigException(errors);
        }
        try
        {
            return section.Get<ScrapeOptions>() ?? new ScrapeOptions();
        }
        catch (InvalidOperationException e)
        {
            // The binder's message names the key path and the type it wanted.
            throw new ScrapeConfigException([e.InnerException is null ? e.Message : $"{e.Message} ({e.InnerException.Message})"]);
        }
    }

    private static void FindUnknownKeys(IConfiguration section, Type type, List<string> errors)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .ToDictionary(KeyOf, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var property))
            {
                var known = string.Join(", ", properties.Keys.Order(StringComparer.Ordinal));
                errors.Add($"{DisplayPath(child.Path)}: '{child.Key}' is not a setting here; the settings are {known}.");
                continue;
            }
            CheckValue(child, property.PropertyType, errors);
        }
    }

    private static void CheckValue(IConfigurationSection section, Type type, List<string> errors)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            foreach (var item in section.GetChildren())
            {
                CheckValue(item, type.GetGenericArguments()[0], errors);
            }
        }
        else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            foreach (var item in section.GetChildren())
            {
                CheckValue(item, type.GetGenericArguments()[1], errors);
            }
        }
        else if (type.Namespace == typeof(ScrapeOptions).Namespace)
        {
            FindUnknownKeys(section, type, errors);
        }
        else if (section.GetChildren().Any())
        {
            errors.Add($"{DisplayPath(section.Path)}: expected a single value, found a nested section.");
        }
        else if (section.Value is { Length: > 0 } value && !Converts(Nullable.GetUnderlyingType(type) ?? type, value, out var expected))
        {
            // Checked here because the binder drops a dictionary entry whose value fails to
            // convert, without a word: pprof_config.memory.enabled: "no" would leave memory on.
            errors.Add($"{DisplayPath(section.Path)}: '{value}' is not {expected}.");
        }
    }

    private static bool Converts(Type type, string value, out string expected)
    {
        expected = type == typeof(bool) ? "a Boolean (true or false)" : type == typeof(int) ? "a whole number" : "a number";
        return type == typeof(bool) ? bool.TryParse(value, out _)
            : type == typeof(int) ? int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
            : type != typeof(double) || double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
    }

    private static string KeyOf(PropertyInfo property) =>
        property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name;

    /// <summary><c>scrape:scrape_configs:0:job_name</c> → <c>scrape.scrape_configs[0].job_name</c>.</summary>
    internal static string DisplayPath(string configurationPath)
    {
        var parts = configurationPath.Split(':');
        var text = new System.Text.StringBuilder();
        foreach (var part in parts)
        {
            if (part.Length > 0 && part.All(char.IsAsciiDigit) && text.Length > 0)
            {
                text.Append('[').Append(part).Append(']');
            }
            else
            {
                if (text.Length > 0)
                {
                    text.Append('.');
                }
                text.Append(part);
            }
        }
        return text.ToString();
    }
}
