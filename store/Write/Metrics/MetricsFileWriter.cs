using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;

namespace GrafanaProfiles.Store.Write;

/// <summary>
/// Writes the points a flush recorded for one partition as its <c>metrics</c> file (schema:
/// <see cref="MetricsTable"/>) through DuckDB: the rows appended as whole chunks to a temporary
/// table, then <c>COPY (SELECT * … ORDER BY …) TO …</c>, as the series file's MAP column wants. A
/// statement of literal rows cost far more: at 3,500 points per file DuckDB spent about 0.6 s
/// binding the literals (three times the ingest CPU of the benchmark's 10 rules, docs/benchmarks.md,
/// "Recording rules").
/// </summary>
internal static class MetricsFileWriter
{
    private const string Buffer = "buf_metrics";

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Write(DuckDbConnection connection, IReadOnlyList<MetricPoint> points, string path, int rowGroupSize)
    {
        connection.Execute($"CREATE TEMP TABLE IF NOT EXISTS {Buffer} ({MetricsTable.Columns}); DELETE FROM {Buffer};");
        DuckDbLogicalType[] types =
        [
            DuckDbLogicalType.Of(DuckDbType.Varchar), DuckDbLogicalType.Of(DuckDbType.Varchar), DuckDbLogicalType.Of(DuckDbType.UBigInt),
            DuckDbLogicalType.MapOf(DuckDbType.Varchar, DuckDbType.Varchar), DuckDbLogicalType.Of(DuckDbType.Timestamp),
            DuckDbLogicalType.Of(DuckDbType.BigInt), DuckDbLogicalType.Of(DuckDbType.BigInt), DuckDbLogicalType.Of(DuckDbType.BigInt),
        ];
        try
        {
            using var chunk = new DuckDbChunkWriter(types);
            using var appender = connection.CreateAppender(Buffer);
            appender.AppendRows(chunk, points, static (chunk, row, p) =>
            {
                chunk.SetString(0, row, p.MetricName);
                chunk.SetString(1, row, p.ProfileType);
                chunk.Span<ulong>(2)[row] = p.SeriesId;
                chunk.SetMap(3, row, p.Labels);
                chunk.Span<long>(4)[row] = Timestamps.ToMicros(p.Time);
                chunk.Span<long>(5)[row] = p.Step.Ticks * 100;
                chunk.Span<long>(6)[row] = p.Value;
                chunk.Span<long>(7)[row] = p.Profiles;
            });
        }
        finally
        {
            foreach (var type in types)
            {
                type.Dispose();
            }
        }
        connection.Execute(
            $"COPY (SELECT * FROM {Buffer} ORDER BY {MetricsTable.SortOrder}) TO {ParquetFileWriter.Literal(path)} ({ParquetFileWriter.CopyOptions(rowGroupSize)})");
    }

    /// <summary>
    /// The SELECT that compaction merges a closed hour's metrics files with: one row per (metric,
    /// series, time, step), values and profile counts summed, so the sums readers take stay the same.
    /// </summary>
    internal static string CompactionSelect(string source) => $"""
        SELECT {MetricsTable.MetricName}, any_value({MetricsTable.ProfileType}) AS {MetricsTable.ProfileType}, {MetricsTable.SeriesId},
               any_value({MetricsTable.Labels}) AS {MetricsTable.Labels}, {MetricsTable.Time}, {MetricsTable.Step},
               sum({MetricsTable.Value})::BIGINT AS {MetricsTable.Value}, sum({MetricsTable.Profiles})::BIGINT AS {MetricsTable.Profiles}
        FROM {source}
        GROUP BY {MetricsTable.MetricName}, {MetricsTable.SeriesId}, {MetricsTable.Time}, {MetricsTable.Step}
        ORDER BY {MetricsTable.SortOrder}
        """;
}
