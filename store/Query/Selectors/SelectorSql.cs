using System.Buffers;
using GrafanaProfiles.Schema.Tables;

namespace GrafanaProfiles.Store.Query.Selectors;

/// <summary>
/// Turns a <see cref="LabelSelector"/> into a SQL condition over the samples table. Every value and
/// label name travels as a parameter; the SQL text holds only column names, operators and placeholders.
/// </summary>
public static class SelectorSql
{
    /// <summary>Pyroscope's private label for the full profile type id.</summary>
    public const string ProfileTypeLabel = "__profile_type__";

    /// <summary>Prometheus's metric name label; for profiles it is the profile name, the first part of the profile type.</summary>
    public const string NameLabel = "__name__";

    private static readonly SearchValues<char> IdentifierChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

    /// <inheritdoc cref="ToCondition(LabelSelector, SqlParameters, string?)"/>
    public static string ToCondition(LabelSelector selector, SqlParameters parameters) => ToCondition(selector, parameters, null);

    /// <summary>
    /// A boolean SQL expression that holds for the samples rows the selector matches, e.g.
    /// <c>(service_name = $1 AND coalesce(labels[$2], '') &lt;&gt; $3)</c>, or <c>TRUE</c> for an empty
    /// selector. An absent label counts as the empty string, as in Prometheus.
    /// </summary>
    /// <param name="tableAlias">Qualifies the columns (<c>s.service_name</c>) for use in joins; an SQL identifier.</param>
    public static string ToCondition(LabelSelector selector, SqlParameters parameters, string? tableAlias)
    {
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentNullException.ThrowIfNull(parameters);
        var prefix = tableAlias is null ? "" : CheckAlias(tableAlias) + ".";

        var terms = new List<string>(selector.Matchers.Count + 1);
        if (selector.ProfileTypeId is { } profileType)
        {
            terms.Add($"{prefix}{SamplesTable.ProfileType} = {parameters.Add(profileType)}");
        }
        foreach (var matcher in selector.Matchers)
        {
            terms.Add(Term(matcher, parameters, prefix));
        }
        return terms.Count switch
        {
            0 => "TRUE",
            1 => terms[0],
            _ => "(" + string.Join(" AND ", terms) + ")",
        };
    }

    private static string Term(LabelMatcher matcher, SqlParameters parameters, string prefix)
    {
        var column = matcher.Name switch
        {
            SamplesTable.ServiceName => prefix + SamplesTable.ServiceName,
            ProfileTypeLabel => prefix + SamplesTable.ProfileType,
            NameLabel => $"split_part({prefix}{SamplesTable.ProfileType}, ':', 1)",
            _ => $"{prefix}{SamplesTable.Labels}[{parameters.Add(matcher.Name)}]",
        };
        var value = parameters.Add(matcher.Value);
        // Equality with a non-empty value is false for an absent (NULL) label anyway, so the plain
        // comparison is the whole condition. DuckDB 1.5 makes it a table filter of the Parquet scan
        // (EXPLAIN ANALYZE shows service_name='svc-5' and 1,000 of 1,000,000 rows read).
        if (matcher.Operator == MatchOperator.Equal && matcher.Value.Length > 0)
        {
            return $"{column} = {value}";
        }
        var present = $"coalesce({column}, '')";
        return matcher.Operator switch
        {
            MatchOperator.Equal => $"{present} = {value}",
            MatchOperator.NotEqual => $"{present} <> {value}",
            MatchOperator.Regex => Re2Patterns.FullMatch(present, value),
            MatchOperator.NotRegex => "NOT " + Re2Patterns.FullMatch(present, value),
            _ => throw new ArgumentOutOfRangeException(nameof(matcher), matcher.Operator, "Unknown match operator."),
        };
    }

    private static string CheckAlias(string tableAlias)
    {
        var valid = tableAlias.Length > 0 && (char.IsAsciiLetter(tableAlias[0]) || tableAlias[0] == '_') &&
            tableAlias.AsSpan().IndexOfAnyExcept(IdentifierChars) < 0;
        return valid
            ? tableAlias
            : throw new ArgumentException($"Table alias '{tableAlias}' is not an SQL identifier ([A-Za-z_][A-Za-z0-9_]*).", nameof(tableAlias));
    }
}
