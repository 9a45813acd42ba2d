namespace GrafanaProfiles.Store.Query.Selectors;

/// <summary>Why selector text was rejected: a closed set, each with a message that says what to change.</summary>
public enum SelectorError
{
    /// <summary>A character that the grammar does not allow where it stands.</summary>
    UnexpectedCharacter,
    /// <summary>The text ends too early: a missing value, operator or closing brace.</summary>
    UnexpectedEnd,
    /// <summary>A quoted value without its closing quote (on the same line).</summary>
    UnterminatedString,
    /// <summary>A backslash escape that Go/Prometheus strings do not have, or that makes invalid UTF-8.</summary>
    InvalidEscape,
    /// <summary>A pattern that RE2 (as DuckDB runs it) rejects.</summary>
    InvalidRegex,
    /// <summary>A prefix that is not <c>name:sample_type:sample_unit:period_type:period_unit</c>.</summary>
    InvalidProfileType,
    /// <summary>Text longer than <see cref="LabelSelector.MaxLength"/>.</summary>
    TooLong,
    /// <summary>More than <see cref="LabelSelector.MaxMatchers"/> matchers.</summary>
    TooManyMatchers,
}

/// <summary>
/// Selector text that does not parse. <see cref="Exception.Message"/> is the one-line
/// <see cref="Summary"/>, then the offending line with a caret under the position.
/// </summary>
public sealed class SelectorParseException : Exception
{
    public SelectorParseException(SelectorError reason, string summary, string text, int offset)
        : base(summary + "\n" + SourceLine.Caret(text, offset))
    {
        Reason = reason;
        Summary = summary;
        Offset = offset;
        (Line, Column) = SourceLine.Position(text, offset);
    }

    public SelectorParseException() : this("The selector is not valid.") { }

    public SelectorParseException(string message) : base(message) => Summary = message;

    public SelectorParseException(string message, Exception inner) : base(message, inner) => Summary = message;

    public SelectorError Reason { get; }

    /// <summary>What is wrong and where, in one line, e.g. <c>unexpected '=' at column 14: expected a quoted value</c>.</summary>
    public string Summary { get; }

    /// <summary>0-based index into the text.</summary>
    public int Offset { get; }

    /// <summary>1-based line of the position.</summary>
    public int Line { get; } = 1;

    /// <summary>1-based column (UTF-16 characters) of the position within its line.</summary>
    public int Column { get; } = 1;
}

/// <summary>Positions in (possibly multi-line) selector text, for messages.</summary>
internal static class SourceLine
{
    /// <summary>Characters shown either side of the position on a long line.</summary>
    private const int Context = 60;

    public static (int Line, int Column) Position(string text, int offset)
    {
        var before = text.AsSpan(0, Math.Min(offset, text.Length));
        var lineStart = before.LastIndexOf('\n') + 1;
        return (before.Count('\n') + 1, offset - lineStart + 1);
    }

    /// <summary><c>at column 14</c>, or <c>at line 2, column 5</c> when the text has several lines.</summary>
    public static string Where(string text, int offset)
    {
        var (line, column) = Position(text, offset);
        return text.Contains('\n', StringComparison.Ordinal) ? $"at line {line}, column {column}" : $"at column {column}";
    }

    /// <summary>The line holding <paramref name="offset"/> and a caret line under it; long lines are cut to a window.</summary>
    public static string Caret(string text, int offset)
    {
        offset = Math.Clamp(offset, 0, text.Length);
        var lineStart = text.LastIndexOf('\n', Math.Max(offset - 1, 0)) + 1;
        if (offset == 0)
        {
            lineStart = 0;
        }
        var lineEnd = text.IndexOf('\n', offset);
        if (lineEnd < 0)
        {
            lineEnd = text.Length;
        }
        var from = Math.Max(lineStart, offset - Context);
        var to = Math.Min(lineEnd, offset + Context);
        var prefix = from > lineStart ? "…" : "";
        var suffix = to < lineEnd ? "…" : "";
        var shown = text[from..to].TrimEnd('\r');
        // Keep tabs in the caret line so that the caret stands under the character in any editor.
        var pad = string.Concat(text.AsSpan(from, offset - from).ToArray().Select(c => c == '\t' ? '\t' : ' '));
        return $"{prefix}{shown}{suffix}\n{(prefix.Length > 0 ? " " : "")}{pad}^";
    }
}
