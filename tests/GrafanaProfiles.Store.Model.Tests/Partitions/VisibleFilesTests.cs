using GrafanaProfiles.Store.Partitions;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Store.Model.Tests.Partitions;

/// <summary>What a reader sees of one hour directory while compactions are in flight.</summary>
public sealed class VisibleFilesTests
{
    private static void Touch(string dir, params string[] names)
    {
        foreach (var name in names)
        {
            File.WriteAllBytes(Path.Combine(dir, name), []);
        }
    }

    [Theory]
    // The manifests' names decide the order the directory lists them in; both orders must give
    // the same answer.
    [InlineData("compaction-1.json", "compaction-2.json")]
    [InlineData("compaction-2.json", "compaction-1.json")]
    [InlineData("compaction-b.json", "compaction-a.json")]
    public void TwoCommittedCompactions_TheSecondOfTheFirstsOutputs_ShowOnlyTheLastOutputs(string first, string second)
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Path);
        // Within the first compaction's grace period its inputs are still on disk; a second one
        // compacted its outputs with a newer small file.
        Touch(dir.Path, "samples-w-000000000001.parquet", "samples-w-000000000002.parquet", "samples-compact-a.parquet",
            "samples-w-000000000003.parquet", "samples-compact-b.parquet", "series-w-000000000001.parquet");
        new CompactionManifest(["samples-w-000000000001.parquet", "samples-w-000000000002.parquet"], ["samples-compact-a.parquet"])
            .WriteAtomically(Path.Combine(dir.Path, first));
        new CompactionManifest(["samples-compact-a.parquet", "samples-w-000000000003.parquet"], ["samples-compact-b.parquet"])
            .WriteAtomically(Path.Combine(dir.Path, second));

        Assert.Equal([Path.Combine(dir.Path, "samples-compact-b.parquet")], PartitionLayout.VisibleFiles(dir.Path, "samples"));
        Assert.Equal([Path.Combine(dir.Path, "series-w-000000000001.parquet")], PartitionLayout.VisibleFiles(dir.Path, "series"));
        var all = PartitionLayout.VisibleFiles(dir.Path);
        Assert.Equal(["samples", "series"], all.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void UncommittedCompaction_HidesItsPartialOutputs_AndKeepsItsInputs()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Path);
        Touch(dir.Path, "samples-w-000000000001.parquet", "stacks-w-000000000001.parquet", "stacks-compact-c.parquet", ".tmp-samples-compact-c.parquet");
        new CompactionManifest(["samples-w-000000000001.parquet", "stacks-w-000000000001.parquet"], ["samples-compact-c.parquet", "stacks-compact-c.parquet"])
            .WriteAtomically(Path.Combine(dir.Path, "compaction-c.json"));

        Assert.Equal([Path.Combine(dir.Path, "samples-w-000000000001.parquet")], PartitionLayout.VisibleFiles(dir.Path, "samples"));
        Assert.Equal([Path.Combine(dir.Path, "stacks-w-000000000001.parquet")], PartitionLayout.VisibleFiles(dir.Path, "stacks"));
    }
}
