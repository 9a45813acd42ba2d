namespace GrafanaProfiles.Collector.Tests.Scrape.Support;

/// <summary>Waits for a condition that background loops make true. The limit only bounds a hung test; nothing asserts on time.</summary>
internal static class Eventually
{
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? limit = null, Func<string>? state = null)
    {
        using var timeout = new CancellationTokenSource(limit ?? TimeSpan.FromSeconds(60));
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"Gave up waiting for {what}." + (state is null ? "" : " State: " + state()));
            }
            await Task.Delay(20, CancellationToken.None);
        }
    }
}
