using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Store.Partitions;
using static GrafanaProfiles.TestSupport.Batches;

namespace GrafanaProfiles.Backend.Tests.Queries;

public sealed class QueryFailureTests
{
    [Fact]
    public async Task Run_StoreFileNotParquet_Plugin500AndOnlyThisQueryFails()
    {
        using var store = await QueryStore.CreateAsync(Folded(QueryStore.T0, "api", null, Cpu, ("main;a", 10)));
        var layout = new PartitionLayout(store.Instance.DataDirectory);
        var hour = layout.HourDirectory("default", QueryStore.T0);
        await File.WriteAllTextAsync(Path.Combine(hour, PartitionLayout.FileName("samples", "garbage", 1)), "not parquet");

        var result = store.Run("""{"labelSelector":"{service_name=\"api\"}"}""", "profile");

        Assert.Equal(500, result.Status);
        Assert.Equal(ErrorSource.Plugin, result.Source);
        Assert.StartsWith("The profile query failed inside the plugin", result.Error);
        Assert.Empty(result.Frames);
        // The reader still answers a range without the broken file.
        var other = store.Run("{}", "profile", QueryStore.T0.AddDays(1), QueryStore.T0.AddDays(1).AddHours(1));
        Assert.Equal(200, other.Status);
    }
}
