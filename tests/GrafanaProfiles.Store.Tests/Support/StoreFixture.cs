using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Store.Tests.Support;

/// <summary>A writer and a reader over one temporary data directory.</summary>
public sealed class StoreFixture : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();

    public string DataDirectory => _dir.Path;

    public ProfileWriter Writer { get; private set; } = null!;

    public ProfileReader Reader { get; private set; } = null!;

    public StoreOptions Options { get; private set; } = null!;

    public static async Task<StoreFixture> StartAsync(Func<StoreOptions, StoreOptions>? configure = null)
    {
        var fixture = new StoreFixture();
        var options = new StoreOptions { DataDirectory = fixture._dir.Path, WriterId = "test", FlushInterval = TimeSpan.FromHours(1) };
        fixture.Options = configure?.Invoke(options) ?? options;
        fixture.Writer = await ProfileWriter.OpenAsync(fixture.Options);
        fixture.Reader = new ProfileReader(fixture._dir.Path);
        return fixture;
    }

    public async Task ReopenWriterAsync()
    {
        await Writer.DisposeAsync();
        Writer = await ProfileWriter.OpenAsync(Options);
    }

    public static ProfileSelection Select(string selector = "{}", string profileType = Batches.Cpu, DateTime? from = null, DateTime? to = null, string tenant = "default") =>
        new(tenant, from ?? Batches.BaseTime.AddHours(-1), to ?? Batches.BaseTime.AddHours(3), profileType, LabelSelector.Parse(selector));

    public async ValueTask DisposeAsync()
    {
        if (Writer is not null)
        {
            await Writer.DisposeAsync();
        }
        Reader?.Dispose();
        _dir.Dispose();
    }
}
