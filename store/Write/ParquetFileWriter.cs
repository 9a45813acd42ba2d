using System.Globalization;
using System.Text;
using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Write.Parquet;

namespace GrafanaProfiles.Store.Write;

/// <summary>
/// Turns one partition's buffered rows into the Parquet files (samples, series, stacks, functions),
/// zstd-compressed. The samples file (a row per sample) and the stacks and functions files (a row
/// per new stack or function) are written by our own Parquet writer (<see cref="SamplesFileWriter"/>,
/// <see cref="SymbolFilesWriter"/>, sharing one <see cref="ParquetTableWriter"/>); the series file
/// (a row per new series, with a MAP column) goes through DuckDB's appender and COPY.
/// </summary>
internal sealed class ParquetFileWriter : IDisposable
{
    private readonly DuckDbConnection _connection;
    private readonly ParquetTableWriter _table;
    private readonly SamplesFileWriter _samples;
    private readonly SymbolFilesWriter _symbols;
    private readonly int _rowGroupSize;

    public ParquetFileWriter(DuckDbDatabase database, int rowGroupSize)
    {
        _connection = database.Connect();
        _table = new ParquetTableWriter(rowGroupSize);
        _samples = new SamplesFileWriter(_table);
        _symbols = new SymbolFilesWriter(_table);
        _rowGroupSize = rowGroupSize;
    }

    /// <summary>
    /// The COPY options of every file the store writes through DuckDB (the files of a flush that our
    /// own writer writes have the same codec and row group size).
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
        var written = new List<(string, string)>();
        var options = CopyOptions(_rowGroupSize);
        if (functions.Count > 0)
        {
            var path = tempPathFor(FunctionsTable.Name);
            _symbols.WriteFunctions(buffer.Functions, functions, path);
            written.Add((FunctionsTable.Name, path));
        }
        if (stacks.Count > 0)
        {
            var path = tempPathFor(StacksTable.Name);
            _symbols.WriteStacks(buffer.Stacks, stacks, path);
            written.Add((StacksTable.Name, path));
        }
        if (series.Count > 0)
        {
            // One row per series of the partition not written before: a handful per flush, but a
            // fleet's first flush of an hour brings every pod's series at once (2,000 pods, 2,000
            // rows). They go to a temp table through the appender, as whole chunks, then out with
            // COPY. Spelled as one SQL literal, as before, the statement for 2,000 series took
            // DuckDB about 10 s and 1.5 GB to bind (docs/reliability.md, "Overload").
            var path = tempPathFor(SeriesTable.Name);
            _connection.Execute($"CREATE TEMP TABLE IF NOT EXISTS {SeriesBuffer} ({SeriesTable.Columns}); DELETE FROM {SeriesBuffer};");
            AppendSeries(series);
            _connection.Execute($"COPY (SELECT * FROM {SeriesBuffer} ORDER BY {SeriesTable.SortOrder}) TO {Literal(path)} ({options})");
            _connection.Execute($"DELETE FROM {SeriesBuffer}");
            written.Add((SeriesTable.Name, path));
        }
        var samplesPath = tempPathFor(SamplesTable.Name);
        _samples.Write(buffer, samplesPath);
        written.Add((SamplesTable.Name, samplesPath));
        return written;
    }

    private const string SeriesBuffer = "flush_series";

    private void AppendSeries(IReadOnlyCollection<RowKey> series)
    {
        using var id = DuckDbLogicalType.Of(DuckDbType.UBigInt);
        using var service = DuckDbLogicalType.Of(DuckDbType.Varchar);
        using var labels = DuckDbLogicalType.MapOf(DuckDbType.Varchar, DuckDbType.Varchar);
        using var chunk = new DuckDbChunkWriter([id, service, labels]);
        using var appender = _connection.CreateAppender(SeriesBuffer);
        // Label values are untrusted (quotes, NUL characters): as appended values they are data, never SQL.
        appender.AppendRows(chunk, series, static (chunk, row, key) =>
        {
            chunk.Span<ulong>(0)[row] = key.SeriesId;
            chunk.SetString(1, row, key.ServiceName);
            chunk.SetMap(2, row, key.Labels);
        });
    }

    public void Dispose()
    {
        _samples.Dispose();
        _symbols.Dispose();
        _table.Dispose();
        _connection.Dispose();
    }
}
