using System.Globalization;
using System.Text;
using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Backend.Settings;

namespace GrafanaProfiles.Backend.Sql;

/// <summary>
/// Grafana's SQL macros (<c>$__timeFilter(time)</c>, <c>$__interval</c>, …) expanded into DuckDB SQL for
/// one query's time range and interval. Rules (README.md, "Macros"):
/// <list type="bullet">
/// <item>In SQL code every <c>$__name</c> is a macro; an unknown name or a wrong argument count is
/// the user's error, naming the macro.</item>
/// <item>Inside single-quoted strings only the value macros <c>$__interval</c> and
/// <c>$__interval_ms</c> expand, so <c>INTERVAL '$__interval'</c> works as in Grafana's SQL data
/// sources; anything else there is text.</item>
/// <item>Comments, quoted identifiers and dollar-quoted strings are left alone, so a commented-out
/// line never fails.</item>
/// <item>Arguments may hold nested parentheses, strings and other macros; top-level commas split them.</item>
/// </list>
/// </summary>
public sealed class SqlMacros
{
    private static readonly DateTime Epoch = DateTime.UnixEpoch;

    private readonly DateTime _from;
    private readonly DateTime _to;
    private readonly TimeSpan _interval;

    public SqlMacros(DateTime fromUtc, DateTime toUtc, TimeSpan interval)
    {
        _from = DateTime.SpecifyKind(fromUtc, DateTimeKind.Utc);
        _to = DateTime.SpecifyKind(toUtc, DateTimeKind.Utc);
        _interval = interval > TimeSpan.Zero ? interval : TimeSpan.FromSeconds(1);
    }

    /// <summary>The macros this class knows, with their argument names, for errors and the editor.</summary>
    public static IReadOnlyDictionary<string, string[]> Known { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["timeFilter"] = ["time column"],
        ["timeFrom"] = [],
        ["timeTo"] = [],
        ["time"] = ["time column"],
        ["timeGroup"] = ["time column", "interval"],
        ["timeGroupAlias"] = ["time column", "interval"],
        ["unixEpochFilter"] = ["seconds column"],
        ["unixEpochFrom"] = [],
        ["unixEpochTo"] = [],
        ["unixEpochNanoFilter"] = ["nanoseconds column"],
        ["unixEpochNanoFrom"] = [],
        ["unixEpochNanoTo"] = [],
        ["unixEpochGroup"] = ["seconds column", "interval"],
        ["unixEpochGroupAlias"] = ["seconds column", "interval"],
        ["interval"] = [],
        ["interval_ms"] = [],
    };

    /// <summary>Expands every macro; a bad one throws a 400 <see cref="QueryFailedException"/> naming it.</summary>
    public string Expand(string sql)
    {
        var output = new StringBuilder(sql.Length + 64);
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (c == '\'')
            {
                var end = SqlText.EndOfQuoted(sql, i, '\'');
                output.Append(ExpandInString(sql[i..end]));
                i = end;
            }
            else if (c == '"')
            {
                var end = SqlText.EndOfQuoted(sql, i, '"');
                output.Append(sql, i, end - i);
                i = end;
            }
            else if (c == '-' && At(sql, i + 1, '-') || c == '/' && At(sql, i + 1, '*'))
            {
                var end = SqlText.EndOfComment(sql, i);
                output.Append(sql, i, end - i);
                i = end;
            }
            else if (c == '$' && SqlText.DollarQuoteEnd(sql, i) is { } quoteEnd)
            {
                output.Append(sql, i, quoteEnd - i);
                i = quoteEnd;
            }
            else if (c == '$' && sql.AsSpan(i).StartsWith("$__", StringComparison.Ordinal))
            {
                i = ExpandMacro(sql, i, output);
            }
            else
            {
                output.Append(c);
                i++;
            }
        }
        return output.ToString();
    }

    private static bool At(string sql, int index, char c) => index < sql.Length && sql[index] == c;

    /// <summary>Inside a string literal only the value macros expand (longest name first).</summary>
    private string ExpandInString(string literal) =>
        literal.Contains("$__interval", StringComparison.Ordinal)
            ? literal.Replace("$__interval_ms", IntervalMs, StringComparison.Ordinal).Replace("$__interval", FormatInterval(_interval), StringComparison.Ordinal)
            : literal;

    private string IntervalMs => ((long)_interval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

    /// <summary>Expands the macro at <paramref name="start"/> (<c>$__</c>) and returns the index after it.</summary>
    private int ExpandMacro(string sql, int start, StringBuilder output)
    {
        var nameStart = start + 3;
        var nameEnd = nameStart;
        while (nameEnd < sql.Length && (char.IsAsciiLetterOrDigit(sql[nameEnd]) || sql[nameEnd] == '_'))
        {
            nameEnd++;
        }
        var name = sql[nameStart..nameEnd];
        if (!Known.TryGetValue(name, out var parameters))
        {
            var known = string.Join(", ", Known.Keys.Select(k => "$__" + k));
            throw QueryFailedException.BadRequest($"Unknown macro $__{name}. Known macros: {known}.");
        }
        List<string> args = [];
        var end = nameEnd;
        if (At(sql, nameEnd, '('))
        {
            (args, end) = SplitArguments(sql, nameEnd, name);
            args = [.. args.Select(Expand)];
        }
        if (args.Count != parameters.Length)
        {
            throw ArgumentCount(name, parameters, args.Count);
        }
        output.Append(ExpandKnown(name, args));
        return end;
    }

    private static QueryFailedException ArgumentCount(string name, string[] parameters, int got) =>
        QueryFailedException.BadRequest(parameters.Length == 0
            ? $"Macro $__{name} takes no arguments; got {got}. Write $__{name}{(name.StartsWith("interval", StringComparison.Ordinal) ? "" : "()")}."
            : $"Macro $__{name} takes {parameters.Length} argument{(parameters.Length == 1 ? "" : "s")} ({string.Join(", ", parameters)}); got {got}. Write $__{name}({string.Join(", ", parameters.Select(p => p.Replace(' ', '_')))}).");

    private string ExpandKnown(string name, List<string> a) => name switch
    {
        "timeFilter" => $"{a[0]} >= {Timestamp(_from)} AND {a[0]} < {Timestamp(_to)}",
        "timeFrom" => Timestamp(_from),
        "timeTo" => Timestamp(_to),
        "time" => $"{a[0]} AS \"time\"",
        "timeGroup" => TimeGroup(name, a[0], a[1]),
        "timeGroupAlias" => TimeGroup(name, a[0], a[1]) + " AS \"time\"",
        "unixEpochFilter" => $"{a[0]} >= {Seconds(_from)} AND {a[0]} <= {Seconds(_to)}",
        "unixEpochFrom" => Seconds(_from),
        "unixEpochTo" => Seconds(_to),
        "unixEpochNanoFilter" => $"{a[0]} >= {Nanos(_from)} AND {a[0]} <= {Nanos(_to)}",
        "unixEpochNanoFrom" => Nanos(_from),
        "unixEpochNanoTo" => Nanos(_to),
        "unixEpochGroup" => EpochGroup(name, a[0], a[1]),
        "unixEpochGroupAlias" => EpochGroup(name, a[0], a[1]) + " AS \"time\"",
        "interval" => FormatInterval(_interval),
        "interval_ms" => IntervalMs,
        _ => throw new InvalidOperationException($"Macro $__{name} is listed but not expanded."),
    };

    /// <summary>A DuckDB TIMESTAMP literal, microsecond precision, UTC.</summary>
    public static string Timestamp(DateTime utc) =>
        "TIMESTAMP '" + utc.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "'";

    private static string Seconds(DateTime utc) => ((long)Math.Floor((utc - Epoch).TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    private static string Nanos(DateTime utc) => ((utc - Epoch).Ticks * 100).ToString(CultureInfo.InvariantCulture);

    /// <summary>Buckets aligned to the Unix epoch, as Grafana's SQL engines floor epoch seconds.</summary>
    private static string TimeGroup(string macro, string column, string interval) =>
        $"time_bucket({IntervalLiteral(ParseInterval(macro, interval))}, {column}, TIMESTAMP '1970-01-01 00:00:00')";

    private static string EpochGroup(string macro, string column, string interval)
    {
        var seconds = ParseInterval(macro, interval).TotalSeconds.ToString("0.######", CultureInfo.InvariantCulture);
        return $"floor(({column}) / {seconds}) * {seconds}";
    }

    /// <summary>An interval argument: <c>1m</c>, <c>'30s'</c>, <c>500ms</c>, a bare number of seconds.</summary>
    private static TimeSpan ParseInterval(string macro, string text)
    {
        var trimmed = text.Trim().Trim('\'', '"').Trim();
        if (!PluginSettings.TryParseDuration(trimmed, out var interval) || interval < TimeSpan.FromMilliseconds(1))
        {
            throw QueryFailedException.BadRequest(
                $"Macro $__{macro}: '{text}' is not an interval; use a duration such as 1m, '30s', 500ms or $__interval.");
        }
        return interval;
    }

    /// <summary>A DuckDB INTERVAL literal in the largest unit that keeps the value whole.</summary>
    public static string IntervalLiteral(TimeSpan interval)
    {
        var micros = interval.Ticks / 10;
        if (micros % 1_000_000 == 0)
        {
            return $"INTERVAL '{micros / 1_000_000} seconds'";
        }
        return micros % 1000 == 0 ? $"INTERVAL '{micros / 1000} milliseconds'" : $"INTERVAL '{micros} microseconds'";
    }

    /// <summary>
    /// Grafana's <c>gtime.FormatInterval</c>: the largest unit that is at least 1, truncated
    /// (<c>90s</c> → <c>1m</c>), <c>1ms</c> at the least.
    /// </summary>
    public static string FormatInterval(TimeSpan interval)
    {
        var ticks = interval.Ticks;
        static string F(long value, string unit) => value.ToString(CultureInfo.InvariantCulture) + unit;
        return ticks switch
        {
            >= 365 * TimeSpan.TicksPerDay => F(ticks / (365 * TimeSpan.TicksPerDay), "y"),
            >= TimeSpan.TicksPerDay => F(ticks / TimeSpan.TicksPerDay, "d"),
            >= TimeSpan.TicksPerHour => F(ticks / TimeSpan.TicksPerHour, "h"),
            >= TimeSpan.TicksPerMinute => F(ticks / TimeSpan.TicksPerMinute, "m"),
            >= TimeSpan.TicksPerSecond => F(ticks / TimeSpan.TicksPerSecond, "s"),
            >= TimeSpan.TicksPerMillisecond => F(ticks / TimeSpan.TicksPerMillisecond, "ms"),
            _ => "1ms",
        };
    }

    /// <summary>The arguments between the parentheses at <paramref name="open"/>, trimmed, and the index after <c>)</c>.</summary>
    private static (List<string> Arguments, int End) SplitArguments(string sql, int open, string macro)
    {
        var args = new List<string>();
        var depth = 0;
        var argStart = open + 1;
        var i = open;
        while (i < sql.Length)
        {
            var c = sql[i];
            switch (c)
            {
                case '\'' or '"':
                    i = SqlText.EndOfQuoted(sql, i, c);
                    continue;
                case '-' when At(sql, i + 1, '-'):
                case '/' when At(sql, i + 1, '*'):
                    i = SqlText.EndOfComment(sql, i);
                    continue;
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    if (depth == 0)
                    {
                        var last = sql[argStart..i].Trim();
                        if (last.Length > 0 || args.Count > 0)
                        {
                            args.Add(last);
                        }
                        return (args, i + 1);
                    }
                    break;
                case ',' when depth == 1:
                    args.Add(sql[argStart..i].Trim());
                    argStart = i + 1;
                    break;
            }
            i++;
        }
        throw QueryFailedException.BadRequest($"Macro $__{macro}( has no closing parenthesis; close its argument list with ')'.");
    }
}
