using GrafanaProfiles.Backend.Grpc;
using GrafanaProfiles.Schema.GoPlugin;
using GrafanaProfiles.Schema.Grpc.Health.V1;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Backend.Plugin;

/// <summary>
/// The go-plugin services every plugin serves besides Grafana's: the health check (<c>plugin</c> is
/// SERVING), the controller whose <c>Shutdown</c> makes the process exit, and the stdio stream
/// (held open and empty: logs go to stderr, which the host reads directly).
/// </summary>
public sealed class ProtocolServices(Action stop, ILogger logger, CancellationToken stopping)
{
    /// <summary>The service name go-plugin's host checks.</summary>
    public const string PluginServiceName = "plugin";

    public void AddTo(GrpcServiceTable table)
    {
        table.Unary<HealthCheckRequest, HealthCheckResponse>("grpc.health.v1.Health", "Check", CheckAsync);
        table.ServerStreaming<HealthCheckRequest, HealthCheckResponse>("grpc.health.v1.Health", "Watch", WatchAsync);
        table.Unary<Empty, Empty>("plugin.GRPCController", "Shutdown", ShutdownAsync);
        table.ServerStreaming<Google.Protobuf.WellKnownTypes.Empty, StdioData>("plugin.GRPCStdio", "StreamStdio", StdioAsync);
    }

    private static Task<HealthCheckResponse> CheckAsync(HealthCheckRequest request, ServerCallContext call) =>
        request.Service is "" or PluginServiceName
            ? Task.FromResult(new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.Serving })
            : throw new RpcException(StatusCode.NotFound, $"Unknown service '{request.Service}'; this plugin reports '{PluginServiceName}'.");

    private static async Task WatchAsync(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> stream, ServerCallContext call)
    {
        var status = request.Service is "" or PluginServiceName
            ? HealthCheckResponse.Types.ServingStatus.Serving
            : HealthCheckResponse.Types.ServingStatus.ServiceUnknown;
        await stream.WriteAsync(new HealthCheckResponse { Status = status });
        await WaitUntilCancelled(call.CancellationToken);
    }

    private Task<Empty> ShutdownAsync(Empty request, ServerCallContext call)
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

    private async Task StdioAsync(Google.Protobuf.WellKnownTypes.Empty request, IServerStreamWriter<StdioData> stream, ServerCallContext call)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(call.CancellationToken, stopping);
        await WaitUntilCancelled(both.Token);
    }

    private static async Task WaitUntilCancelled(CancellationToken token)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, token);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
