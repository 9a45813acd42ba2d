using System.Buffers;
using System.Runtime.InteropServices;
using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Write.Parquet;

namespace GrafanaProfiles.Store.Write;

/// <summary>
/// Writes a flush's stacks and functions files (the symbols of an hour partition that its earlier
/// files do not hold yet) without going through DuckDB: DuckDB's appender and COPY spent several
/// times the CPU per value of our samples writer on the stacks file's <c>UBIGINT[]</c> column
/// (docs/architecture.md). Rows are sorted by id in unsigned order, as the tables' sort orders say;
/// columns and types read back as DuckDB's COPY of <see cref="StacksTable.Columns"/> and
/// <see cref="FunctionsTable.Columns"/> (store/Write/Parquet/README.md). One writer is used by one
/// thread at a time.
/// </summary>
internal sealed class SymbolFilesWriter : IDisposable
{
    internal static readonly ParquetColumn[] StackColumns =
    [
        new(StacksTable.StackId, ColumnType.UInt64, Nullable: false, Distinct: true),
        new(StacksTable.FrameIds, ColumnType.UInt64, Nullable: false, List: true),
    ];

    internal static readonly ParquetColumn[] FunctionColumns =
    [
        new(FunctionsTable.FunctionId, ColumnType.UInt64, Nullable: false, Distinct: true),
        new(FunctionsTable.FunctionName, ColumnType.String, Nullable: false),
        new(FunctionsTable.SystemName, ColumnType.String, Nullable: false),
        new(FunctionsTable.Filename, ColumnType.String, Nullable: false),
        new(FunctionsTable.Line, ColumnType.Int64, Nullable: false),
    ];

    private readonly ParquetTableWriter _table;
    private readonly bool _ownsTable;

    public SymbolFilesWriter(int rowGroupSize, int pageBytes = ParquetTableWriter.DefaultPageBytes,
        int compressionLevel = ParquetTableWriter.DefaultCompressionLevel)
        : this(new ParquetTableWriter(rowGroupSize, pageBytes, compressionLevel), ownsTable: true)
    {
    }

    /// <summary>A writer on a table writer shared with the flush's other files (not disposed with this one).</summary>
    public SymbolFilesWriter(ParquetTableWriter table)
        : this(table, ownsTable: false)
    {
    }

    private SymbolFilesWriter(ParquetTableWriter table, bool ownsTable)
    {
        _table = table;
        _ownsTable = ownsTable;
    }

    /// <summary>
    /// Writes the stacks <paramref name="ids"/> (distinct, each a key of <paramref name="stacks"/>:
    /// stack id → function ids, root first) to <paramref name="path"/> (created or replaced; not
    /// fsynced) and returns what the footer says about its row groups.
    /// </summary>
    public IReadOnlyList<RowGroupInfo> WriteStacks(Dictionary<ulong, ulong[]> stacks, IReadOnlyCollection<ulong> ids, string path)
    {
        var (sorted, count) = Sorted(ids);
        var groupRows = Math.Max(1, Math.Min(_table.RowGroupSize, count));
        var stackIds = ArrayPool<long>.Shared.Rent(groupRows);
        var lengths = ArrayPool<int>.Shared.Rent(groupRows);
        var frames = ArrayPool<long>.Shared.Rent(groupRows * 32);
        try
        {
            return _table.Write(path, StackColumns, count, (group, start, rows) =>
            {
                var at = 0;
                for (var i = 0; i < rows; i++)
                {
                    var id = sorted[start + i];
                    var stack = stacks[id];
                    stackIds[i] = (long)id;
                    lengths[i] = stack.Length;
                    if (at + stack.Length > frames.Length)
                    {
                        var larger = ArrayPool<long>.Shared.Rent(checked(Math.Max(frames.Length * 2, at + stack.Length)));
                        frames.AsSpan(0, at).CopyTo(larger);
                        ArrayPool<long>.Shared.Return(frames);
                        frames = larger;
                    }
                    MemoryMarshal.Cast<ulong, long>(stack).CopyTo(frames.AsSpan(at));
                    at += stack.Length;
                }
                group.Column(stackIds.AsSpan(0, rows));
                group.ListColumn(lengths.AsSpan(0, rows), frames.AsSpan(0, at));
            });
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(sorted);
            ArrayPool<long>.Shared.Return(stackIds);
            ArrayPool<int>.Shared.Return(lengths);
            ArrayPool<long>.Shared.Return(frames);
        }
    }

    /// <summary>
    /// Writes the functions <paramref name="ids"/> (distinct, each a key of <paramref name="functions"/>)
    /// to <paramref name="path"/> (created or replaced; not fsynced) and returns what the footer says
    /// about its row groups. The three string columns share one list of distinct UTF-8 strings.
    /// </summary>
    public IReadOnlyList<RowGroupInfo> WriteFunctions(Dictionary<ulong, FunctionInfo> functions, IReadOnlyCollection<ulong> ids, string path)
    {
        var (sorted, count) = Sorted(ids);
        var columns = new long[FunctionColumns.Length][];
        for (var c = 0; c < columns.Length; c++)
        {
            columns[c] = new long[count];
        }
        var strings = new StringTable();
        for (var i = 0; i < count; i++)
        {
            var function = functions[sorted[i]];
            columns[0][i] = (long)sorted[i];
            columns[1][i] = strings.Id(function.Name);
            columns[2][i] = strings.Id(function.SystemName);
            columns[3][i] = strings.Id(function.Filename);
            columns[4][i] = function.StartLine;
        }
        ArrayPool<ulong>.Shared.Return(sorted);
        return _table.Write(path, FunctionColumns, count, (group, start, rows) =>
        {
            foreach (var column in columns)
            {
                group.Column(column.AsSpan(start, rows), strings: strings.Strings);
            }
        });
    }

    /// <summary>
    /// The ids in the tables' order, ascending as unsigned 64-bit integers (as DuckDB sorts UBIGINT),
    /// in the first <c>Count</c> items of an array rented from <see cref="ArrayPool{T}.Shared"/>.
    /// </summary>
    private static (ulong[] Sorted, int Count) Sorted(IReadOnlyCollection<ulong> ids)
    {
        var sorted = ArrayPool<ulong>.Shared.Rent(Math.Max(1, ids.Count));
        var count = 0;
        foreach (var id in ids)
        {
            sorted[count++] = id;
        }
        sorted.AsSpan(0, count).Sort();
        return (sorted, count);
    }

    public void Dispose()
    {
        if (_ownsTable)
        {
            _table.Dispose();
        }
    }
}
