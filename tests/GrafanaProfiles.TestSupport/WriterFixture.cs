using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.TestSupport;

/// <summary>A store writer over one temporary data directory; dispose closes the writer and deletes the directory.</summary>
public sealed class WriterFixture : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();

    public string DataDirectory => _dir.Path;

    public ProfileWriter Writer { get; private set; } = null!;

    public StoreOptions Options { get; private set; } = null!;

    /// <summary>Opens a writer with id "test" that flushes only when asked (or after an hour), options changed by <paramref name="configure"/>.</summary>
    public static async Task<WriterFixture> StartAsync(Func<StoreOptions, StoreOptions>? configure = null)
    {
        var fixture = new WriterFixture();
        var options = new StoreOptions { DataDirectory = fixture._dir.Path, WriterId = "test", FlushInterval = TimeSpan.FromHours(1) };
        fixture.Options = configure?.Invoke(options) ?? options;
        fixture.Writer = await ProfileWriter.OpenAsync(fixture.Options);
        return fixture;
    }

    /// <summary>Closes the writer and opens a new one with the same options (start-up replays the log).</summary>
    public async Task ReopenWriterAsync()
    {
        await Writer.DisposeAsync();
        Writer = await ProfileWriter.OpenAsync(Options);
    }

    public async ValueTask DisposeAsync()
    {
        if (Writer is not null)
        {
            await Writer.DisposeAsync();
        }
        _dir.Dispose();
    }
}
