using System.Buffers;
using System.Text;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Store.Query.Selectors;

/// <summary>
/// Recursive-descent parser for selector text (grammar in <c>README.md</c>). One instance parses one
/// text; every error is a <see cref="SelectorParseException"/> at the offending character.
/// </summary>
internal sealed partial class SelectorParser(string text)
{
    private const string LabelNameExpected = "expected a label name (a letter or '_', then letters, digits, '_' or '.'; any other name in double quotes)";
    private const string OperatorExpected = "expected an operator (=, !=, =~ or !~)";

    private readonly string _text = text;
    private int _pos;

    private bool AtEnd => _pos >= _text.Length;

    private char Peek => _text[_pos];

    public LabelSelector Parse()
    {
        if (_text.Length > LabelSelector.MaxLength)
        {
            throw Error(SelectorError.TooLong, LabelSelector.MaxLength,
                $"selector of {_text.Length:N0} characters is too long at column {LabelSelector.MaxLength + 1:N0}: the limit is {LabelSelector.MaxLength:N0} (LabelSelector.MaxLength)");
        }
        SkipWhitespace();
        if (AtEnd)
        {
            return LabelSelector.Empty;
        }

        string? profileTypeId = null;
        var matchers = new List<LabelMatcher>();
        if (Peek == '"')
        {
            // A selector without braces whose first label name is quoted.
            var quotedStart = _pos;
            ReadUnbraced(matchers, ReadQuotedName(), quotedStart);
            return new LabelSelector(matchers);
        }
        if (Peek != '{')
        {
            if (!IsNameStart(Peek) && Peek != ':')
            {
                throw Unexpected("expected '{', a label name or a profile type");
            }
            var start = _pos;
            var name = ReadName(allowColon: true);
            SkipWhitespace();
            var looksLikeProfileType = name.Contains(':', StringComparison.Ordinal);
            if (!AtEnd && Peek != '{' && (Peek is '=' or '!' || !looksLikeProfileType))
            {
                // The first matcher of a selector written without braces.
                if (looksLikeProfileType)
                {
                    _pos = start + name.IndexOf(':', StringComparison.Ordinal);
                    throw Unexpected(OperatorExpected);
                }
                ReadUnbraced(matchers, name, start);
                return new LabelSelector(matchers);
            }
            if (AtEnd && !looksLikeProfileType)
            {
                throw Unexpected(OperatorExpected); // a lone label name
            }
            profileTypeId = CheckProfileType(name, start);
            if (AtEnd)
            {
                return new LabelSelector(matchers, profileTypeId);
            }
            if (Peek != '{')
            {
                throw Unexpected("expected '{' after the profile type");
            }
        }

        _pos++; // '{'
        ReadBraced(matchers);
        SkipWhitespace();
        if (!AtEnd)
        {
            throw Unexpected("expected the end of the selector after '}'");
        }
        return new LabelSelector(matchers, profileTypeId);
    }

    /// <summary>Matchers after '{', up to and including the closing '}'.</summary>
    private void ReadBraced(List<LabelMatcher> matchers)
    {
        while (true)
        {
            SkipWhitespace();
            if (AtEnd)
            {
                throw Unexpected(matchers.Count == 0 ? "expected a label name or '}'" : "expected a label name or a closing '}'");
            }
            if (Peek == '}')
            {
                _pos++;
                return;
            }
            if (!IsNameStart(Peek) && Peek != '"')
            {
                throw Unexpected(LabelNameExpected + " or '}'");
            }
            AddMatcher(matchers, ReadMatcher(null, _pos));
            SkipWhitespace();
            if (AtEnd)
            {
                throw Unexpected("expected ',' or a closing '}'");
            }
            switch (Peek)
            {
                case ',':
                    _pos++;
                    break;
                case '}':
                    _pos++;
                    return;
                default:
                    throw Unexpected("expected ',' or '}'");
            }
        }
    }

    /// <summary>Matchers of a selector without braces: <c>env="prod", region=~"eu-.*"</c>.</summary>
    private void ReadUnbraced(List<LabelMatcher> matchers, string firstName, int firstStart)
    {
        AddMatcher(matchers, ReadMatcher(firstName, firstStart));
        while (true)
        {
            SkipWhitespace();
            if (AtEnd)
            {
                return;
            }
            if (Peek == '}')
            {
                throw Unexpected("the selector has no opening '{'");
            }
            if (Peek != ',')
            {
                throw Unexpected("expected ',' or the end of the selector");
            }
            _pos++;
            SkipWhitespace();
            if (AtEnd)
            {
                return; // trailing comma
            }
            if (!IsNameStart(Peek) && Peek != '"')
            {
                throw Unexpected(LabelNameExpected);
            }
            AddMatcher(matchers, ReadMatcher(null, _pos));
        }
    }

    private void AddMatcher(List<LabelMatcher> matchers, (LabelMatcher Matcher, int Start) read)
    {
        if (matchers.Count == LabelSelector.MaxMatchers)
        {
            throw Error(SelectorError.TooManyMatchers, read.Start,
                $"too many matchers {Where(read.Start)}: the limit is {LabelSelector.MaxMatchers} (LabelSelector.MaxMatchers)");
        }
        matchers.Add(read.Matcher);
    }

    /// <summary>Reads <c>name op value</c>; <paramref name="name"/> is given when the caller already read it.</summary>
    private (LabelMatcher, int) ReadMatcher(string? name, int start)
    {
        name ??= Peek == '"' ? ReadQuotedName() : ReadName(allowColon: false);
        SkipWhitespace();
        if (AtEnd)
        {
            throw Unexpected(OperatorExpected);
        }
        MatchOperator op;
        switch (Peek)
        {
            case '=':
                _pos++;
                op = !AtEnd && Peek == '~' ? MatchOperator.Regex : MatchOperator.Equal;
                break;
            case '!':
                _pos++;
                if (AtEnd || (Peek != '=' && Peek != '~'))
                {
                    throw Unexpected("expected '=' or '~' after '!'");
                }
                op = Peek == '=' ? MatchOperator.NotEqual : MatchOperator.NotRegex;
                break;
            default:
                throw Unexpected(OperatorExpected);
        }
        if (op != MatchOperator.Equal)
        {
            _pos++;
        }
        SkipWhitespace();
        if (AtEnd || (Peek != '"' && Peek != '\'' && Peek != '`'))
        {
            throw Unexpected("expected a quoted value");
        }
        var valueStart = _pos;
        var value = ReadString();
        if (op is MatchOperator.Regex or MatchOperator.NotRegex && Re2Patterns.Check(value) is { } reason)
        {
            throw Error(SelectorError.InvalidRegex, valueStart, $"invalid regular expression {Where(valueStart)}: {reason}");
        }
        return (new LabelMatcher(name, op, value), start);
    }

    private string ReadName(bool allowColon)
    {
        var start = _pos;
        if (AtEnd || !(IsNameStart(Peek) || (allowColon && Peek == ':')))
        {
            throw Unexpected(LabelNameExpected);
        }
        _pos++;
        while (!AtEnd && (IsNameStart(Peek) || char.IsAsciiDigit(Peek) || Peek == '.' || (allowColon && Peek == ':')))
        {
            _pos++;
        }
        return _text[start.._pos];
    }

    /// <summary>
    /// A label name in double quotes, as Prometheus 3 writes names that are not identifiers
    /// (<c>{"k8s.pod.name"="api-0"}</c>, <c>{"service/name"="shop"}</c>); the same escapes as values.
    /// </summary>
    private string ReadQuotedName()
    {
        var start = _pos;
        var name = ReadString();
        if (name.Length == 0)
        {
            _pos = start;
            throw Unexpected("expected a label name inside the quotes, not an empty name");
        }
        return name;
    }

    private string CheckProfileType(string id, int start) =>
        ProfileType.TryParse(id, out _)
            ? id
            : throw Error(SelectorError.InvalidProfileType, start,
                $"invalid profile type '{id}' {Where(start)}: expected name:sample_type:sample_unit:period_type:period_unit, " +
                "e.g. process_cpu:cpu:nanoseconds:cpu:nanoseconds");

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private void SkipWhitespace()
    {
        while (!AtEnd && char.IsWhiteSpace(Peek))
        {
            _pos++;
        }
    }

    private string Where(int offset) => SourceLine.Where(_text, offset);

    /// <summary>"unexpected X at column N: expected …" at the current position.</summary>
    private SelectorParseException Unexpected(string expected) =>
        AtEnd
            ? Error(SelectorError.UnexpectedEnd, _pos, $"unexpected end of selector {Where(_pos)}: {expected}")
            : Error(SelectorError.UnexpectedCharacter, _pos, $"unexpected {Describe(_pos)} {Where(_pos)}: {expected}");

    private SelectorParseException Error(SelectorError reason, int offset, string summary) => new(reason, summary, _text, offset);

    /// <summary>The character at <paramref name="offset"/>, quoted when printable, else as U+XXXX.</summary>
    private string Describe(int offset)
    {
        if (Rune.DecodeFromUtf16(_text.AsSpan(offset), out var rune, out _) != OperationStatus.Done)
        {
            return $"U+{(int)_text[offset]:X4}"; // a lone surrogate
        }
        return Rune.IsControl(rune) || Rune.IsWhiteSpace(rune) ? $"U+{rune.Value:X4}" : $"'{rune}'";
    }
}
