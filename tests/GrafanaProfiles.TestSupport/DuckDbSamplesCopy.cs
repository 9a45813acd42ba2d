using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.TestSupport;

/// <summary>
/// The samples file as DuckDB writes it: how the store wrote samples files before it had its own
/// Parquet writer (the partition's rows appended in sort order to a temp table, then
/// <c>COPY (SELECT …) TO … (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE n)</c>, the series
/// columns looked up by the row's key). Tests compare our files with it, and the flush benchmark
/// measures it as the baseline.
/// </summary>
internal static class DuckDbSamplesCopy
{
    public static void Write(DuckDbConnection connection, PartitionBuffer buffer, int rowGroupSize, string path)
    {
        connection.Execute($"""
            CREATE OR REPLACE TEMP TABLE buf_samples_copy ({SamplesTable.Time} TIMESTAMP, {SamplesTable.Duration} BIGINT, k INTEGER,
                {SamplesTable.StackId} UBIGINT, {SamplesTable.Value} BIGINT, {SamplesTable.SpanId} UBIGINT);
            """);
        Append(connection, buffer);
        const string k = "k + 1";
        var keys = buffer.Keys;
        connection.Execute($"""
            COPY (
              SELECT {SamplesTable.Time}, {SamplesTable.Duration},
                     {TextList(keys.Select(x => x.ServiceName))}[{k}] AS {SamplesTable.ServiceName},
                     {TextList(keys.Select(x => x.ProfileType))}[{k}] AS {SamplesTable.ProfileType},
                     ([{string.Join(", ", keys.Select(x => x.SeriesId.ToString(CultureInfo.InvariantCulture)))}]::UBIGINT[])[{k}] AS {SamplesTable.SeriesId},
                     {SamplesTable.StackId}, {SamplesTable.Value}, {SamplesTable.SpanId}
              FROM buf_samples_copy
            ) TO '{path.Replace("'", "''", StringComparison.Ordinal)}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {rowGroupSize})
            """);
        connection.Execute("DROP TABLE buf_samples_copy");
    }

    private static string Text(string value) => $"decode(from_hex('{Convert.ToHexString(Encoding.UTF8.GetBytes(value))}'))";

    private static string TextList(IEnumerable<string> values) => $"([{string.Join(", ", values.Select(Text))}]::VARCHAR[])";

    private static void Append(DuckDbConnection connection, PartitionBuffer b)
    {
        var sorted = b.SortedOrder();
        DuckDbLogicalType[] types =
        [
            DuckDbLogicalType.Of(DuckDbType.Timestamp), DuckDbLogicalType.Of(DuckDbType.BigInt), DuckDbLogicalType.Of(DuckDbType.Integer),
            DuckDbLogicalType.Of(DuckDbType.UBigInt), DuckDbLogicalType.Of(DuckDbType.BigInt), DuckDbLogicalType.Of(DuckDbType.UBigInt),
        ];
        try
        {
            var (order, runOf) = sorted;
            var total = b.RowCount;
            var rows = b.Rows;
            var runs = CollectionsMarshal.AsSpan(b.Runs);
            using var chunk = new DuckDbChunkWriter(types);
            using var appender = connection.CreateAppender("buf_samples_copy");
            for (var start = 0; start < total; start += chunk.Capacity)
            {
                var n = Math.Min(chunk.Capacity, total - start);
                var times = chunk.Span<long>(0);
                var durations = chunk.Span<long>(1);
                var keys = chunk.Span<int>(2);
                var stacks = chunk.Span<ulong>(3);
                var values = chunk.Span<long>(4);
                var spans = chunk.Span<ulong>(5);
                for (var i = 0; i < n; i++)
                {
                    ref readonly var run = ref runs[runOf[start + i]];
                    ref readonly var row = ref rows[order[start + i]];
                    times[i] = run.TimeMicros;
                    durations[i] = run.DurationNanos;
                    keys[i] = run.Key;
                    stacks[i] = row.StackId;
                    values[i] = row.Value;
                    spans[i] = row.SpanId;
                    if (row.SpanId == 0)
                    {
                        chunk.SetNull(5, i);
                    }
                }
                chunk.RowCount = n;
                appender.Append(chunk);
                chunk.Reset();
            }
            appender.Flush();
        }
        finally
        {
            PartitionBuffer.ReturnSortedOrder(sorted);
            foreach (var type in types)
            {
                type.Dispose();
            }
        }
    }
}
