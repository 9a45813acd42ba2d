using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;

namespace GrafanaProfiles.Store.Write;

/// <summary>
/// Turns one partition's buffered rows into the three Parquet files (samples, stacks, functions)
/// through DuckDB: rows go in through the appender as whole chunks, come out with COPY … ORDER BY
/// in the store's sort order, zstd-compressed.
/// </summary>
internal sealed class ParquetFileWriter : IDisposable
{
    private readonly DuckDbConnection _connection;
    private readonly int _rowGroupSize;

    public ParquetFileWriter(DuckDbDatabase database, int rowGroupSize)
    {
        _connection = database.Connect();
        _rowGroupSize = rowGroupSize;
        _connection.Execute($"""
            CREATE TEMP TABLE IF NOT EXISTS buf_samples ({SamplesTable.Time} TIMESTAMP, {SamplesTable.Duration} BIGINT, {SamplesTable.ProfileType} VARCHAR,
                {SamplesTable.SeriesId} UBIGINT, {SamplesTable.StackId} UBIGINT, {SamplesTable.Value} BIGINT, {SamplesTable.SpanId} UBIGINT);
            CREATE TEMP TABLE IF NOT EXISTS buf_series ({SamplesTable.SeriesId} UBIGINT, {SamplesTable.ServiceName} VARCHAR, {SamplesTable.Labels} MAP(VARCHAR, VARCHAR));
            CREATE TEMP TABLE IF NOT EXISTS buf_stacks ({StacksTable.Columns});
            CREATE TEMP TABLE IF NOT EXISTS buf_functions ({FunctionsTable.Columns});
            """);
    }

    /// <summary>The COPY options of every file the store writes.</summary>
    internal static string CopyOptions(int rowGroupSize) => $"FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {rowGroupSize}";

    /// <summary>Quotes a path as a SQL string literal (paths are ours, but may contain quotes).</summary>
    internal static string Literal(string path) => "'" + path.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>Writes the files; returns (table, path) for each file written. Stacks/functions files are skipped when empty.</summary>
    public IReadOnlyList<(string Table, string Path)> Write(PartitionBuffer buffer, IReadOnlyCollection<ulong> stacks,
        IReadOnlyCollection<ulong> functions, Func<string, string> tempPathFor)
    {
        _connection.Execute("DELETE FROM buf_samples; DELETE FROM buf_series; DELETE FROM buf_stacks; DELETE FROM buf_functions;");
        AppendSamples(buffer);
        AppendSeries(buffer);
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
        var samplesPath = tempPathFor(SamplesTable.Name);
        _connection.Execute($"""
            COPY (
              SELECT s.{SamplesTable.Time}, s.{SamplesTable.Duration}, r.{SamplesTable.ServiceName}, s.{SamplesTable.ProfileType},
                     s.{SamplesTable.SeriesId}, r.{SamplesTable.Labels}, s.{SamplesTable.StackId}, s.{SamplesTable.Value}, s.{SamplesTable.SpanId}
              FROM buf_samples s JOIN buf_series r USING ({SamplesTable.SeriesId})
              ORDER BY {SamplesTable.SortOrder}
            ) TO {Literal(samplesPath)} ({options})
            """);
        written.Add((SamplesTable.Name, samplesPath));
        return written;
    }

    private void AppendSamples(PartitionBuffer b)
    {
        using var types = new LogicalTypes(DuckDbType.Timestamp, DuckDbType.BigInt, DuckDbType.Varchar, DuckDbType.UBigInt, DuckDbType.UBigInt, DuckDbType.BigInt, DuckDbType.UBigInt);
        using var chunk = new DuckDbChunkWriter(types.Items);
        using var appender = _connection.CreateAppender("buf_samples");
        for (var start = 0; start < b.RowCount; start += chunk.Capacity)
        {
            var n = Math.Min(chunk.Capacity, b.RowCount - start);
            System.Runtime.InteropServices.CollectionsMarshal.AsSpan(b.TimeMicros).Slice(start, n).CopyTo(chunk.Span<long>(0));
            System.Runtime.InteropServices.CollectionsMarshal.AsSpan(b.DurationNanos).Slice(start, n).CopyTo(chunk.Span<long>(1));
            System.Runtime.InteropServices.CollectionsMarshal.AsSpan(b.SeriesIds).Slice(start, n).CopyTo(chunk.Span<ulong>(3));
            System.Runtime.InteropServices.CollectionsMarshal.AsSpan(b.StackIds).Slice(start, n).CopyTo(chunk.Span<ulong>(4));
            System.Runtime.InteropServices.CollectionsMarshal.AsSpan(b.Values).Slice(start, n).CopyTo(chunk.Span<long>(5));
            var spans = chunk.Span<ulong>(6);
            string? lastType = null;
            byte[] lastTypeBytes = [];
            for (var i = 0; i < n; i++)
            {
                var type = b.ProfileTypes[start + i];
                if (!ReferenceEquals(type, lastType))
                {
                    lastType = type;
                    lastTypeBytes = System.Text.Encoding.UTF8.GetBytes(type);
                }
                chunk.SetString(2, i, lastTypeBytes);
                var span = b.SpanIds[start + i];
                spans[i] = span;
                if (span == 0)
                {
                    chunk.SetNull(6, i);
                }
            }
            chunk.RowCount = n;
            appender.Append(chunk);
            chunk.Reset();
        }
        appender.Flush();
    }

    private void AppendSeries(PartitionBuffer b)
    {
        using var types = new LogicalTypes(DuckDbLogicalType.Of(DuckDbType.UBigInt), DuckDbLogicalType.Of(DuckDbType.Varchar), DuckDbLogicalType.MapOf(DuckDbType.Varchar, DuckDbType.Varchar));
        using var chunk = new DuckDbChunkWriter(types.Items);
        using var appender = _connection.CreateAppender("buf_series");
        var row = 0;
        foreach (var series in b.Series.Values)
        {
            chunk.Span<ulong>(0)[row] = series.SeriesId;
            chunk.SetString(1, row, series.ServiceName);
            chunk.SetMap(2, row, [.. series.Labels]);
            row = AppendIfFull(chunk, appender, row + 1);
        }
        chunk.RowCount = row;
        appender.Append(chunk);
        appender.Flush();
    }

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

    public void Dispose() => _connection.Dispose();
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
