using System.Globalization;
using System.Net;
using System.Text;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Collector.Tests;

/// <summary>
/// The real collector with its data directory on a small tmpfs: a full disk and a read-only one get
/// 503 with Retry-After instead of an acknowledgement, what was acknowledged is kept, and ingest
/// resumes by itself when the disk recovers.
/// </summary>
public sealed class DiskFaultTests
{
    private const string Cpu = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";

    /// <summary>At 100 Hz one folded sample is 10 ms of CPU.</summary>
    private const long NanosPerSample = 10_000_000;

    private static Dictionary<string, string> Settings => new()
    {
        ["GP_FLUSH_INTERVAL"] = "00:00:00.200",
        ["GP_STORE_OPEN_RETRY_INTERVAL"] = "00:00:00.200",
    };

    /// <summary>Folded lines with unique frames (a few KB per request), each line <paramref name="count"/> samples.</summary>
    private static async Task<HttpResponseMessage> PostAsync(CollectorServer server, int n, int count)
    {
        var body = new StringBuilder();
        for (var i = 0; i < 30; i++)
        {
            body.Append(CultureInfo.InvariantCulture, $"main;serve_{n};handle_{i};leaf_{n}_{i}_{new string('y', 60)} {count}\n");
        }
        using var content = new StringContent(body.ToString());
        return await server.Client.PostAsync("/ingest?name=disk.cpu&sampleRate=100&from=now-10s&until=now", content);
    }

    [Fact]
    public async Task FullDisk_Answers503WithRetryAfter_KeepsWhatItAcknowledged_AndResumesWhenSpaceReturns()
    {
        using var fs = new SizedFilesystem(1024 * 1024);
        long acknowledged = 0;
        await using (var server = await CollectorServer.StartAsync(fs.Path, Settings))
        {
            var refusals = 0;
            for (var n = 0; refusals < 5 && n < 5000; n++)
            {
                using var response = await PostAsync(server, n, n % 7 + 1);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    acknowledged += 30L * (n % 7 + 1);
                    continue;
                }
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After {response.Headers.RetryAfter}");
                var text = await response.Content.ReadAsStringAsync();
                Assert.Contains("no space left on device", text, StringComparison.Ordinal);
                Assert.DoesNotContain(fs.Path, text, StringComparison.Ordinal);
                refusals++;
            }
            Assert.Equal(5, refusals);
            Assert.True(acknowledged > 0);
            Assert.Equal(0, await server.MetricAsync("gp_storage_available"));
            Assert.Equal(5, await server.MetricAsync("gp_ingest_rejected_total{tenant=\"default\",reason=\"storage_unavailable\"}"));

            // Room again: the collector resumes with no restart, and everything acknowledged reaches Parquet once.
            fs.Resize(64L * 1024 * 1024);
            using (var response = await PostAsync(server, 100_000, 3))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                acknowledged += 30 * 3;
            }
            Assert.Equal(acknowledged * NanosPerSample, await IngestApiTests.WaitForTotalAsync(fs.Path, Cpu, "{service_name=\"disk\"}", atLeast: acknowledged * NanosPerSample));
            Assert.True(await WaitForMetricAsync(server, "gp_storage_available", 1), server.Output);
            Assert.Equal(0, await server.StopAsync());
        }

        // A restart replays nothing that was refused.
        await using (var restarted = await CollectorServer.StartAsync(fs.Path, Settings))
        {
            Assert.Equal(0, await restarted.StopAsync());
        }
        Assert.Equal(acknowledged * NanosPerSample, await IngestApiTests.WaitForTotalAsync(fs.Path, Cpu, "{service_name=\"disk\"}"));
    }

    [Fact]
    public async Task ReadOnlyDataDirectory_Answers503_ThenBecomesReadyByItselfWhenWritable()
    {
        using var fs = new SizedFilesystem(16L * 1024 * 1024);
        fs.SetReadOnly(true);
        await using var server = await CollectorServer.StartAsync(fs.Path, Settings, waitForReady: false);
        using (var ready = await server.Client.GetAsync("/ready"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }
        using (var refused = await PostAsync(server, 1, 1))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            Assert.Contains("could not be opened", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        // Nothing is written to a read-only disk, and the collector keeps trying.
        Assert.Empty(Directory.GetFileSystemEntries(fs.Path));

        fs.SetReadOnly(false);
        Assert.True(await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(30)), server.Output);
        using (var accepted = await PostAsync(server, 2, 4))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }
        Assert.Equal(30 * 4 * NanosPerSample, await IngestApiTests.WaitForTotalAsync(fs.Path, Cpu, "{service_name=\"disk\"}"));
        Assert.Contains("could not be opened; trying again every", server.Output, StringComparison.Ordinal);
    }

    private static async Task<bool> WaitForMetricAsync(CollectorServer server, string sample, double value)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await server.MetricAsync(sample) == value)
            {
                return true;
            }
            await Task.Delay(100);
        }
        return false;
    }
}
