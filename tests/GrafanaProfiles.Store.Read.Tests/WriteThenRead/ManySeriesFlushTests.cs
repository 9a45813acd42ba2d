using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Read.Tests.Support;
using GrafanaProfiles.TestSupport;
using static GrafanaProfiles.TestSupport.Batches;

namespace GrafanaProfiles.Store.Read.Tests.WriteThenRead;

/// <summary>
/// A fleet's first flush of an hour: thousands of new series in one series file, their label
/// values untrusted (quotes, SQL, NUL characters, non-ASCII), each read back exactly.
/// </summary>
public sealed class ManySeriesFlushTests
{
    [Fact]
    public async Task OneFlush_ThreeThousandNewSeries_EveryLabelValueReadsBackExactly()
    {
        await using var store = await StoreFixture.StartAsync();
        const int pods = 3000;
        var batch = new ProfileBatch();
        var expected = new List<string>();
        for (var i = 0; i < pods; i++)
        {
            var pod = i switch
            {
                0 => "it's; DROP TABLE samples; --",
                1 => "nul\0inside",
                2 => "ünïcode-☃",
                _ => $"pod-{i:D4}",
            };
            expected.Add(pod);
            Add(batch, BaseTime.AddMinutes(i % 60), "fleet", L("pod", pod, "zone", "z" + (i % 7)), Cpu, ("main;work", i + 1));
        }
        await store.Writer.AppendAsync("default", batch);
        await store.Writer.FlushAsync();

        var seriesFiles = Directory.GetFiles(store.DataDirectory, "series-*.parquet", SearchOption.AllDirectories);
        Assert.Single(seriesFiles);
        var values = store.Reader.LabelValues("default", "pod", BaseTime, BaseTime.AddHours(1));
        Assert.Equal(expected.Order(StringComparer.Ordinal), values.Order(StringComparer.Ordinal));
        Assert.Equal((long)pods * (pods + 1) / 2, store.Reader.Top(StoreFixture.Select("{service_name=\"fleet\"}")).Total);
        Assert.Equal(3, store.Reader.Top(StoreFixture.Select("{pod=\"ünïcode-☃\"}")).Total);
        Assert.Equal(1, store.Reader.Top(StoreFixture.Select("{pod=\"it's; DROP TABLE samples; --\"}")).Total);
    }
}
