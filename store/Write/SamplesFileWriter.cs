using System.Buffers;
using System.Runtime.InteropServices;
using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.Write.Parquet;

namespace GrafanaProfiles.Store.Write;

/// <summary>
/// Writes a partition buffer's rows as a samples Parquet file, in the table's sort order
/// (<see cref="PartitionBuffer.SortedOrder"/>), without going through DuckDB: DuckDB's COPY spent
/// about 0.5 µs of CPU per row on this file (appender, string dictionaries, statistics), most of a
/// flush (docs/architecture.md). Columns and types are the ones DuckDB writes for
/// <see cref="SamplesTable.Columns"/>; the format is described in store/Write/Parquet/README.md.
/// One writer is used by one thread at a time; its <see cref="ParquetTableWriter"/> keeps the
/// buffers and zstd context between files.
/// </summary>
internal sealed class SamplesFileWriter : IDisposable
{
    internal static readonly ParquetColumn[] Columns =
    [
        new(SamplesTable.Time, ColumnType.TimestampMicros, Nullable: false),
        new(SamplesTable.Duration, ColumnType.Int64, Nullable: false),
        new(SamplesTable.ServiceName, ColumnType.String, Nullable: false),
        new(SamplesTable.ProfileType, ColumnType.String, Nullable: false),
        new(SamplesTable.SeriesId, ColumnType.UInt64, Nullable: false),
        new(SamplesTable.StackId, ColumnType.UInt64, Nullable: false),
        new(SamplesTable.Value, ColumnType.Int64, Nullable: false),
        new(SamplesTable.SpanId, ColumnType.UInt64, Nullable: true),
    ];

    private const int SpanColumn = 7;

    private readonly ParquetTableWriter _table;
    private readonly bool _ownsTable;

    public SamplesFileWriter(int rowGroupSize, int pageBytes = ParquetTableWriter.DefaultPageBytes,
        int compressionLevel = ParquetTableWriter.DefaultCompressionLevel)
        : this(new ParquetTableWriter(rowGroupSize, pageBytes, compressionLevel), ownsTable: true)
    {
    }

    /// <summary>A writer on a table writer shared with the flush's other files (not disposed with this one).</summary>
    public SamplesFileWriter(ParquetTableWriter table)
        : this(table, ownsTable: false)
    {
    }

    private SamplesFileWriter(ParquetTableWriter table, bool ownsTable)
    {
        _table = table;
        _ownsTable = ownsTable;
    }

    /// <summary>
    /// Writes the buffer's rows to <paramref name="path"/> (created or replaced; not fsynced) and
    /// returns what the footer says about its row groups.
    /// </summary>
    public IReadOnlyList<RowGroupInfo> Write(PartitionBuffer buffer, string path)
    {
        var (serviceOf, typeOf, strings) = KeyStrings(buffer.Keys);
        var chunkRows = Math.Max(1, Math.Min(_table.RowGroupSize, buffer.RowCount));
        var columns = new long[Columns.Length][];
        for (var c = 0; c < columns.Length; c++)
        {
            columns[c] = ArrayPool<long>.Shared.Rent(chunkRows);
        }
        var defined = ArrayPool<byte>.Shared.Rent(chunkRows);
        var sorted = buffer.SortedOrder();
        try
        {
            return _table.Write(path, Columns, buffer.RowCount, (group, start, rows) =>
            {
                var spans = Fill(buffer, sorted, start, rows, serviceOf, typeOf, columns, defined);
                for (var c = 0; c < Columns.Length; c++)
                {
                    if (c == SpanColumn)
                    {
                        group.Column(columns[c].AsSpan(0, spans), defined.AsSpan(0, rows));
                    }
                    else
                    {
                        group.Column(columns[c].AsSpan(0, rows), strings: strings);
                    }
                }
            });
        }
        finally
        {
            PartitionBuffer.ReturnSortedOrder(sorted);
            ArrayPool<byte>.Shared.Return(defined);
            foreach (var column in columns)
            {
                ArrayPool<long>.Shared.Return(column);
            }
        }
    }

    /// <summary>
    /// The rows <paramref name="start"/>..+<paramref name="rows"/> of the sorted order, column by
    /// column (strings as ids into the key strings); span ids only where set, with their rows
    /// flagged in <paramref name="defined"/>. Returns the number of span ids.
    /// </summary>
    // Once per row group and flush, over every row: optimized at once (see PartitionBuffer.SortedOrder).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static int Fill(PartitionBuffer buffer, (int[] Rows, int[] Runs) sorted, int start, int rows,
        long[] serviceOf, long[] typeOf, long[][] columns, byte[] defined)
    {
        var runs = CollectionsMarshal.AsSpan(buffer.Runs);
        var keys = buffer.Keys;
        var all = buffer.Rows;
        var (time, duration, service, type, series, stack, value, span) =
            (columns[0], columns[1], columns[2], columns[3], columns[4], columns[5], columns[6], columns[7]);
        var spans = 0;
        var lastKey = -1;
        var seriesId = 0L;
        for (var i = 0; i < rows; i++)
        {
            ref readonly var run = ref runs[sorted.Runs[start + i]];
            ref readonly var row = ref all[sorted.Rows[start + i]];
            if (run.Key != lastKey)
            {
                lastKey = run.Key;
                seriesId = (long)keys[lastKey].SeriesId;
            }
            time[i] = run.TimeMicros;
            duration[i] = run.DurationNanos;
            service[i] = serviceOf[lastKey];
            type[i] = typeOf[lastKey];
            series[i] = seriesId;
            stack[i] = (long)row.StackId;
            value[i] = row.Value;
            // A span id of 0 means "no span": stored as null, as the appender path did.
            if (row.SpanId != 0)
            {
                span[spans++] = (long)row.SpanId;
                defined[i] = 1;
            }
            else
            {
                defined[i] = 0;
            }
        }
        return spans;
    }

    /// <summary>Each key's service name and profile type as an id into one list of distinct UTF-8 strings.</summary>
    private static (long[] ServiceOf, long[] TypeOf, IReadOnlyList<byte[]> Strings) KeyStrings(List<RowKey> keys)
    {
        var strings = new StringTable();
        var serviceOf = new long[keys.Count];
        var typeOf = new long[keys.Count];
        for (var k = 0; k < keys.Count; k++)
        {
            serviceOf[k] = strings.Id(keys[k].ServiceName);
            typeOf[k] = strings.Id(keys[k].ProfileType);
        }
        return (serviceOf, typeOf, strings.Strings);
    }

    public void Dispose()
    {
        if (_ownsTable)
        {
            _table.Dispose();
        }
    }
}
