namespace GrafanaProfiles.Collector.Tests;

public sealed class ServiceTests
{
    [Fact]
    public async Task Serve_AnswersHealthReadyAndMetrics_ThenStopsCleanlyOnSigterm()
    {
        using var dir = new TempDirectory();
        await using var server = await CollectorServer.StartAsync(dir.Path);
        Assert.Equal("ok\n", await server.Client.GetStringAsync("/healthz"));
        Assert.Equal("ready\n", await server.Client.GetStringAsync("/ready"));
        var metrics = await server.MetricsAsync();
        Assert.Contains("# TYPE gp_ingest_rejected_total counter", metrics, StringComparison.Ordinal);
        Assert.Contains("gp_buffered_samples 0", metrics, StringComparison.Ordinal);
        Assert.Contains("gp_buffer_fill_ratio 0", metrics, StringComparison.Ordinal);
        // The memory bound is explicit: 1 GiB unless set.
        Assert.Equal(1024.0 * 1024 * 1024, await server.MetricAsync("gp_memory_limit_bytes"));
        Assert.InRange(await server.MetricAsync("gp_resident_memory_bytes"), 1, 1024.0 * 1024 * 1024);
        Assert.Equal(0, await server.StopAsync());
        Assert.Contains("Shutting down: flushing", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_InvalidSetting_ExitsWithAMessageNamingIt()
    {
        using var dir = new TempDirectory();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            CollectorServer.StartAsync(dir.Path, new Dictionary<string, string> { ["GP_LIMITS__MAX_SAMPLES_PER_PROFILE"] = "-5" }));
        Assert.Contains("limits.max_samples_per_profile must be positive, got -5", error.Message, StringComparison.Ordinal);
        var wal = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            CollectorServer.StartAsync(dir.Path, new Dictionary<string, string> { ["GP_WAL_SYNC"] = "sometimes" }));
        Assert.Contains("wal_sync must be 'fsync' or 'none'", wal.Message, StringComparison.Ordinal);
        var linger = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            CollectorServer.StartAsync(dir.Path, new Dictionary<string, string> { ["GP_WAL_SYNC_DELAY"] = "00:00:05" }));
        Assert.Contains("wal_sync_delay must be between 0 and 1 s", linger.Message, StringComparison.Ordinal);
        var interval = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            CollectorServer.StartAsync(dir.Path, new Dictionary<string, string> { ["GP_WAL_SYNC_INTERVAL"] = "00:00:02" }));
        Assert.Contains("wal_sync_interval must be between 0 and 1 s", interval.Message, StringComparison.Ordinal);
        var memory = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            CollectorServer.StartAsync(dir.Path, new Dictionary<string, string> { ["GP_MEMORY_LIMIT"] = "1000" }));
        Assert.Contains("memory_limit must be 0 (no limit) or at least 64 MiB", memory.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_ConfigFile_IsReadAndEnvironmentOverridesIt()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Path);
        var config = Path.Combine(dir.Path, "collector.json");
        await File.WriteAllTextAsync(config, """{ "auth": { "enabled": true, "tenants": {} } }""");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => CollectorServer.StartAsync(Path.Combine(dir.Path, "data"), configFile: config));
        Assert.Contains("auth.enabled is true but auth.tenants names no tenant", error.Message, StringComparison.Ordinal);
        await using var server = await CollectorServer.StartAsync(Path.Combine(dir.Path, "data"),
            new Dictionary<string, string> { ["GP_AUTH__ENABLED"] = "false" }, config);
        Assert.Equal("ready\n", await server.Client.GetStringAsync("/ready"));
    }
}
