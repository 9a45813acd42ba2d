using System.Globalization;
using System.Text;
using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Store.DuckDb;

namespace GrafanaProfiles.Backend.Sql;

/// <summary>
/// One judged statement, ready to run: its result columns (from the prepared statement, before
/// anything runs) and the wrapping that embeds it as a subquery so that DuckDB casts the types
/// Grafana has no column for and stops after the row limit (<c>LIMIT rowLimit + 1</c>, so a cut is
/// seen without reading the rest).
/// </summary>
internal sealed class SqlRun
{
    public SqlRun(QueryContext context, DuckDbConnection connection, string sql, DuckDbPreparedStatement statement)
    {
        Context = context;
        Connection = connection;
        ExecutedSql = sql;
        Body = SqlText.WithoutTrailingTerminators(sql);
        var columns = new List<SqlColumn>(statement.ColumnCount);
        for (var i = 0; i < statement.ColumnCount; i++)
        {
            columns.Add(new SqlColumn(statement.ColumnName(i), statement.ColumnType(i)));
        }
        Columns = columns;
    }

    public QueryContext Context { get; }

    public DuckDbConnection Connection { get; }

    /// <summary>The SQL after macro expansion, as the user sees it in <c>executedQueryString</c>.</summary>
    public string ExecutedSql { get; }

    /// <summary>The statement without trailing semicolons and comments, to embed as a subquery.</summary>
    public string Body { get; }

    public IReadOnlyList<SqlColumn> Columns { get; }

    public int RowLimit => Context.RowLimit;

    /// <summary>The subquery's columns get positional names (c0, c1, …): user names may repeat or be empty.</summary>
    public static string Alias(int column) => "c" + column.ToString(CultureInfo.InvariantCulture);

    /// <summary><c>FROM (&lt;statement&gt;) AS q(c0, …)</c>: the user's statement as a subquery with positional column names.</summary>
    public string Subquery()
    {
        var aliases = string.Join(", ", Columns.Select((_, i) => Alias(i)));
        // The statement sits on lines of its own, so a trailing line comment cannot swallow the ')'.
        return $"(\n{Body}\n) AS q({aliases})";
    }

    /// <summary>
    /// Runs the statement wrapped so every column arrives in a readable type, reads at most
    /// <see cref="RowLimit"/> rows chunk by chunk into <see cref="Columns"/>, and says whether rows were cut.
    /// </summary>
    public (int Rows, bool Limited) ReadAll()
    {
        var sql = new StringBuilder("SELECT ");
        sql.AppendJoin(", ", Columns.Select((c, i) => c.Projection(Alias(i))));
        sql.Append(" FROM ").Append(Subquery());
        sql.Append(CultureInfo.InvariantCulture, $" LIMIT {(long)RowLimit + 1}");
        using var statement = Connection.Prepare(sql.ToString());
        using var result = statement.Execute();
        var rows = 0;
        foreach (var chunk in result.Chunks())
        {
            var count = chunk.RowCount;
            for (var c = 0; c < Columns.Count; c++)
            {
                Columns[c].Append(chunk.Column(c), count);
            }
            rows += count;
        }
        var limited = rows > RowLimit;
        rows = Math.Min(rows, RowLimit);
        foreach (var column in Columns)
        {
            column.Finish(rows);
        }
        return (rows, limited);
    }

    /// <summary>The columns as <c>name (TYPE)</c> for messages.</summary>
    public string DescribeColumns() => string.Join(", ", Columns.Select(c => $"{c.Name} ({c.TypeName})"));
}
