using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using GrafanaProfiles.Backend.Settings;
using GrafanaProfiles.Schema.PluginV2;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Backend.Diagnostics;

/// <summary>
/// <c>pluginv2.Diagnostics</c>: the "Save &amp; test" health check (never throws; a status and a message
/// that says what to fix) and the plugin's metrics.
/// </summary>
public sealed class DiagnosticsService(InstanceManager instances, PluginMetrics metrics, ILogger logger)
    : GrafanaProfiles.Schema.PluginV2.Diagnostics.DiagnosticsBase
{
    /// <summary>How far back the health check looks for profile types.</summary>
    public static readonly TimeSpan HealthWindow = TimeSpan.FromDays(1);

    public override Task<CheckHealthResponse> CheckHealth(CheckHealthRequest request, ServerCallContext context)
    {
        try
        {
            using var lease = instances.Acquire(request.PluginContext);
            return Task.FromResult(Check(lease.Instance, context.CancellationToken));
        }
        catch (SettingsException e)
        {
            return Task.FromResult(Error($"Setting '{e.Setting}': {e.Message}"));
        }
        catch (Exception e) when (e is not OutOfMemoryException and not OperationCanceledException)
        {
            logger.LogError(e, "Health check failed");
            return Task.FromResult(Error($"The health check failed: {e.Message}"));
        }
    }

    public override Task<CollectMetricsResponse> CollectMetrics(CollectMetricsRequest request, ServerCallContext context)
    {
        _ = request;
        _ = context;
        return Task.FromResult(new CollectMetricsResponse
        {
            Metrics = new CollectMetricsResponse.Types.Payload { Prometheus = ByteString.CopyFromUtf8(metrics.Render(instances.Count)) },
        });
    }

    private static CheckHealthResponse Check(DataSourceInstance instance, CancellationToken cancellationToken)
    {
        var settings = instance.Settings;
        if (!Directory.Exists(instance.DataDirectory))
        {
            return Error($"Data directory '{settings.DataDirectory}' does not exist on Grafana's machine. Set 'Data directory' to the collector's data_dir (mounted into Grafana's container with docker compose).");
        }
        try
        {
            _ = Directory.EnumerateFileSystemEntries(instance.DataDirectory).Any();
        }
        catch (UnauthorizedAccessException)
        {
            return Error($"Grafana's user may not read data directory '{settings.DataDirectory}'. Give it read access.");
        }
        var layout = instance.Reader.Layout;
        var tenants = layout.Tenants().Order(StringComparer.Ordinal).ToList();
        var hours = layout.Hours(settings.Tenant);
        if (hours.Count == 0)
        {
            if (tenants.Count > 0)
            {
                return Error($"No profiles for tenant '{settings.Tenant}' in '{settings.DataDirectory}'; it holds tenant(s) {string.Join(", ", tenants)}. Set 'Tenant' to one of them.");
            }
            return Ok($"Connected to '{settings.DataDirectory}', but no profiles have been stored yet. Send profiles to the collector; they appear within seconds.",
                new { dataDirectory = instance.DataDirectory, tenant = settings.Tenant, hours = 0 });
        }
        var newest = hours.Max();
        var to = newest.AddHours(1);
        var types = instance.Reader.ProfileTypes(settings.Tenant, to - HealthWindow, to, cancellationToken);
        string newestText = newest.ToString("yyyy-MM-dd HH:00", CultureInfo.InvariantCulture);
        return Ok($"Data source is working: tenant '{settings.Tenant}' has {hours.Count} hour(s) of profiles, newest {newestText} UTC, {types.Count} profile type(s).",
            new { dataDirectory = instance.DataDirectory, tenant = settings.Tenant, hours = hours.Count, newestHour = newest, profileTypes = types });
    }

    private static CheckHealthResponse Ok(string message, object details) => new()
    {
        Status = CheckHealthResponse.Types.HealthStatus.Ok,
        Message = message,
        JsonDetails = ByteString.CopyFromUtf8(JsonSerializer.Serialize(details)),
    };

    private static CheckHealthResponse Error(string message) => new()
    {
        Status = CheckHealthResponse.Types.HealthStatus.Error,
        Message = message,
    };
}
