using System.Globalization;
using System.Text.RegularExpressions;
using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest.Pyroscope;

/// <summary>
/// The <c>from</c> and <c>until</c> parameters of <c>/ingest</c>, read as Pyroscope's attime
/// package reads them (pkg/og/util/attime) plus RFC 3339, but rejecting what it would silently
/// turn into a wrong time. See README.md, "Times".
/// </summary>
internal static partial class IngestTime
{
    private const long NanosPerSecond = 1_000_000_000;

    /// <summary>The first and last instants that 64-bit Unix nanoseconds hold, as the refusal names them.</summary>
    private static readonly DateTimeOffset Earliest = DateTimeOffset.UnixEpoch.AddTicks(long.MinValue / 100);
    private static readonly DateTimeOffset Latest = DateTimeOffset.UnixEpoch.AddTicks(long.MaxValue / 100);

    /// <summary>Unix nanoseconds of <paramref name="value"/>; <paramref name="now"/> anchors <c>now</c> and <c>now-1h</c>.</summary>
    public static long Parse(string parameter, string value, DateTimeOffset now)
    {
        try
        {
            return ParseUnchecked(parameter, value, now);
        }
        catch (OverflowException)
        {
            // Every conversion to nanoseconds below is checked arithmetic: a time 64 bits cannot hold.
            throw OutOfRange(parameter, value);
        }
    }

    private static long ParseUnchecked(string parameter, string value, DateTimeOffset now)
    {
        var text = value.Trim();
        if (Rfc3339().Match(text) is { Success: true } m)
        {
            return FromRfc3339(parameter, value, m);
        }
        // As attime does: digit groups may be written 1_700_000_000 or 1,700,000,000.
        text = text.Replace("_", "", StringComparison.Ordinal).Replace(",", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
        if (text.Length > 0 && text.AsSpan().IndexOfAnyExceptInRange('0', '9') < 0)
        {
            return FromDigits(parameter, value, text);
        }
        return FromRelative(parameter, value, text, now);
    }

    /// <summary>
    /// All digits: a date (YYYYMMDD, 8 digits), else a Unix time whose unit follows from its
    /// digit count, as attime does for 10, 13, 16 and 19 digits (years 2001 to 2286): 9–11
    /// seconds, 12–14 milliseconds, 15–17 microseconds, 18–19 nanoseconds.
    /// </summary>
    private static long FromDigits(string parameter, string value, string digits)
    {
        if (digits.Length == 8)
        {
            if (DateTime.TryParseExact(digits, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date)
                && date.Year > 1900)
            {
                return ToNanos(new DateTimeOffset(date, TimeSpan.Zero));
            }
            throw NotATime(parameter, value);
        }
        if (digits.Length is < 9 or > 19 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            throw NotATime(parameter, value);
        }
        var multiplier = digits.Length switch
        {
            <= 11 => NanosPerSecond,
            <= 14 => 1_000_000L,
            <= 17 => 1_000L,
            _ => 1L,
        };
        return checked(number * multiplier);
    }

    /// <summary><c>now</c>, <c>now-1h</c>, <c>now-1h30m</c>, <c>-30m</c>, <c>now+5s</c>: attime's units s, min/m, h, d, w, mon/M, y.</summary>
    private static long FromRelative(string parameter, string value, string text, DateTimeOffset now)
    {
        var sign = text.IndexOfAny(['+', '-']);
        var reference = sign < 0 ? text : text[..sign];
        if (reference.Length != 0 && !reference.Equals("now", StringComparison.OrdinalIgnoreCase))
        {
            throw NotATime(parameter, value);
        }
        if (sign < 0)
        {
            return ToNanos(now);
        }
        var negative = text[sign] == '-';
        var rest = text.AsSpan(sign + 1);
        if (rest.IsEmpty)
        {
            throw NotATime(parameter, value);
        }
        long seconds = 0;
        while (!rest.IsEmpty)
        {
            var digits = rest.IndexOfAnyExceptInRange('0', '9');
            if (digits <= 0)
            {
                throw NotATime(parameter, value);
            }
            var unitLength = rest[digits..].IndexOfAnyInRange('0', '9');
            var unit = unitLength < 0 ? rest[digits..] : rest.Slice(digits, unitLength);
            if (UnitSeconds(unit) is not { } perUnit)
            {
                throw NotATime(parameter, value);
            }
            if (!long.TryParse(rest[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out var amount)
                || amount > (long.MaxValue / NanosPerSecond / perUnit) - seconds)
            {
                throw OutOfRange(parameter, value);
            }
            seconds += amount * perUnit;
            rest = rest[(digits + unit.Length)..];
        }
        var offsetNanos = seconds * NanosPerSecond;
        return negative ? checked(ToNanos(now) - offsetNanos) : checked(ToNanos(now) + offsetNanos);
    }

    /// <summary>attime's unit prefixes, checked in its order (so "m" is minutes and "M" months).</summary>
    private static long? UnitSeconds(ReadOnlySpan<char> unit) => unit switch
    {
        _ when unit.StartsWith("s", StringComparison.Ordinal) => 1,
        _ when unit.StartsWith("mon", StringComparison.Ordinal) || unit.StartsWith("M", StringComparison.Ordinal) => 30 * 86_400,
        _ when unit.StartsWith("m", StringComparison.Ordinal) => 60,
        _ when unit.StartsWith("h", StringComparison.Ordinal) => 3_600,
        _ when unit.StartsWith("d", StringComparison.Ordinal) => 86_400,
        _ when unit.StartsWith("w", StringComparison.Ordinal) => 7 * 86_400,
        _ when unit.StartsWith("y", StringComparison.Ordinal) => 365 * 86_400,
        _ => null,
    };

    private static long FromRfc3339(string parameter, string value, Match m)
    {
        var fraction = m.Groups["fraction"].Value;
        if (!DateTimeOffset.TryParseExact((m.Groups["seconds"].Value + m.Groups["zone"].Value).ToUpperInvariant(), "yyyy-MM-dd'T'HH:mm:ssK",
                CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var time))
        {
            throw NotATime(parameter, value);
        }
        long nanos = 0;
        if (fraction.Length > 0)
        {
            var nine = fraction.Length >= 9 ? fraction[..9] : fraction.PadRight(9, '0');
            nanos = long.Parse(nine, NumberStyles.None, CultureInfo.InvariantCulture);
        }
        return checked(ToNanos(time) + nanos);
    }

    /// <summary>Unix nanoseconds of <paramref name="time"/>; throws <see cref="OverflowException"/> outside 64 bits.</summary>
    private static long ToNanos(DateTimeOffset time) => checked((time - DateTimeOffset.UnixEpoch).Ticks * 100);

    private static ProfileRejectedException OutOfRange(string parameter, string value) => new(
        RejectReason.InvalidRequest,
        $"parameter '{parameter}': '{Quote(value)}' is outside the times a profile can have: {Earliest:yyyy-MM-dd'T'HH:mm:ss'Z'} to {Latest:yyyy-MM-dd'T'HH:mm:ss'Z'} (Unix nanoseconds in 64 bits).");

    private static ProfileRejectedException NotATime(string parameter, string value) => new(
        RejectReason.InvalidRequest,
        $"parameter '{parameter}': '{Quote(value)}' is not a time: use Unix seconds/milliseconds/microseconds/nanoseconds, YYYYMMDD, RFC 3339 (2024-05-01T10:00:00Z), or now-1h.");

    private static string Quote(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");

    [GeneratedRegex(@"^(?<seconds>\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2})(?:\.(?<fraction>\d{1,18}))?(?<zone>[Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();
}
