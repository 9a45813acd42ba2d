using System.Diagnostics;
using GrafanaProfiles.Benchmarks.Dataset;
using GrafanaProfiles.Benchmarks.Measurement;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Maintenance;
using GrafanaProfiles.Store.Partitions;
using GrafanaProfiles.Store.Write;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Benchmarks.Storage;

/// <summary>Bytes on disk per stored sample row, against the gzipped pprof that came in.</summary>
internal sealed class StorageBenchmark(GeneratedDataset data, Report report)
{
    public void Measure(string directory, long rows, string stage, bool verdict)
    {
        var files = ParquetFiles(directory);
        var total = files.Sum(f => f.Length);
        var input = data.GzipBytes;
        var byTable = PartitionLayout.Tables.Select(t => (Table: t, Bytes: files.Where(f => f.Name.StartsWith(t + "-", StringComparison.Ordinal)).Sum(f => f.Length)))
            .ToList();
        report.Add("Storage", $"Parquet bytes {stage} ({files.Count} files)", $"{Timing.Bytes(total)} = {(double)total / rows:N2} B/row",
            $"{Timing.Bytes(input)} gzipped pprof = {(double)input / rows:N1} B/row", (double)total / input);
        report.Add("Storage", $"  by table {stage}", string.Join(", ", byTable.Select(t => $"{t.Table} {Timing.Bytes(t.Bytes)}")));
        if (verdict)
        {
            report.Verdict("Bytes on disk ≤ 0.25× gzipped pprof input", (double)total / input, 0.25,
                $"{stage}: {Timing.Bytes(total)} for {rows:N0} rows ({(double)total / rows:N2} B/row) vs {Timing.Bytes(input)} of gzipped pprof");
        }
    }

    public static List<FileInfo> ParquetFiles(string directory) =>
        [.. new DirectoryInfo(directory).EnumerateFiles("*" + PartitionLayout.FileExtension, SearchOption.AllDirectories)
            .Where(f => !f.Name.StartsWith(PartitionLayout.TempPrefix, StringComparison.Ordinal))];

    public TimeSpan Compact(StoreOptions options)
    {
        using var compactor = new Compactor(options);
        var watch = Stopwatch.StartNew();
        // "Now" is an hour ahead of the real clock (and at least two days after the data): every
        // hour is closed, and the grace period (zero here) has passed for the manifests this
        // round writes, so the inputs are deleted and the sizes below are the compacted ones.
        var now = DateTime.UtcNow.AddHours(1) > data.Day.AddDays(2) ? DateTime.UtcNow.AddHours(1) : data.Day.AddDays(2);
        var result = compactor.RunOnce(now);
        watch.Stop();
        report.Add("Storage", "Compaction of the closed hours (Compactor.RunOnce)",
            $"{Timing.Ms(watch.Elapsed)}: {result.PartitionsCompacted} partitions, {result.FilesRemoved} files → {result.FilesWritten}");
        return watch.Elapsed;
    }

    /// <summary>Bytes per column of each table, from the Parquet footers (parquet_metadata).</summary>
    public static void PrintColumns(string directory)
    {
        using var db = DuckDbDatabase.Open();
        using var connection = db.Connect();
        foreach (var table in PartitionLayout.Tables)
        {
            var files = ParquetFiles(directory).Where(f => f.Name.StartsWith(table + "-", StringComparison.Ordinal)).Select(f => f.FullName).ToList();
            if (files.Count == 0)
            {
                continue;
            }
            var list = string.Join(", ", files.Select(f => "'" + f.Replace("'", "''", StringComparison.Ordinal) + "'"));
            using var result = connection.Query($"""
                SELECT path_in_schema, sum(total_compressed_size)::BIGINT, sum(total_uncompressed_size)::BIGINT, sum(num_values)::BIGINT,
                       string_agg(DISTINCT encodings, ' / '), count(DISTINCT (file_name, row_group_id))::BIGINT
                FROM parquet_metadata([{list}]) GROUP BY ALL ORDER BY 2 DESC
                """);
            Console.WriteLine($"  {table}: column, compressed, uncompressed, values, encodings, row groups");
            foreach (var chunk in result.Chunks())
            {
                var compressed = chunk.Column(1).Values<long>();
                var uncompressed = chunk.Column(2).Values<long>();
                var values = chunk.Column(3).Values<long>();
                var groups = chunk.Column(5).Values<long>();
                for (var i = 0; i < chunk.RowCount; i++)
                {
                    Console.WriteLine($"    {chunk.Column(0).GetString(i),-28} {Timing.Bytes(compressed[i]),10} {Timing.Bytes(uncompressed[i]),10} {values[i],12:N0}  {chunk.Column(4).GetString(i)}  ({groups[i]} row groups)");
                }
            }
        }
    }
}
