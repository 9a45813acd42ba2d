using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.TestSupport;

/// <summary>
/// A data directory written through the real store writer (write-ahead log, flush to Parquet), for
/// tests of the read side and of the plugin. Dispose deletes it.
/// </summary>
public sealed class TestStore : IDisposable
{
    private readonly TempDirectory _dir = new();

    public string DataDirectory => _dir.Path;

    /// <summary>Writes the batches under <paramref name="tenant"/> and flushes them to Parquet.</summary>
    public async Task WriteAsync(string tenant, params ProfileBatch[] batches)
    {
        var options = new StoreOptions
        {
            DataDirectory = _dir.Path,
            WriterId = "test" + Guid.NewGuid().ToString("N")[..6],
            FlushInterval = TimeSpan.FromHours(1),
        };
        await using var writer = await ProfileWriter.OpenAsync(options);
        foreach (var batch in batches)
        {
            await writer.AppendAsync(tenant, batch);
        }
        await writer.FlushAsync();
    }

    /// <summary>Decodes a real pprof file (gzipped or raw) as one profile of <paramref name="service"/> at <paramref name="time"/>.</summary>
    public static ProfileBatch Pprof(string path, string service, DateTime time, IReadOnlyDictionary<string, string>? labels = null)
    {
        var bytes = File.ReadAllBytes(path);
        var options = new PprofDecodeOptions
        {
            ServiceName = service,
            Labels = labels is null ? LabelSet.Empty : LabelSet.From(labels),
            FromUnixNanos = Batches.Nanos(time),
            UntilUnixNanos = Batches.Nanos(time.AddSeconds(10)),
        };
        return PprofDecoder.Decode(bytes, options);
    }

    public void Dispose() => _dir.Dispose();
}
