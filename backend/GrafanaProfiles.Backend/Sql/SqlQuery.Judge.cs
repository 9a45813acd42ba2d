using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Store.DuckDb;

namespace GrafanaProfiles.Backend.Sql;

public static partial class SqlQuery
{
    /// <summary>Statements DuckDB rewrites into a SELECT and that read only, whose first word may differ.</summary>
    private static readonly HashSet<string> ReadingWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "SELECT", "WITH", "FROM", "VALUES", "TABLE", "(", "DESCRIBE", "DESC", "SHOW", "SUMMARIZE", "PIVOT", "UNPIVOT",
    };

    /// <summary>
    /// DuckDB's parser decides: the text must hold exactly one statement, it must prepare (bind and
    /// plan, nothing runs), and DuckDB must call it a SELECT. Everything else is refused with what to change.
    /// </summary>
    internal static DuckDbPreparedStatement Judge(DuckDbConnection connection, string sql)
    {
        using var extracted = connection.ExtractStatements(sql);
        if (extracted.Count == 0)
        {
            throw QueryFailedException.BadRequest(extracted.Error is null
                ? "The SQL holds no statement (only comments or whitespace); write one SELECT."
                : extracted.Error);
        }
        if (extracted.Count > 1)
        {
            throw QueryFailedException.BadRequest(
                $"Only one SELECT statement is allowed; DuckDB reads {extracted.Count} statements in this SQL. Remove all but one (';' separates statements).");
        }
        DuckDbPreparedStatement statement;
        try
        {
            statement = extracted.Prepare(0);
        }
        catch (DuckDbException e)
        {
            // DuckDB refused to bind it; say so in its words, and when the statement is not a query at
            // all, add the rule (the refusal is DuckDB's: the statement never ran).
            var word = FirstWord(sql);
            throw new DuckDbException(ReadingWords.Contains(word) || word.Length == 0
                ? e.Message
                : $"Only one SELECT statement is allowed; got {word.ToUpperInvariant()}. DuckDB: {e.Message}");
        }
        try
        {
            var type = statement.StatementType;
            if (type != DuckDbStatementType.Select)
            {
                throw QueryFailedException.BadRequest(
                    $"Only one SELECT statement is allowed; got {StatementName(type)}. This data source reads profiles and changes nothing: write a SELECT (or WITH … SELECT).");
            }
            if (statement.ParameterCount > 0)
            {
                throw QueryFailedException.BadRequest(
                    $"The SQL has {statement.ParameterCount} parameter(s) (? or $1); write the values into the query, or use a macro such as $__timeFilter(time).");
            }
            return statement;
        }
        catch
        {
            statement.Dispose();
            throw;
        }
    }

    private static string StatementName(DuckDbStatementType type) => type switch
    {
        DuckDbStatementType.Load => "LOAD or INSTALL",
        DuckDbStatementType.VariableSet or DuckDbStatementType.Set => "SET",
        DuckDbStatementType.CreateFunc => "CREATE MACRO/FUNCTION",
        DuckDbStatementType.Transaction => "a transaction statement (BEGIN/COMMIT/ROLLBACK)",
        DuckDbStatementType.Multi => "a statement DuckDB runs as several (e.g. PIVOT without an IN list)",
        DuckDbStatementType.LogicalPlan or DuckDbStatementType.Relation or DuckDbStatementType.Invalid => type.ToString(),
        _ => type.ToString().ToUpperInvariant(),
    };

    /// <summary>The first word of the statement after comments and whitespace (for messages only).</summary>
    private static string FirstWord(string sql)
    {
        var body = SqlText.WithoutLeadingTrivia(sql);
        if (body.StartsWith('('))
        {
            return "(";
        }
        var end = 0;
        while (end < body.Length && char.IsAsciiLetter(body[end]))
        {
            end++;
        }
        return body[..end];
    }
}
