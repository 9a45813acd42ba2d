using System.Text;

namespace GrafanaProfiles.Store.Query.Selectors;

/// <summary>Quoted values: Go string literals, as Prometheus and Pyroscope read them.</summary>
internal sealed partial class SelectorParser
{
    private const string EscapesExpected = @"expected \a \b \f \n \r \t \v \\ \<quote>, \ooo (octal), \xHH, \uHHHH or \UHHHHHHHH";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Reads a value in double quotes, single quotes (both with escapes) or backticks (raw). Like Go,
    /// <c>\ooo</c> and <c>\xHH</c> are bytes: consecutive ones must form UTF-8 (<c>"\xc3\xa9"</c> is é).
    /// </summary>
    private string ReadString()
    {
        var start = _pos;
        var quote = Peek;
        _pos++;
        if (quote == '`')
        {
            var end = _text.IndexOf('`', _pos);
            if (end < 0)
            {
                throw Unterminated(start, quote);
            }
            var raw = _text[_pos..end];
            _pos = end + 1;
            return raw;
        }

        var sb = new StringBuilder();
        var bytes = new List<byte>();
        var bytesStart = 0;
        while (true)
        {
            if (AtEnd || Peek == '\n')
            {
                throw Unterminated(start, quote);
            }
            var c = Peek;
            if (c == '\\' && IsByteEscape(_pos))
            {
                if (bytes.Count == 0)
                {
                    bytesStart = _pos;
                }
                bytes.Add((byte)ReadEscapeDigits(_pos, _text[_pos + 1]));
                continue;
            }
            FlushBytes(sb, bytes, bytesStart);
            if (c == quote)
            {
                _pos++;
                return sb.ToString();
            }
            if (c == '\\')
            {
                ReadEscape(sb, start, quote);
            }
            else
            {
                sb.Append(c);
                _pos++;
            }
        }
    }

    /// <summary>Reads a backslash escape other than a byte escape and appends what it stands for.</summary>
    private void ReadEscape(StringBuilder sb, int stringStart, char quote)
    {
        var escape = _pos;
        _pos++;
        if (AtEnd || Peek == '\n')
        {
            throw Unterminated(stringStart, quote);
        }
        var e = Peek;
        _pos++;
        _ = e switch
        {
            'a' => sb.Append('\a'),
            'b' => sb.Append('\b'),
            'f' => sb.Append('\f'),
            'n' => sb.Append('\n'),
            'r' => sb.Append('\r'),
            't' => sb.Append('\t'),
            'v' => sb.Append('\v'),
            '\\' => sb.Append('\\'),
            'u' or 'U' => sb.Append(char.ConvertFromUtf32(ReadEscapeDigits(escape, e))),
            _ when e == quote => sb.Append(quote),
            _ => throw Error(SelectorError.InvalidEscape, escape,
                $"unknown escape '\\{e}' {Where(escape)}: {EscapesExpected.Replace("<quote>", quote.ToString(), StringComparison.Ordinal)}"),
        };
    }

    private bool IsByteEscape(int backslash) =>
        backslash + 1 < _text.Length && (_text[backslash + 1] == 'x' || _text[backslash + 1] is >= '0' and <= '7');

    /// <summary>
    /// Reads the digits of <c>\ooo</c>, <c>\xHH</c>, <c>\uHHHH</c> or <c>\UHHHHHHHH</c> (the escape
    /// letter <paramref name="kind"/> was read); for octal, that letter is the first digit.
    /// </summary>
    private int ReadEscapeDigits(int escape, char kind)
    {
        var (count, radix, rule) = kind switch
        {
            'x' => (2, 16, @"\x takes 2 hex digits"),
            'u' => (4, 16, @"\u takes 4 hex digits"),
            'U' => (8, 16, @"\U takes 8 hex digits"),
            _ => (3, 8, "octal escapes take 3 digits (0-7)"),
        };
        var digitsStart = radix == 8 ? escape + 1 : escape + 2;
        var end = digitsStart + count;
        // Eight hex digits go past int.MaxValue (\UFFFFFFFF): a long holds every value the check below refuses.
        var value = 0L;
        for (var i = digitsStart; i < end; i++)
        {
            var digit = i < _text.Length ? HexValue(_text[i]) : -1;
            if (digit < 0 || digit >= radix)
            {
                var seen = _text[escape..Math.Min(i + 1, _text.Length)].TrimEnd('\n');
                throw Error(SelectorError.InvalidEscape, escape, $"invalid escape '{seen}' {Where(escape)}: {rule}");
            }
            value = (value * radix) + digit;
        }
        var written = _text[escape..end];
        if (radix == 8 && value > byte.MaxValue)
        {
            throw Error(SelectorError.InvalidEscape, escape, $"invalid escape '{written}' {Where(escape)}: octal escapes go up to \\377");
        }
        if (value > 0x10FFFF || value is >= 0xD800 and < 0xE000)
        {
            throw Error(SelectorError.InvalidEscape, escape,
                $"invalid escape '{written}' {Where(escape)}: U+{value:X4} is not a Unicode scalar value");
        }
        _pos = end;
        return (int)value;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>Decodes a run of byte escapes as UTF-8 into <paramref name="sb"/>.</summary>
    private void FlushBytes(StringBuilder sb, List<byte> bytes, int bytesStart)
    {
        if (bytes.Count == 0)
        {
            return;
        }
        try
        {
            sb.Append(StrictUtf8.GetString([.. bytes]));
        }
        catch (DecoderFallbackException)
        {
            throw Error(SelectorError.InvalidEscape, bytesStart,
                $"invalid escape {Where(bytesStart)}: the bytes written as \\x or octal escapes here are not valid UTF-8");
        }
        bytes.Clear();
    }

    private SelectorParseException Unterminated(int start, char quote) =>
        Error(SelectorError.UnterminatedString, start,
            $"unterminated string starting {Where(start)}: expected a closing {quote} before the end of the {(quote == '`' ? "selector" : "line")}");
}
