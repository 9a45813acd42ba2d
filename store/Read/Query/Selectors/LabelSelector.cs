using System.Globalization;
using System.Text;

namespace GrafanaProfiles.Store.Query.Selectors;

/// <summary>How a <see cref="LabelMatcher"/> compares a label's value.</summary>
public enum MatchOperator
{
    /// <summary><c>=</c>: the value equals.</summary>
    Equal,
    /// <summary><c>!=</c>: the value differs.</summary>
    NotEqual,
    /// <summary><c>=~</c>: the whole value matches an RE2 pattern.</summary>
    Regex,
    /// <summary><c>!~</c>: the whole value does not match an RE2 pattern.</summary>
    NotRegex,
}

/// <summary>One <c>name op "value"</c> term of a selector. An absent label counts as the empty string.</summary>
public sealed record LabelMatcher(string Name, MatchOperator Operator, string Value)
{
    public override string ToString() => $"{Name}{OperatorText(Operator)}{LabelSelector.Quote(Value)}";

    internal static string OperatorText(MatchOperator op) => op switch
    {
        MatchOperator.Equal => "=",
        MatchOperator.NotEqual => "!=",
        MatchOperator.Regex => "=~",
        MatchOperator.NotRegex => "!~",
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
    };
}

/// <summary>
/// A Prometheus/Pyroscope-style label selector, <c>{service_name="api", env=~"prod|staging"}</c>,
/// optionally led by a profile type id. The grammar and semantics are described in this folder's
/// <c>README.md</c>; <see cref="SelectorSql"/> turns a selector into SQL.
/// </summary>
public sealed class LabelSelector
{
    /// <summary>Longest accepted selector text, in UTF-16 characters.</summary>
    public const int MaxLength = 64 * 1024;

    /// <summary>Most matchers in one selector.</summary>
    public const int MaxMatchers = 100;

    public static readonly LabelSelector Empty = new([]);

    public LabelSelector(IEnumerable<LabelMatcher> matchers, string? profileTypeId = null)
    {
        Matchers = [.. matchers];
        ProfileTypeId = profileTypeId;
    }

    /// <summary>The profile type written in front of the braces (<c>process_cpu:cpu:nanoseconds:cpu:nanoseconds{…}</c>), if any.</summary>
    public string? ProfileTypeId { get; }

    /// <summary>The matchers in the order written; all of them must hold.</summary>
    public IReadOnlyList<LabelMatcher> Matchers { get; }

    /// <summary>True when the selector matches every series.</summary>
    public bool IsEmpty => ProfileTypeId is null && Matchers.Count == 0;

    /// <summary>
    /// Parses selector text. Regular expressions are checked by DuckDB's RE2, the engine that will
    /// run them, so a pattern that parses here also runs in a query.
    /// </summary>
    /// <exception cref="SelectorParseException">The text is not a valid selector; the message shows where.</exception>
    public static LabelSelector Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new SelectorParser(text).Parse();
    }

    /// <summary>The selector in canonical form; <see cref="Parse"/> reads a parsed selector's form back to an equal selector.</summary>
    public override string ToString() => $"{ProfileTypeId}{{{string.Join(", ", Matchers)}}}";

    /// <summary>Quotes a value as a double-quoted Go string literal.</summary>
    internal static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => sb.Append("\\\""),
                '\\' => sb.Append("\\\\"),
                '\n' => sb.Append("\\n"),
                '\r' => sb.Append("\\r"),
                '\t' => sb.Append("\\t"),
                _ when char.IsControl(c) => sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => sb.Append(c),
            };
        }
        return sb.Append('"').ToString();
    }
}
