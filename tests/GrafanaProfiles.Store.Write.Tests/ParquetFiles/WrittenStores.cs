using GrafanaProfiles.Store.Maintenance;
using GrafanaProfiles.Store.Partitions;
using static GrafanaProfiles.TestSupport.Batches;

namespace GrafanaProfiles.Store.Write.Tests.ParquetFiles;

/// <summary>
/// The hour of <see cref="ProfileData"/> written through the real store writer, one flush per batch,
/// with small row groups so that every file has several; <see cref="Files"/> lists each table's files.
/// </summary>
public abstract class WrittenStore : IAsyncLifetime
{
    /// <summary>Rows per row group of flushed files (the store's default is 122,880).</summary>
    protected const int FlushedRowGroupSize = 8;

    /// <summary>Rows per row group of compacted files (the store's default is 1,048,576).</summary>
    protected const int CompactedRowGroupSize = 300;

    private WriterFixture? _store;

    internal ProfileData.Data Data { get; } = ProfileData.Build();

    /// <summary>Whether the samples, stacks and functions files come from our Parquet writer (flushes) or DuckDB's COPY (compaction).</summary>
    public abstract bool OurWriter { get; }

    internal Dictionary<string, IReadOnlyList<ParquetFile>> Files { get; } = [];

    public async Task InitializeAsync()
    {
        _store = await WriterFixture.StartAsync(o => o with
        {
            RowGroupSize = FlushedRowGroupSize,
            CompactedRowGroupSize = CompactedRowGroupSize,
            CompactionDelay = TimeSpan.Zero,
            CompactionGracePeriod = TimeSpan.Zero,
        });
        foreach (var batch in Data.Batches)
        {
            await _store.Writer.AppendAsync("default", batch);
            await _store.Writer.FlushAsync();
        }

        await AfterFlushesAsync(_store);
        var hour = Path.Combine(_store.DataDirectory, "tenant=default", "hour=" + PartitionLayout.HourValue(BaseTime));
        foreach (var table in PartitionLayout.Tables)
        {
            Files[table] = [.. PartitionLayout.VisibleFiles(hour, table).Select(ParquetFile.Read)];
        }
    }

    private protected virtual Task AfterFlushesAsync(WriterFixture store) => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }
}

/// <summary>The files of three flushes: samples, stacks and functions by our writer, series by DuckDB.</summary>
public sealed class FlushedStore : WrittenStore
{
    public override bool OurWriter => true;
}

/// <summary>The same hour after compaction: one file per table, all by DuckDB's COPY.</summary>
public sealed class CompactedStore : WrittenStore
{
    public override bool OurWriter => false;

    private protected override Task AfterFlushesAsync(WriterFixture store)
    {
        using var compactor = new Compactor(store.Options);
        var result = compactor.RunOnce(BaseTime.AddHours(2));
        Assert.Equal(1, result.PartitionsCompacted);
        return Task.CompletedTask;
    }
}
