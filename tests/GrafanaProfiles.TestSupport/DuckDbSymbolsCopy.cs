using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.TestSupport;

/// <summary>
/// The stacks and functions files as DuckDB writes them: how a flush wrote them before the store
/// wrote them with its own Parquet writer (the rows appended as whole chunks to a temp table, then
/// <c>COPY (SELECT * … ORDER BY id) TO … (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE n)</c>).
/// Tests compare our files with it, and the flush benchmark measures it as the baseline.
/// </summary>
internal static class DuckDbSymbolsCopy
{
    public static void WriteStacks(DuckDbConnection connection, Dictionary<ulong, ulong[]> stacks, IReadOnlyCollection<ulong> ids,
        int rowGroupSize, string path)
    {
        connection.Execute($"CREATE TEMP TABLE IF NOT EXISTS buf_stacks_copy ({StacksTable.Columns}); DELETE FROM buf_stacks_copy;");
        AppendStacks(connection, stacks, ids);
        connection.Execute($"COPY (SELECT * FROM buf_stacks_copy ORDER BY {StacksTable.SortOrder}) TO {Literal(path)} ({Options(rowGroupSize)})");
    }

    public static void WriteFunctions(DuckDbConnection connection, Dictionary<ulong, FunctionInfo> functions, IReadOnlyCollection<ulong> ids,
        int rowGroupSize, string path)
    {
        connection.Execute($"CREATE TEMP TABLE IF NOT EXISTS buf_functions_copy ({FunctionsTable.Columns}); DELETE FROM buf_functions_copy;");
        AppendFunctions(connection, functions, ids);
        connection.Execute($"COPY (SELECT * FROM buf_functions_copy ORDER BY {FunctionsTable.SortOrder}) TO {Literal(path)} ({Options(rowGroupSize)})");
    }

    private static string Options(int rowGroupSize) => $"FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {rowGroupSize}";

    private static string Literal(string path) => "'" + path.Replace("'", "''", StringComparison.Ordinal) + "'";

    // As the flush ran it: once per partition, over every row, optimized at once.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void AppendStacks(DuckDbConnection connection, Dictionary<ulong, ulong[]> stacks, IReadOnlyCollection<ulong> ids)
    {
        using var id = DuckDbLogicalType.Of(DuckDbType.UBigInt);
        using var frames = DuckDbLogicalType.ListOf(DuckDbType.UBigInt);
        using var chunk = new DuckDbChunkWriter([id, frames]);
        using var appender = connection.CreateAppender("buf_stacks_copy");
        var row = 0;
        foreach (var stack in ids)
        {
            chunk.Span<ulong>(0)[row] = stack;
            chunk.SetList<ulong>(1, row, stacks[stack]);
            row = AppendIfFull(chunk, appender, row + 1);
        }
        chunk.RowCount = row;
        appender.Append(chunk);
        appender.Flush();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void AppendFunctions(DuckDbConnection connection, Dictionary<ulong, FunctionInfo> functions, IReadOnlyCollection<ulong> ids)
    {
        DuckDbLogicalType[] types =
        [
            DuckDbLogicalType.Of(DuckDbType.UBigInt), DuckDbLogicalType.Of(DuckDbType.Varchar), DuckDbLogicalType.Of(DuckDbType.Varchar),
            DuckDbLogicalType.Of(DuckDbType.Varchar), DuckDbLogicalType.Of(DuckDbType.BigInt),
        ];
        try
        {
            using var chunk = new DuckDbChunkWriter(types);
            using var appender = connection.CreateAppender("buf_functions_copy");
            var row = 0;
            foreach (var id in ids)
            {
                var f = functions[id];
                chunk.Span<ulong>(0)[row] = id;
                chunk.SetString(1, row, f.Name);
                chunk.SetString(2, row, f.SystemName);
                chunk.SetString(3, row, f.Filename);
                chunk.Span<long>(4)[row] = f.StartLine;
                row = AppendIfFull(chunk, appender, row + 1);
            }
            chunk.RowCount = row;
            appender.Append(chunk);
            appender.Flush();
        }
        finally
        {
            foreach (var type in types)
            {
                type.Dispose();
            }
        }
    }

    private static int AppendIfFull(DuckDbChunkWriter chunk, DuckDbAppender appender, int row)
    {
        if (row < chunk.Capacity)
        {
            return row;
        }
        chunk.RowCount = row;
        appender.Append(chunk);
        chunk.Reset();
        return 0;
    }
}
