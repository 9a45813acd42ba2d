using System.Globalization;
using System.Text;
using GrafanaProfiles.Backend.Frames;
using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.FlameGraphs;

namespace GrafanaProfiles.Backend.Sql;

/// <summary>
/// The <c>flamegraph</c> format: any result with a stack column and a numeric value column becomes
/// a flame graph. The stack is either <c>stack_id</c> (an id of the <c>stacks</c> view, resolved to
/// its frames and the frames' names there) or <c>stack</c> (function names root first, as a list or
/// as one <c>;</c>-separated folded string). DuckDB sums the value per stack; the store's
/// <see cref="FlameGraphBuilder"/> merges the stacks into the tree within the node limit.
/// </summary>
internal static class SqlFlameGraph
{
    public const string StackIdColumn = "stack_id";
    public const string StackColumn = "stack";
    public const string ValueColumn = "value";

    public static IReadOnlyList<DataFrame> Build(SqlRun run, SqlQueryModel model)
    {
        var columns = run.Columns;
        var stackId = Find(columns, StackIdColumn);
        var stack = stackId < 0 ? Find(columns, StackColumn) : -1;
        var value = Find(columns, ValueColumn);
        if (value < 0)
        {
            // Without a column named value, the one numeric column that is not the stack.
            var numeric = columns.Select((c, i) => (c, i)).Where(p => p.i != stackId && p.c.IsNumeric).ToList();
            value = numeric.Count == 1 ? numeric[0].i : -1;
        }
        if ((stackId < 0 && stack < 0) || value < 0 || !columns[value].IsNumeric
            || (stackId >= 0 && !IsInteger(columns[stackId].SourceType))
            || (stack >= 0 && columns[stack].SourceType is not (DuckDbType.Varchar or DuckDbType.List or DuckDbType.Array)))
        {
            throw QueryFailedException.BadRequest(
                "The flamegraph format needs a stack column and a numeric value column: stack_id (UBIGINT, an id of the stacks view) " +
                "or stack (function names root first, as a VARCHAR[] list or one ';'-separated string), and value (e.g. sum(value) AS value). " +
                $"Got: {run.DescribeColumns()}.");
        }
        var maxNodes = NodeLimit(run, model);
        var aggregate = new StackAggregate();
        var names = new List<string>();
        var limited = stackId >= 0
            ? ReadStackIds(run, stackId, value, aggregate)
            : ReadNamedStacks(run, stack, value, aggregate, names);
        Func<IReadOnlyCollection<ulong>, IReadOnlyDictionary<ulong, string>> resolve = stackId >= 0
            ? ids => ResolveNames(run.Connection, ids)
            : ids => ids.ToDictionary(id => id, id => names[(int)id - 1]);
        var graph = FlameGraphBuilder.Build(aggregate, null, maxNodes, resolve);
        var notices = new List<Notice>();
        if (limited)
        {
            notices.Add(FrameMeta.RowLimitNotice(run.RowLimit));
        }
        if (graph.Truncated)
        {
            notices.Add(new Notice("info",
                $"The flame graph shows {graph.NodeCount:N0} of {graph.FullNodeCount:N0} nodes (maxNodes {maxNodes:N0}); the rest is folded into 'other' nodes, totals are exact."));
        }
        var profileType = model.ProfileTypeId ?? run.Context.Settings.DefaultProfileType;
        return [ProfileFrames.FlameGraph(run.Context.RefId, graph, ProfileUnits.UnitOf(profileType), new FrameMeta
        {
            PreferredVisualisationType = "flamegraph",
            ExecutedQueryString = run.ExecutedSql,
            Notices = notices.Count > 0 ? notices : null,
        }.ToJson())];
    }

    private static int Find(IReadOnlyList<SqlColumn> columns, string name)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            if (string.Equals(columns[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }
        return -1;
    }

    private static bool IsInteger(DuckDbType type) => type is DuckDbType.UBigInt or DuckDbType.BigInt or DuckDbType.Integer
        or DuckDbType.UInteger or DuckDbType.HugeInt or DuckDbType.UHugeInt or DuckDbType.SmallInt or DuckDbType.USmallInt
        or DuckDbType.TinyInt or DuckDbType.UTinyInt;

    private static int NodeLimit(SqlRun run, SqlQueryModel model)
    {
        var options = run.Context.Instance.Reader.Options;
        var limit = model.MaxNodes > 0 ? model.MaxNodes : options.DefaultMaxNodes;
        if (limit > options.MaxNodesLimit || limit < 2)
        {
            throw QueryFailedException.BadRequest($"maxNodes must be from 2 to {options.MaxNodesLimit:N0}; got {limit:N0}.");
        }
        return limit;
    }

    /// <summary>
    /// Sums the value per stack id in DuckDB and joins each id's frames from the stacks view. An id
    /// missing there becomes a one-frame stack (shown as <c>unknown function 0x…</c>), so totals stay exact.
    /// </summary>
    private static bool ReadStackIds(SqlRun run, int stackId, int value, StackAggregate aggregate)
    {
        var sql = new StringBuilder();
        sql.Append(CultureInfo.InvariantCulture, $"""
            SELECT p.sid, p.total, s.{StacksTable.FrameIds}
            FROM (
                SELECT CAST({SqlRun.Alias(stackId)} AS UBIGINT) AS sid, CAST(sum({SqlRun.Alias(value)}) AS BIGINT) AS total
                FROM {run.Subquery()}
                WHERE {SqlRun.Alias(stackId)} IS NOT NULL
                GROUP BY 1
            ) p
            LEFT JOIN {StacksTable.Name} s ON s.{StacksTable.StackId} = p.sid
            LIMIT {(long)run.RowLimit + 1}
            """);
        using var statement = run.Connection.Prepare(sql.ToString());
        using var result = statement.Execute();
        var rows = 0;
        ulong[] single = [0];
        foreach (var chunk in result.Chunks())
        {
            var count = Math.Min(chunk.RowCount, run.RowLimit - rows);
            var ids = chunk.Column(0).Values<ulong>();
            var totals = chunk.Column(1);
            var totalValues = totals.Values<long>();
            var totalMask = totals.ValidityMask();
            var frames = chunk.Column(2);
            var frameMask = frames.ValidityMask();
            var entries = frames.ListEntries();
            var frameIds = frames.ListChild().Values<ulong>();
            for (var r = 0; r < count; r++)
            {
                if (!Valid(totalMask, r))
                {
                    continue;
                }
                if (Valid(frameMask, r))
                {
                    aggregate.Add(ids[r], totalValues[r], frameIds.Slice((int)entries[r].Offset, (int)entries[r].Length));
                }
                else
                {
                    single[0] = ids[r];
                    aggregate.Add(ids[r], totalValues[r], single);
                }
            }
            rows += chunk.RowCount;
        }
        return rows > run.RowLimit;
    }

    /// <summary>
    /// Sums the value per stack of names in DuckDB (a folded string is split there), and interns the
    /// names to dense synthetic ids (1, 2, …) for the tree, which is built on ids.
    /// </summary>
    private static bool ReadNamedStacks(SqlRun run, int stack, int value, StackAggregate aggregate, List<string> names)
    {
        var column = SqlRun.Alias(stack);
        var expression = run.Columns[stack].SourceType == DuckDbType.Varchar
            ? $"string_split({column}, ';')"
            : $"CAST({column} AS VARCHAR[])";
        var sql = $"""
            SELECT stack, CAST(sum(v) AS BIGINT) AS total
            FROM (SELECT {expression} AS stack, {SqlRun.Alias(value)} AS v FROM {run.Subquery()} WHERE {column} IS NOT NULL)
            GROUP BY stack
            LIMIT {(long)run.RowLimit + 1}
            """;
        using var statement = run.Connection.Prepare(sql);
        using var result = statement.Execute();
        var ids = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var frames = new List<ulong>();
        var rows = 0;
        ulong stackNumber = 0;
        foreach (var chunk in result.Chunks())
        {
            var count = Math.Min(chunk.RowCount, run.RowLimit - rows);
            var stacks = chunk.Column(0);
            var entries = stacks.ListEntries();
            var stackMask = stacks.ValidityMask();
            var nameVector = stacks.ListChild();
            var nameMask = nameVector.ValidityMask();
            var totals = chunk.Column(1);
            var totalValues = totals.Values<long>();
            var totalMask = totals.ValidityMask();
            for (var r = 0; r < count; r++)
            {
                if (!Valid(totalMask, r) || !Valid(stackMask, r))
                {
                    continue;
                }
                frames.Clear();
                var entry = entries[r];
                for (var i = (int)entry.Offset; i < (int)(entry.Offset + entry.Length); i++)
                {
                    var name = Valid(nameMask, i) ? Encoding.UTF8.GetString(nameVector.GetBytes(i)) : "";
                    if (!ids.TryGetValue(name, out var id))
                    {
                        names.Add(name);
                        id = (ulong)names.Count;
                        ids[name] = id;
                    }
                    frames.Add(id);
                }
                aggregate.Add(++stackNumber, totalValues[r], System.Runtime.InteropServices.CollectionsMarshal.AsSpan(frames));
            }
            rows += chunk.RowCount;
        }
        return rows > run.RowLimit;
    }

    private static bool Valid(ReadOnlySpan<ulong> mask, int row) => mask.IsEmpty || (mask[row >> 6] & (1UL << (row & 63))) != 0;

    /// <summary>Names of the functions the emitted nodes show, from the functions view, in one query.</summary>
    private static IReadOnlyDictionary<ulong, string> ResolveNames(DuckDbConnection connection, IReadOnlyCollection<ulong> ids)
    {
        var names = new Dictionary<ulong, string>(ids.Count);
        if (ids.Count == 0)
        {
            return names;
        }
        using var statement = connection.Prepare(
            $"SELECT {FunctionsTable.FunctionId}, {FunctionsTable.FunctionName} FROM {FunctionsTable.Name} WHERE {FunctionsTable.FunctionId} IN (SELECT unnest($1::UBIGINT[]))");
        statement.Bind(1, ids.ToList());
        using var result = statement.Execute();
        foreach (var chunk in result.Chunks())
        {
            var idValues = chunk.Column(0).Values<ulong>();
            var nameColumn = chunk.Column(1);
            for (var r = 0; r < chunk.RowCount; r++)
            {
                names[idValues[r]] = nameColumn.GetString(r) ?? "";
            }
        }
        return names;
    }
}
