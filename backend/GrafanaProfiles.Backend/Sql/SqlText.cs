namespace GrafanaProfiles.Backend.Sql;

/// <summary>
/// The few lexical rules of DuckDB's SQL that macro expansion and query wrapping need: where a
/// quoted string or identifier, a comment or a dollar-quoted string ends. Not a parser; DuckDB judges
/// the statement itself.
/// </summary>
internal static class SqlText
{
    /// <summary>Index after the quoted text starting at <paramref name="start"/>; a doubled quote is an escape.</summary>
    public static int EndOfQuoted(string sql, int start, char quote)
    {
        var i = start + 1;
        while (i < sql.Length)
        {
            if (sql[i] == quote)
            {
                if (i + 1 < sql.Length && sql[i + 1] == quote)
                {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return sql.Length;
    }

    /// <summary>Index after the <c>--</c> or <c>/* */</c> comment at <paramref name="start"/> (block comments nest, as in DuckDB).</summary>
    public static int EndOfComment(string sql, int start)
    {
        if (sql[start] == '-')
        {
            var newline = sql.IndexOf('\n', start);
            return newline < 0 ? sql.Length : newline;
        }
        var depth = 0;
        var i = start;
        while (i < sql.Length)
        {
            if (sql[i] == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                depth++;
                i += 2;
            }
            else if (sql[i] == '*' && i + 1 < sql.Length && sql[i + 1] == '/')
            {
                depth--;
                i += 2;
                if (depth == 0)
                {
                    return i;
                }
            }
            else
            {
                i++;
            }
        }
        return sql.Length;
    }

    /// <summary>
    /// If a dollar-quoted string (<c>$$…$$</c> or <c>$tag$…$tag$</c>) starts at <paramref name="start"/>,
    /// the index after it; otherwise null (a macro, a parameter or an operator).
    /// </summary>
    public static int? DollarQuoteEnd(string sql, int start)
    {
        var i = start + 1;
        while (i < sql.Length && (char.IsAsciiLetterOrDigit(sql[i]) || sql[i] == '_'))
        {
            i++;
        }
        if (i >= sql.Length || sql[i] != '$' || (i > start + 1 && char.IsAsciiDigit(sql[start + 1])))
        {
            return null;
        }
        var tag = sql[start..(i + 1)];
        var close = sql.IndexOf(tag, i + 1, StringComparison.Ordinal);
        return close < 0 ? sql.Length : close + tag.Length;
    }

    /// <summary>
    /// The statement without what follows its last token: trailing semicolons, whitespace and
    /// comments. Used to embed one (already judged) statement as a subquery.
    /// </summary>
    public static string WithoutTrailingTerminators(string sql)
    {
        var lastCodeEnd = 0;
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            int end;
            if (c is '\'' or '"')
            {
                end = EndOfQuoted(sql, i, c);
            }
            else if ((c == '-' && i + 1 < sql.Length && sql[i + 1] == '-') || (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*'))
            {
                i = EndOfComment(sql, i);
                continue;
            }
            else if (c == '$' && DollarQuoteEnd(sql, i) is { } quoteEnd)
            {
                end = quoteEnd;
            }
            else if (char.IsWhiteSpace(c) || c == ';')
            {
                i++;
                continue;
            }
            else
            {
                end = i + 1;
            }
            lastCodeEnd = end;
            i = end;
        }
        return sql[..lastCodeEnd];
    }

    /// <summary>The text from its first token on: leading whitespace and comments removed.</summary>
    public static string WithoutLeadingTrivia(string sql)
    {
        var i = 0;
        while (i < sql.Length)
        {
            if (char.IsWhiteSpace(sql[i]))
            {
                i++;
            }
            else if ((sql[i] == '-' && i + 1 < sql.Length && sql[i + 1] == '-') || (sql[i] == '/' && i + 1 < sql.Length && sql[i + 1] == '*'))
            {
                i = EndOfComment(sql, i);
            }
            else
            {
                break;
            }
        }
        return sql[i..];
    }
}
