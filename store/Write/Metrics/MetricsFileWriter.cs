using System.Globalization;
using System.Text;
using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Store.Write;

/// <summary>
/// Writes the points a flush recorded for one partition as its <c>metrics</c> file (schema:
/// <see cref="MetricsTable"/>), through DuckDB's COPY: a flush holds a few rows per rule, group and
/// step (hundreds, not millions), with a MAP column, as the series file does. Every string reaches
/// the SQL as hex digits decoded by DuckDB, so no label value can break out of its literal.
/// </summary>
internal static class MetricsFileWriter
{
    public static void Write(DuckDbConnection connection, IReadOnlyList<MetricPoint> points, string path, int rowGroupSize)
    {
        var rows = new StringBuilder();
        foreach (var p in points)
        {
            if (rows.Length > 0)
            {
                rows.Append(",\n");
            }
            rows.Append('(').Append(Text(p.MetricName)).Append(", ").Append(Text(p.ProfileType)).Append(", ")
                .Append(p.SeriesId.ToString(CultureInfo.InvariantCulture)).Append("::UBIGINT, ")
                .Append(MapLiteral(p.Labels)).Append(", make_timestamp(")
                .Append(Timestamps.ToMicros(p.Time).ToString(CultureInfo.InvariantCulture)).Append("::BIGINT), ")
                .Append((p.Step.Ticks * 100).ToString(CultureInfo.InvariantCulture)).Append("::BIGINT, ")
                .Append(p.Value.ToString(CultureInfo.InvariantCulture)).Append("::BIGINT, ")
                .Append(p.Profiles.ToString(CultureInfo.InvariantCulture)).Append("::BIGINT)");
        }
        connection.Execute($"""
            COPY (
              SELECT * FROM (VALUES {rows}) AS t({MetricsTable.MetricName}, {MetricsTable.ProfileType}, {MetricsTable.SeriesId},
                {MetricsTable.Labels}, {MetricsTable.Time}, {MetricsTable.Step}, {MetricsTable.Value}, {MetricsTable.Profiles})
              ORDER BY {MetricsTable.SortOrder}
            ) TO {ParquetFileWriter.Literal(path)} ({ParquetFileWriter.CopyOptions(rowGroupSize)})
            """);
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

    private static string Text(string value) => $"decode(from_hex('{Convert.ToHexString(Encoding.UTF8.GetBytes(value))}'))";

    private static string TextList(IEnumerable<string> values) => $"([{string.Join(", ", values.Select(Text))}]::VARCHAR[])";

    private static string MapLiteral(LabelSet labels) =>
        $"map({TextList(labels.Select(l => l.Key))}, {TextList(labels.Select(l => l.Value))})::MAP(VARCHAR, VARCHAR)";
}
