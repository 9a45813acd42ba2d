using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Read.Tests.Support;
using static GrafanaProfiles.TestSupport.Batches;

namespace GrafanaProfiles.Store.Read.Tests.Query;

/// <summary>The reader's DuckDB runs under its memory limit and spills what does not fit into a directory inside the data directory.</summary>
public sealed class ReaderMemoryTests
{
    /// <summary>A GROUP BY of 4 million groups: far more state than 64 MB hold.</summary>
    private const string LargeAggregate = "SELECT count(*), sum(c) FROM (SELECT range % 4000000 AS k, count(*) AS c FROM range(8000000) GROUP BY k)";

    private static string Setting(ProfileReader reader, string name) =>
        reader.WithConnection(c =>
        {
            using var result = c.Query($"SELECT current_setting('{name}')::VARCHAR");
            using var chunk = result.FetchChunk()!;
            return chunk.Column(0).GetString(0)!;
        }, CancellationToken.None);

    private static string Run(ProfileReader reader, string sql) =>
        reader.WithConnection(c =>
        {
            using var result = c.Query($"SELECT CAST(COLUMNS(*) AS VARCHAR) FROM ({sql})");
            using var chunk = result.FetchChunk()!;
            return chunk.Column(0).GetString(0)!;
        }, CancellationToken.None);

    [Fact]
    public void Reader_SpillsIntoItsOwnDirectoryInsideTheDataDirectory_RemovedWhenDisposed()
    {
        using var data = new TempDirectory();
        string spill;
        using (var reader = new ProfileReader(data.Path, new ReaderOptions { MemoryLimit = "64MB", SpillLimit = "2GB" }))
        {
            spill = reader.Spill;
            Assert.StartsWith(Path.Combine(data.Path, ProfileReader.SpillRoot) + Path.DirectorySeparatorChar, spill, StringComparison.Ordinal);
            Assert.True(Directory.Exists(spill));
            Assert.Equal(spill, Setting(reader, "temp_directory"));
            Assert.Equal("61.0 MiB", Setting(reader, "memory_limit"));
            // More than the memory limit: it answers, by spilling.
            Assert.Equal("4000000", Run(reader, LargeAggregate));
        }
        Assert.False(Directory.Exists(spill));
    }

    [Fact]
    public void Reader_WithoutASpillDirectory_FailsAQueryPastTheMemoryLimitWithAMessageNamingIt()
    {
        using var data = new TempDirectory();
        // A regular file where the spill directory's parent should be: it cannot be created (as in a read-only data directory).
        var blocked = Path.Combine(data.Path, "file");
        File.WriteAllText(blocked, "");
        using var reader = new ProfileReader(data.Path, new ReaderOptions { MemoryLimit = "64MB", SpillDirectory = Path.Combine(blocked, "spill") });
        Assert.Equal("", reader.Spill);
        Assert.Equal("", Setting(reader, "temp_directory"));
        var e = Assert.Throws<QueryException>(() => Run(reader, LargeAggregate));
        Assert.Contains("memory_limit=64MB", e.Message, StringComparison.Ordinal);
        Assert.Contains("spilling to disk is off", e.Message, StringComparison.Ordinal);
        // The reader stays usable.
        Assert.Equal("1", Run(reader, "SELECT 1::BIGINT"));
    }

    [Fact]
    public void NewReader_RemovesSpillDirectoriesOfEndedProcesses_AndKeepsOthers()
    {
        using var data = new TempDirectory();
        var root = Path.Combine(data.Path, ProfileReader.SpillRoot);
        // Process ids stay below 2^22 on Linux; this one cannot be running.
        var ended = Directory.CreateDirectory(Path.Combine(root, $"{ProfileReader.SpillOwner}-99999999-0000aaaa")).FullName;
        var otherMachine = Directory.CreateDirectory(Path.Combine(root, "elsewhere-99999999-0000bbbb")).FullName;
        using (new ProfileReader(data.Path))
        {
            Assert.False(Directory.Exists(ended));
            Assert.True(Directory.Exists(otherMachine));
        }
    }

    [Fact]
    public void ReaderOfAMissingDataDirectory_DoesNotCreateIt()
    {
        using var data = new TempDirectory();
        var missing = Path.Combine(data.Path, "not-yet");
        using var reader = new ProfileReader(missing);
        Assert.Equal("", reader.Spill);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public async Task SmallMemoryLimit_GivesTheSameAnswers()
    {
        await using var store = await StoreFixture.StartAsync();
        for (var i = 0; i < 200; i++)
        {
            await store.Writer.AppendAsync("default", Folded(BaseTime.AddSeconds(i * 15), "api", L("pod", $"p{i % 5}"), Cpu,
                [.. Enumerable.Range(0, 50).Select(s => ($"main;f{s % 13};g{(s * i) % 97};h{s}", (long)(s + i + 1)))]));
        }
        await store.Writer.FlushAsync();
        using var small = new ProfileReader(store.DataDirectory, new ReaderOptions { MemoryLimit = "32MB", Threads = 1 });
        var selection = StoreFixture.Select();
        var (graph, top) = store.Reader.FlameGraphAndTop(selection);
        var (smallGraph, smallTop) = small.FlameGraphAndTop(selection);
        Assert.Equal(graph.Values, smallGraph.Values);
        Assert.Equal(top.Entries, smallTop.Entries);
        Assert.Equal(store.Reader.Series(selection, TimeSpan.FromMinutes(1), ["pod"]).SelectMany(s => s.Values),
            small.Series(selection, TimeSpan.FromMinutes(1), ["pod"]).SelectMany(s => s.Values));
    }
}
