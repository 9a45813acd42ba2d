using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Backend.Plugin;

/// <summary>
/// Logs to stderr as hclog JSON lines, the form go-plugin's host parses and re-logs under the plugin's
/// name: <c>@level</c>, <c>@message</c>, <c>@timestamp</c> (Go layout <c>2006-01-02T15:04:05.000000Z07:00</c>),
/// <c>@module</c>, then the structured values of the message as their own keys.
/// </summary>
public sealed class HclogLoggerProvider(TextWriter output, LogLevel minimum) : ILoggerProvider
{
    private readonly Lock _gate = new();

    public LogLevel Minimum { get; } = minimum;

    public ILogger CreateLogger(string categoryName) => new HclogLogger(this, ShortName(categoryName));

    public void Dispose()
    {
    }

    /// <summary>Reads a level name as hclog spells them (trace, debug, info, warn, error); null for an unknown one.</summary>
    public static LogLevel? ParseLevel(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" => LogLevel.Information,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "off" => LogLevel.None,
        _ => null,
    };

    private static string ShortName(string category)
    {
        int dot = category.LastIndexOf('.');
        return dot >= 0 ? category[(dot + 1)..] : category;
    }

    internal void Write(LogLevel level, string module, string message, IEnumerable<KeyValuePair<string, object?>> values, Exception? exception)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("@level", level switch
            {
                LogLevel.Trace => "trace",
                LogLevel.Debug => "debug",
                LogLevel.Information => "info",
                LogLevel.Warning => "warn",
                _ => "error",
            });
            json.WriteString("@message", message);
            json.WriteString("@module", module);
            json.WriteString("@timestamp", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
            foreach (var (key, value) in values)
            {
                if (key == "{OriginalFormat}" || key.StartsWith('@'))
                {
                    continue;
                }
                switch (value)
                {
                    case null:
                        json.WriteNull(key);
                        break;
                    case int or long or double or float or decimal or short or uint or ulong:
                        json.WritePropertyName(key);
                        json.WriteRawValue(Convert.ToString(value, CultureInfo.InvariantCulture)!);
                        break;
                    case bool b:
                        json.WriteBoolean(key, b);
                        break;
                    default:
                        json.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture));
                        break;
                }
            }
            if (exception is not null)
            {
                json.WriteString("error", exception.ToString());
            }
            json.WriteEndObject();
        }
        var line = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        lock (_gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }

    private sealed class HclogLogger(HclogLoggerProvider provider, string module) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= provider.Minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var values = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
            provider.Write(logLevel, module, formatter(state, exception), values, exception);
        }
    }
}
