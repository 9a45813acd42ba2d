using GrafanaProfiles.Backend.Data;
using GrafanaProfiles.Backend.Diagnostics;
using GrafanaProfiles.Backend.Grpc;
using GrafanaProfiles.Backend.Resources;
using GrafanaProfiles.Backend.Settings;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Backend.Plugin;

/// <summary>
/// The plugin's gRPC server: Kestrel with HTTP/2 cleartext on the listener the caller chooses, the
/// Grpc.AspNetCore services generated from <c>schema/protos</c> (pluginv2 Data, Diagnostics and
/// Resource; go-plugin's controller and stdio; grpc.health.v1), gzip requests within
/// <c>max_receive_message_size</c>, and <see cref="GrpcCallRules"/> around them.
/// </summary>
internal static class PluginServer
{
    public static WebApplication Build(PluginEnvironment environment, ILoggerProvider provider, LogLevel level, ILoggerFactory loggers,
        Action<KestrelServerOptions> listen)
    {
        var limits = new GrpcLimits { MaxReceiveMessageSize = environment.MaxReceiveMessageSize };
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders().AddProvider(provider).SetMinimumLevel(level)
            .AddFilter("Microsoft", LogLevel.Warning)
            // Grpc.AspNetCore logs every non-OK status at info; the plugin's own logs say what matters.
            .AddFilter("Grpc", LogLevel.Warning);
        // The host waits 2 s for the process after Shutdown, then kills it.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        builder.Services.AddSingleton<IHostLifetime, PluginLifetime>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // Every method takes one request message: gRPC refuses one above max_receive_message_size from
            // its header, and any byte after it, so the message limit bounds the body. Kestrel's own body
            // limit would answer first, without naming the setting (Unknown instead of ResourceExhausted).
            k.Limits.MaxRequestBodySize = null;
            k.Limits.Http2.MaxStreamsPerConnection = 1_000;
            listen(k);
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = limits.MaxReceiveMessageSize;
            o.MaxSendMessageSize = limits.MaxSendMessageSize;
            o.CompressionProviders = [new LimitedGzipProvider(limits.MaxReceiveMessageSize)];
            // Unknown services and methods reach GrpcCallRules.UnknownMethod, which names the path.
            o.IgnoreUnknownServices = true;
            // An unexpected exception reaches Grafana with its type and message, not only "Exception was thrown by handler."
            o.EnableDetailedErrors = true;
        });
        PluginServices.AddTo(builder.Services, environment, loggers, TimeProvider.System);

        var app = builder.Build();
        app.UseRouting();
        app.Use(GrpcCallRules.Middleware(limits));
        app.MapGrpcService<DataService>();
        app.MapGrpcService<DiagnosticsService>();
        app.MapGrpcService<ResourceService>();
        app.MapGrpcService<PluginHealth>();
        app.MapGrpcService<ControllerService>();
        app.MapGrpcService<StdioService>();
        app.MapFallback(GrpcCallRules.UnknownMethod);
        return app;
    }
}

/// <summary>Every service the plugin serves, wired to one set of data source instances and metrics.</summary>
internal static class PluginServices
{
    public static void AddTo(IServiceCollection services, PluginEnvironment environment, ILoggerFactory loggers, TimeProvider clock)
    {
        services.AddSingleton(new PluginMetrics());
        // Created by the container, so disposed with it once the server has stopped.
        services.AddSingleton(_ => new InstanceManager(environment, loggers.CreateLogger("GrafanaProfiles.Backend.Instances")));
        services.AddSingleton(s => new DataService(s.GetRequiredService<InstanceManager>(), QueryTypes.Router(), s.GetRequiredService<PluginMetrics>(),
            environment, loggers.CreateLogger("GrafanaProfiles.Backend.Data")));
        services.AddSingleton(s => new DiagnosticsService(s.GetRequiredService<InstanceManager>(), s.GetRequiredService<PluginMetrics>(),
            loggers.CreateLogger("GrafanaProfiles.Backend.Diagnostics")));
        services.AddSingleton(s =>
        {
            var resources = new ResourceService(s.GetRequiredService<InstanceManager>(), s.GetRequiredService<PluginMetrics>(),
                loggers.CreateLogger("GrafanaProfiles.Backend.Resources"), clock);
            ResourcePaths.AddTo(resources);
            return resources;
        });
        services.AddSingleton(new PluginHealth());
        services.AddSingleton(s => new ControllerService(s.GetRequiredService<IHostApplicationLifetime>().StopApplication,
            loggers.CreateLogger("GrafanaProfiles.Backend.Plugin")));
        services.AddSingleton(s => new StdioService(s.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping));
    }
}
