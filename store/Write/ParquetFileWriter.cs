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
/// (a row per new series, a handful, with a MAP column) goes through DuckDB's COPY.
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

    public void Dispose()
    {
        _samples.Dispose();
        _symbols.Dispose();
        _table.Dispose();
        _connection.Dispose();
    }
}
