using System.Globalization;
using System.Text;
using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Store.Write;

/// <summary>
/// Turns one partition's buffered rows into the Parquet files (samples, series, stacks, functions),
/// zstd-compressed. The samples file, which has a row per sample, is written by our own
/// <see cref="SamplesFileWriter"/>; the series, stacks and functions files (a row per new series,
/// stack or function) go through DuckDB: rows in through the appender as whole chunks, out with COPY.
/// </summary>
internal sealed class ParquetFileWriter : IDisposable
{
    private readonly DuckDbConnection _connection;
    private readonly SamplesFileWriter _samples;
    private readonly int _rowGroupSize;

    public ParquetFileWriter(DuckDbDatabase database, int rowGroupSize)
    {
        _connection = database.Connect();
        _samples = new SamplesFileWriter(rowGroupSize);
        _rowGroupSize = rowGroupSize;
        _connection.Execute($"""
            CREATE TEMP TABLE IF NOT EXISTS buf_stacks ({StacksTable.Columns});
            CREATE TEMP TABLE IF NOT EXISTS buf_functions ({FunctionsTable.Columns});
            """);
    }

    /// <summary>
    /// The COPY options of every file the store writes through DuckDB (the samples files of a flush,
    /// written by <see cref="SamplesFileWriter"/>, have the same codec and row group size).
    /// </summary>
    internal static string CopyOptions(int rowGroupSize) => $"FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {rowGroupSize}";

    /// <summary>Quotes a path as a SQL string literal (paths are ours, but may contain quotes).</summary>
    internal static string Literal(string path) => "'" + path.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// Writes the files; returns (table, path) for each file written, the samples file last (files are
    /// renamed into place in this order, so a reader that sees a samples file sees its series, stacks
    /// and functions). Series, stacks and functions files are skipped when there is nothing new.
    /// </summary>
    public IReadOnlyList<(string Table, string Path)> Write(PartitionBuffer buffer, IReadOnlyCollection<RowKey> series,
        IReadOnlyCollection<ulong> stacks, IReadOnlyCollection<ulong> functions, Func<string, string> tempPathFor)
    {
        _connection.Execute("DELETE FROM buf_stacks; DELETE FROM buf_functions;");
        AppendStacks(buffer, stacks);
        AppendFunctions(buffer, functions);

        var written = new List<(string, string)>();
        var options = CopyOptions(_rowGroupSize);
        if (functions.Count > 0)
        {
            var path = tempPathFor(FunctionsTable.Name);
            _connection.Execute($"COPY (SELECT * FROM buf_functions ORDER BY {FunctionsTable.SortOrder}) TO {Literal(path)} ({options})");
            written.Add((FunctionsTable.Name, path));
        }
        if (stacks.Count > 0)
        {
            var path = tempPathFor(StacksTable.Name);
            _connection.Execute($"COPY (SELECT * FROM buf_stacks ORDER BY {StacksTable.SortOrder}) TO {Literal(path)} ({options})");
            written.Add((StacksTable.Name, path));
        }
        if (series.Count > 0)
        {
            // A handful of rows per flush (one per series of the partition not written before):
            // constant lists, unnested.
            var path = tempPathFor(SeriesTable.Name);
            var ordered = series.OrderBy(x => x.SeriesId).ToList();
            _connection.Execute($"""
                COPY (
                  SELECT unnest([{string.Join(", ", ordered.Select(x => x.SeriesId.ToString(CultureInfo.InvariantCulture)))}]::UBIGINT[]) AS {SeriesTable.SeriesId},
                         unnest({TextList(ordered.Select(x => x.ServiceName))}) AS {SeriesTable.ServiceName},
                         unnest([{string.Join(", ", ordered.Select(x => MapLiteral(x.Labels)))}]) AS {SeriesTable.Labels}
                ) TO {Literal(path)} ({options})
                """);
            written.Add((SeriesTable.Name, path));
        }
        var samplesPath = tempPathFor(SamplesTable.Name);
        _samples.Write(buffer, samplesPath);
        written.Add((SamplesTable.Name, samplesPath));
        return written;
    }

    /// <summary>
    /// A string as a SQL expression that no content can break out of: hex digits decoded by DuckDB
    /// (label values are untrusted and may hold quotes or NUL characters).
    /// </summary>
    private static string Text(string value) => $"decode(from_hex('{Convert.ToHexString(Encoding.UTF8.GetBytes(value))}'))";

    private static string TextList(IEnumerable<string> values) => $"([{string.Join(", ", values.Select(Text))}]::VARCHAR[])";

    private static string MapLiteral(LabelSet labels) =>
        $"map({TextList(labels.Select(l => l.Key))}, {TextList(labels.Select(l => l.Value))})::MAP(VARCHAR, VARCHAR)";

    // Once per partition and flush, over every row: optimized at once (see PartitionBuffer.SortedOrder).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void AppendStacks(PartitionBuffer b, IReadOnlyCollection<ulong> stacks)
    {
        using var types = new LogicalTypes(DuckDbLogicalType.Of(DuckDbType.UBigInt), DuckDbLogicalType.ListOf(DuckDbType.UBigInt));
        using var chunk = new DuckDbChunkWriter(types.Items);
        using var appender = _connection.CreateAppender("buf_stacks");
        var row = 0;
        foreach (var id in stacks)
        {
            chunk.Span<ulong>(0)[row] = id;
            chunk.SetList<ulong>(1, row, b.Stacks[id]);
            row = AppendIfFull(chunk, appender, row + 1);
        }
        chunk.RowCount = row;
        appender.Append(chunk);
        appender.Flush();
    }

    // Once per partition and flush, over every row: optimized at once (see PartitionBuffer.SortedOrder).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void AppendFunctions(PartitionBuffer b, IReadOnlyCollection<ulong> functions)
    {
        using var types = new LogicalTypes(DuckDbType.UBigInt, DuckDbType.Varchar, DuckDbType.Varchar, DuckDbType.Varchar, DuckDbType.BigInt);
        using var chunk = new DuckDbChunkWriter(types.Items);
        using var appender = _connection.CreateAppender("buf_functions");
        var row = 0;
        foreach (var id in functions)
        {
            var f = b.Functions[id];
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

    public void Dispose()
    {
        _samples.Dispose();
        _connection.Dispose();
    }
}

/// <summary>A list of owned logical types, disposed together.</summary>
internal sealed class LogicalTypes : IDisposable
{
    public LogicalTypes(params DuckDbType[] types) => Items = [.. types.Select(DuckDbLogicalType.Of)];

    public LogicalTypes(params DuckDbLogicalType[] types) => Items = types;

    public DuckDbLogicalType[] Items { get; }

    public void Dispose()
    {
        foreach (var t in Items)
        {
            t.Dispose();
        }
    }
}
