using GrafanaProfiles.Schema.GoPlugin;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Backend.Plugin;

/// <summary>
/// <c>grpc.health.v1.Health</c> as Grpc.HealthCheck serves it, with <c>plugin</c> (the name go-plugin's
/// host checks) and the server as a whole SERVING. An unknown service is <c>NotFound</c> with a message
/// that names it and the one this plugin reports.
/// </summary>
public sealed class PluginHealth : HealthServiceImpl
{
    /// <summary>The service name go-plugin's host checks.</summary>
    public const string PluginServiceName = "plugin";

    public PluginHealth()
    {
        SetStatus("", HealthCheckResponse.Types.ServingStatus.Serving);
        SetStatus(PluginServiceName, HealthCheckResponse.Types.ServingStatus.Serving);
    }

    public override async Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        try
        {
            return await base.Check(request, context);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"Unknown service '{request.Service}'; this plugin reports '{PluginServiceName}'."));
        }
    }
}

/// <summary><c>plugin.GRPCController</c>: <c>Shutdown</c> makes the process exit (the host kills it 2 s later).</summary>
public sealed class ControllerService(Action stop, ILogger logger) : GRPCController.GRPCControllerBase
{
    public override Task<Empty> Shutdown(Empty request, ServerCallContext context)
    {
        logger.LogInformation("Shutdown requested by the host");
        // Stop after this call's answer is on its way: stopping cancels in-flight calls.
        _ = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20));
            stop();
        });
        return Task.FromResult(new Empty());
    }
}

/// <summary>
/// <c>plugin.GRPCStdio</c>: the stream go-plugin's host keeps open, held open and empty (logs go to
/// stderr, which the host reads directly) until the call or the server ends.
/// </summary>
public sealed class StdioService(CancellationToken stopping) : GRPCStdio.GRPCStdioBase
{
    public override async Task StreamStdio(Google.Protobuf.WellKnownTypes.Empty request, IServerStreamWriter<StdioData> responseStream, ServerCallContext context)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, stopping);
        try
        {
            await Task.Delay(Timeout.Infinite, both.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
