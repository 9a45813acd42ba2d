using GrafanaProfiles.Store.Write;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Store.Write.Tests;

public sealed class LeftoverTemporariesTests
{
    [Fact]
    public async Task Open_RemovesTheLogFoldersTemporariesAKillLeft_AndKeepsItsFiles()
    {
        using var dir = new TempDirectory();
        var options = new StoreOptions { DataDirectory = dir.Path, WriterId = "w", FlushInterval = TimeSpan.FromHours(1) };
        await using (await ProfileWriter.OpenAsync(options))
        {
        }
        // What a SIGKILL between AtomicFile's write and its rename leaves behind.
        var checkpointTemp = Path.Combine(options.WalDirectory, ".tmp-checkpoint.json-0123abcd");
        var manifestTemp = Path.Combine(options.WalDirectory, ".tmp-flush-manifest.json-4567ef01");
        await File.WriteAllTextAsync(checkpointTemp, "{\"seq");
        await File.WriteAllTextAsync(manifestTemp, "{");
        var kept = Directory.GetFiles(options.WalDirectory).Where(f => !Path.GetFileName(f).StartsWith(".tmp-", StringComparison.Ordinal)).Order().ToArray();

        await using (await ProfileWriter.OpenAsync(options))
        {
            Assert.False(File.Exists(checkpointTemp));
            Assert.False(File.Exists(manifestTemp));
            Assert.Equal(kept, Directory.GetFiles(options.WalDirectory).Order().ToArray());
        }
    }
}
