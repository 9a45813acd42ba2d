using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Store.Read.Tests.Support;

/// <summary>A writer and a reader over one temporary data directory.</summary>
public sealed class StoreFixture : IAsyncDisposable
{
    private readonly WriterFixture _writer;

    private StoreFixture(WriterFixture writer)
    {
        _writer = writer;
        Reader = new ProfileReader(writer.DataDirectory);
    }

    public string DataDirectory => _writer.DataDirectory;

    public ProfileWriter Writer => _writer.Writer;

    public ProfileReader Reader { get; }

    public StoreOptions Options => _writer.Options;

    public static async Task<StoreFixture> StartAsync(Func<StoreOptions, StoreOptions>? configure = null) =>
        new(await WriterFixture.StartAsync(configure));

    public Task ReopenWriterAsync() => _writer.ReopenWriterAsync();

    public static ProfileSelection Select(string selector = "{}", string profileType = Batches.Cpu, DateTime? from = null, DateTime? to = null, string tenant = "default") =>
        new(tenant, from ?? Batches.BaseTime.AddHours(-1), to ?? Batches.BaseTime.AddHours(3), profileType, LabelSelector.Parse(selector));

    public async ValueTask DisposeAsync()
    {
        // The writer first: closing it may still write files.
        await _writer.DisposeAsync();
        Reader.Dispose();
    }
}
