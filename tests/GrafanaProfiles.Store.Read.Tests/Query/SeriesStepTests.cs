using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;
using GrafanaProfiles.Store.Read.Tests.Support;
using static GrafanaProfiles.TestSupport.Batches;

namespace GrafanaProfiles.Store.Read.Tests.Query;

/// <summary>Series steps start where DuckDB's time_bucket(step, time, epoch) puts them, also before 1970 (the reader floors in integer arithmetic).</summary>
public sealed class SeriesStepTests
{
    [Theory]
    [InlineData("1969-12-31T23:58:30Z", 60)]
    [InlineData("1969-12-31T23:59:59Z", 60)]
    [InlineData("1969-12-31T22:17:03Z", 420)]
    [InlineData("1970-01-01T00:00:00Z", 60)]
    [InlineData("2026-11-22T10:07:59Z", 420)]
    public async Task Step_StartsWhereTimeBucketPutsIt(string time, int stepSeconds)
    {
        var at = DateTime.Parse(time, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);
        await using var store = await StoreFixture.StartAsync();
        await store.Writer.AppendAsync("default", Folded(at, "api", null, Cpu, ("main;a", 5)));
        await store.Writer.FlushAsync();
        var selection = new ProfileSelection("default", at.AddHours(-2), at.AddHours(2), Cpu, LabelSelector.Parse("{}"));
        var series = Assert.Single(store.Reader.Series(selection, TimeSpan.FromSeconds(stepSeconds), []));
        var expected = store.Reader.WithConnection(c =>
        {
            using var result = c.Query($"SELECT epoch_us(time_bucket(INTERVAL {stepSeconds} SECOND, TIMESTAMP '{at:yyyy-MM-dd HH:mm:ss}', TIMESTAMP '1970-01-01'))");
            using var chunk = result.FetchChunk()!;
            return chunk.Column(0).Values<long>()[0];
        }, CancellationToken.None);
        Assert.Equal(DateTime.UnixEpoch.AddTicks(expected * 10), Assert.Single(series.Times));
        Assert.Equal(5, Assert.Single(series.Values));
    }
}
