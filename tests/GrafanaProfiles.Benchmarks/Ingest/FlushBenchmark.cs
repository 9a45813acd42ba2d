using System.Diagnostics;
using GrafanaProfiles.Benchmarks.Dataset;
using GrafanaProfiles.Benchmarks.Measurement;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Write;
using GrafanaProfiles.Store.Write.Parquet;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Benchmarks.Ingest;

/// <summary>
/// Where a flush's CPU goes: one partition buffer of about 1,000,000 rows shaped like the dataset's
/// (16 series of 3 labels, 4 profile types, 150 stacks per window drawn from 6,000 per service),
/// written by the real <see cref="ParquetFileWriter"/>; then the samples file alone by our writer
/// against DuckDB's COPY of the same rows (the way the store wrote it before, the baseline), CPU
/// and bytes per row; then the samples file's columns copied again to Parquet by DuckDB alone and
/// in other forms (same COPY options), each timed in process CPU; among them the former layout,
/// with the series' label map on every samples row. Last, the stacks and functions files of the
/// dataset's query hour by our writer against DuckDB's COPY.
/// </summary>
internal sealed class FlushBenchmark(Report report)
{
    private const int Rows = 1_000_000;

    /// <summary>Runs before each measurement; before the first, as many whole flushes too.</summary>
    private const int Warmups = 3;

    public void Run(string directory, int scale)
    {
        Report.Section("Flush: CPU per row of ParquetFileWriter.Write, of the samples, stacks and functions files against DuckDB's COPY, and of each column");
        Directory.CreateDirectory(directory);
        var buffer = Buffer(out var rows);
        using var database = DuckDbDatabase.Open(settings: new Dictionary<string, string>
        {
            ["threads"] = "1",
            ["memory_limit"] = "1GB",
            ["preserve_insertion_order"] = "true",
        });
        var rowGroupSize = new StoreOptions { DataDirectory = directory }.RowGroupSize;
        void Write(string name)
        {
            using var writer = new ParquetFileWriter(database, rowGroupSize);
            writer.Write(buffer, [.. buffer.Keys.DistinctBy(k => k.SeriesId)], [], [], table => Path.Combine(directory, $"{table}-{name}.parquet"));
        }
        // The writers' hot methods run a few times per file; before these runs the runtime was still
        // compiling them at its optimised tier, which showed as up to 2× the CPU of the first block.
        for (var i = 0; i < Warmups; i++)
        {
            Write("0");
        }
        var (_, write) = Timing.MedianWithCpu(Warmups, 5, () => Write("next"));
        report.Add("Flush", $"ParquetFileWriter.Write, samples and series ({rows:N0} rows, {buffer.Runs.Count:N0} windows): CPU per row",
            PerRow(write, rows));

        using var connection = database.Connect();
        SamplesAgainstCopy(directory, buffer, rows, rowGroupSize, connection);

        connection.Execute($"CREATE TABLE s AS SELECT * FROM read_parquet('{Path.Combine(directory, "samples-0.parquet")}')");
        connection.Execute($"CREATE TABLE series AS SELECT * FROM read_parquet('{Path.Combine(directory, "series-0.parquet")}')");
        connection.Execute("""
            CREATE TABLE s_labels AS SELECT s.*, series.labels,
                array_to_string(list_transform(map_entries(series.labels), e -> e.key || '=' || e.value), ',') AS labels_text,
                list_transform(map_entries(series.labels), e -> e.key || '=' || e.value) AS labels_list
            FROM s JOIN series USING (series_id)
            """);
        var options = ParquetFileWriter.CopyOptions(rowGroupSize);
        void Copy(string name, string select, string extra = "")
        {
            var times = new List<TimeSpan>();
            var target = Path.Combine(directory, "copy.parquet");
            for (var run = 0; run < 3; run++)
            {
                var cpu = Timing.ProcessCpu();
                connection.Execute($"COPY ({select}) TO '{target}' ({options}{extra})");
                times.Add(Timing.ProcessCpu() - cpu);
            }
            report.Add("Flush", $"COPY {name}: CPU per row", PerRow(Timing.Median(times), rows));
        }
        Copy("all columns of the samples file", "SELECT * FROM s");
        Copy("former layout: samples with the label map on every row", "SELECT * EXCLUDE (labels_text, labels_list) FROM s_labels");
        Copy("labels (MAP) alone, per row", "SELECT labels FROM s_labels");
        Copy("labels (MAP) alone, per row, PARQUET_VERSION V2", "SELECT labels FROM s_labels", ", PARQUET_VERSION V2");
        Copy("labels as LIST<VARCHAR> alone, per row", "SELECT labels_list FROM s_labels");
        Copy("labels as one VARCHAR alone, per row", "SELECT labels_text FROM s_labels");
        Copy("samples with the label map joined from the series table", "SELECT s.*, series.labels FROM s JOIN series USING (series_id)");
        Copy("stack_id, value, time (integers)", "SELECT stack_id, value, time FROM s");

        SymbolsAgainstCopy(directory, scale, rowGroupSize, connection);
    }

    /// <summary>
    /// The samples file alone: <see cref="SamplesFileWriter"/> against DuckDB's appender + COPY of the
    /// same rows (<see cref="DuckDbSamplesCopy"/>), runs interleaved so load hits both alike (both
    /// start with the C# sort order, measured alone first); then the file sizes, and our writer at
    /// the other low zstd level.
    /// </summary>
    private void SamplesAgainstCopy(string directory, PartitionBuffer buffer, long rows, int rowGroupSize, DuckDbConnection connection)
    {
        var ours = Path.Combine(directory, "samples-ours.parquet");
        var duck = Path.Combine(directory, "samples-duckdb.parquet");
        using var writer = new SamplesFileWriter(rowGroupSize);
        var (_, sort) = Timing.MedianWithCpu(Warmups, 5, () => PartitionBuffer.ReturnSortedOrder(buffer.SortedOrder()));
        report.Add("Flush", "PartitionBuffer.SortedOrder alone (part of both below): CPU per row", PerRow(sort, rows));
        var (oursCpu, duckCpu) = Timing.PairedCpu(Warmups, 5,
            () => writer.Write(buffer, ours),
            () => DuckDbSamplesCopy.Write(connection, buffer, rowGroupSize, duck));
        report.Add("Flush", "samples file: SamplesFileWriter (baseline DuckDB appender + COPY): CPU per row", PerRow(oursCpu, rows), PerRow(duckCpu, rows),
            oursCpu / duckCpu);
        var (oursBytes, duckBytes) = (new FileInfo(ours).Length, new FileInfo(duck).Length);
        report.Add("Flush", "samples file size per row (baseline DuckDB COPY)", $"{(double)oursBytes / rows:0.00} B ({Timing.Bytes(oursBytes)})",
            $"{(double)duckBytes / rows:0.00} B ({Timing.Bytes(duckBytes)})", (double)oursBytes / duckBytes);

        // The other low zstd level, against the default (3 by now: level 1 left the benchmark's rows at
        // the same size, but the dataset's samples files 5% larger than level 3, for no CPU we could measure).
        var level = ParquetTableWriter.DefaultCompressionLevel == 1 ? 3 : 1;
        var other = Path.Combine(directory, $"samples-level{level}.parquet");
        using var otherWriter = new SamplesFileWriter(rowGroupSize, compressionLevel: level);
        var (defaultCpu, otherCpu) = Timing.PairedCpu(Warmups, 5, () => writer.Write(buffer, ours), () => otherWriter.Write(buffer, other));
        var otherBytes = new FileInfo(other).Length;
        report.Add("Flush", $"samples file at zstd level {level} (baseline level {ParquetTableWriter.DefaultCompressionLevel}): CPU per row, size per row",
            $"{PerRow(otherCpu, rows)}, {(double)otherBytes / rows:0.00} B", $"{PerRow(defaultCpu, rows)}, {(double)oursBytes / rows:0.00} B", otherCpu / defaultCpu);
    }

    /// <summary>
    /// The stacks and functions files of the dataset's query hour, the hour in which every service
    /// sends profiles: its profiles generated and decoded as ingest decodes them, their distinct
    /// stacks and functions (what one flush of the whole hour writes) by <see cref="SymbolFilesWriter"/>
    /// against DuckDB's appender + COPY of the same rows (<see cref="DuckDbSymbolsCopy"/>, how a flush
    /// wrote them before, the baseline), runs interleaved; CPU per row and per frame, and the sizes.
    /// </summary>
    private void SymbolsAgainstCopy(string directory, int scale, int rowGroupSize, DuckDbConnection connection)
    {
        var hour = DatasetGenerator.QueryHour(DatasetGenerator.Day);
        var watch = Stopwatch.StartNew();
        using var buffer = new PartitionBuffer(new PartitionKey(IngestBenchmark.Tenant, hour));
        var profiles = 0;
        foreach (var profile in DatasetGenerator.Generate(scale, hour: hour).Profiles)
        {
            buffer.AddSymbols(PprofDecoder.Decode(profile.Gzip, profile.Options));
            profiles++;
        }
        Console.WriteLine($"  symbols of {profiles:N0} profiles of {hour:yyyy-MM-dd HH}:00 generated and decoded in {Timing.Ms(watch.Elapsed)}");
        var stacks = buffer.Stacks.Keys.ToList();
        var functions = buffer.Functions.Keys.ToList();
        var frames = buffer.Stacks.Values.Sum(f => (long)f.Length);

        using var writer = new SymbolFilesWriter(rowGroupSize);
        var (ours, duck) = (Path.Combine(directory, "stacks-ours.parquet"), Path.Combine(directory, "stacks-duckdb.parquet"));
        var (oursCpu, duckCpu) = Timing.PairedCpu(Warmups, 5,
            () => writer.WriteStacks(buffer.Stacks, stacks, ours),
            () => DuckDbSymbolsCopy.WriteStacks(connection, buffer.Stacks, stacks, rowGroupSize, duck));
        report.Add("Flush", $"stacks file ({stacks.Count:N0} stacks, {(double)frames / stacks.Count:N1} frames each): SymbolFilesWriter (baseline DuckDB appender + COPY): CPU per stack",
            PerRow(oursCpu, stacks.Count), PerRow(duckCpu, stacks.Count), oursCpu / duckCpu);
        report.Add("Flush", "stacks file: CPU per frame (baseline DuckDB appender + COPY)",
            $"{oursCpu.TotalNanoseconds / frames:N1} ns", $"{duckCpu.TotalNanoseconds / frames:N1} ns", oursCpu / duckCpu);
        Sizes("stacks", ours, duck, stacks.Count);

        (ours, duck) = (Path.Combine(directory, "functions-ours.parquet"), Path.Combine(directory, "functions-duckdb.parquet"));
        (oursCpu, duckCpu) = Timing.PairedCpu(Warmups, 5,
            () => writer.WriteFunctions(buffer.Functions, functions, ours),
            () => DuckDbSymbolsCopy.WriteFunctions(connection, buffer.Functions, functions, rowGroupSize, duck));
        report.Add("Flush", $"functions file ({functions.Count:N0} functions): SymbolFilesWriter (baseline DuckDB appender + COPY): CPU per function",
            PerRow(oursCpu, functions.Count), PerRow(duckCpu, functions.Count), oursCpu / duckCpu);
        Sizes("functions", ours, duck, functions.Count);

        void Sizes(string file, string oursPath, string duckPath, long rows)
        {
            var (oursBytes, duckBytes) = (new FileInfo(oursPath).Length, new FileInfo(duckPath).Length);
            report.Add("Flush", $"{file} file size per row (baseline DuckDB COPY)", $"{(double)oursBytes / rows:0.00} B ({Timing.Bytes(oursBytes)})",
                $"{(double)duckBytes / rows:0.00} B ({Timing.Bytes(duckBytes)})", (double)oursBytes / duckBytes);
        }
    }

    private static string PerRow(TimeSpan cpu, long rows) => $"{cpu.TotalMicroseconds / rows:0.000} µs ({Timing.Ms(cpu)})";

    /// <summary>About a million rows of one hour partition, in the shape of the benchmark's dataset.</summary>
    private static PartitionBuffer Buffer(out long rows)
    {
        var random = new Random(7);
        var hour = new DateTime(2026, 3, 2, 12, 0, 0, DateTimeKind.Utc);
        var buffer = new PartitionBuffer(new PartitionKey(IngestBenchmark.Tenant, hour));
        string[] types =
        [
            "process_cpu:cpu:nanoseconds:cpu:nanoseconds", "process_cpu:samples:count:cpu:nanoseconds",
            "memory:alloc_space:bytes:space:bytes", "memory:alloc_objects:count:space:bytes",
        ];
        var stacks = Enumerable.Range(0, 8).Select(_ => Enumerable.Range(0, 6000).Select(_ => (ulong)random.NextInt64()).ToArray()).ToArray();
        var batch = new ProfileBatch();
        rows = 0;
        for (var window = 0; rows < Rows; window++)
        {
            for (var series = 0; series < 16 && rows < Rows; series++)
            {
                var service = $"service-{series / 2}";
                var labels = LabelSet.From(new Dictionary<string, string>
                {
                    ["namespace"] = "shop",
                    ["pod"] = $"{service}-7f9c{series}-x{series}z",
                    ["version"] = "v1.4.2",
                });
                foreach (var type in types)
                {
                    var time = hour.AddSeconds(window * 10 % 3600);
                    var profile = new SeriesProfile((time - DateTime.UnixEpoch).Ticks * 100, 10_000_000_000, service, type, labels);
                    var seen = new HashSet<ulong>();
                    for (var i = 0; i < 150; i++)
                    {
                        // Skewed towards the first stacks, as the dataset's Zipf popularity is.
                        var id = stacks[series / 2][(int)(Math.Pow(random.NextDouble(), 3) * 6000)];
                        if (seen.Add(id))
                        {
                            profile.Samples.Add(new SampleRow(id, random.Next(1, 30) * 10_000_000L, 0));
                        }
                    }
                    buffer.Add(profile, batch, 0);
                    rows += profile.Samples.Count;
                }
            }
        }
        return buffer;
    }
}
