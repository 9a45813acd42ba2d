using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using GrafanaProfiles.Backend.Settings;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Backend.Plugin;

/// <summary>
/// The plugin process: checks it was started by a plugin host, serves gRPC over HTTP/2 on a Unix
/// socket (TCP on loopback when a socket is not possible), prints the handshake line once listening,
/// and runs until the host calls <c>GRPCController/Shutdown</c> (or sends SIGTERM). SIGINT is
/// ignored, as go-plugin servers do: the host owns the process's lifetime.
/// </summary>
internal static class PluginMain
{
    /// <summary>Longest Unix socket path that fits <c>sockaddr_un</c> on Linux and macOS.</summary>
    private const int MaxSocketPath = 100;

    public static int Run(string[] args)
    {
        _ = args;
        if (Handshake.Refusal(Environment.GetEnvironmentVariable) is { } refusal)
        {
            Console.Error.WriteLine(refusal);
            return 1;
        }
        PluginEnvironment environment;
        try
        {
            environment = PluginEnvironment.FromEnvironment(Environment.GetEnvironmentVariable);
        }
        catch (SettingsException e)
        {
            Console.Error.WriteLine($"Plugin setting {e.Setting}: {e.Message}");
            return 1;
        }
        var level = HclogLoggerProvider.ParseLevel(environment.LogLevel) ?? LogLevel.Information;
        var provider = new HclogLoggerProvider(Console.Error, level);
        using var loggers = LoggerFactory.Create(b => b.ClearProviders().AddProvider(provider).SetMinimumLevel(level)
            .AddFilter("Microsoft", LogLevel.Warning));
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => context.Cancel = true);
        var logger = loggers.CreateLogger("GrafanaProfiles.Backend.Plugin");
        try
        {
            return RunAsync(environment, provider, level, loggers).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogError(e, "The plugin could not start: {Reason}", e.Message);
            return 1;
        }
    }

    private static async Task<int> RunAsync(PluginEnvironment environment, HclogLoggerProvider provider, LogLevel level, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("GrafanaProfiles.Backend.Plugin");
        var socketPath = SocketPath();
        WebApplication app;
        string network, address;
        if (socketPath is not null)
        {
            try
            {
                app = PluginServer.Build(environment, provider, level, loggers, k => k.ListenUnixSocket(socketPath, o => o.Protocols = HttpProtocols.Http2));
                await app.StartAsync();
                (network, address) = ("unix", socketPath);
                goto listening;
            }
            catch (Exception e) when (e is IOException or SocketException or InvalidOperationException)
            {
                logger.LogWarning("Cannot listen on Unix socket {Path} ({Reason}); using TCP on loopback", socketPath, e.Message);
                socketPath = null;
            }
        }
        (app, address) = await StartTcpAsync(environment, provider, level, loggers);
        network = "tcp";

    listening:
        await using (app)
        {
            // The host connects right after reading this line, so it is printed only once listening.
            Console.Out.WriteLine(Handshake.Line(network, address));
            Console.Out.Flush();
            logger.LogInformation("Plugin serving on {Network} {Address}", network, address);
            await app.WaitForShutdownAsync();
            logger.LogInformation("Plugin stopped");
        }
        if (socketPath is not null)
        {
            try
            {
                File.Delete(socketPath);
            }
            catch (IOException)
            {
            }
        }
        return 0;
    }

    private static async Task<(WebApplication App, string Address)> StartTcpAsync(PluginEnvironment environment, HclogLoggerProvider provider,
        LogLevel level, ILoggerFactory loggers)
    {
        int min = Port("PLUGIN_MIN_PORT", 10_000), max = Port("PLUGIN_MAX_PORT", 25_000);
        for (int port = min; port <= max; port++)
        {
            var app = PluginServer.Build(environment, provider, level, loggers, k => k.Listen(IPAddress.Loopback, port, o => o.Protocols = HttpProtocols.Http2));
            try
            {
                await app.StartAsync();
                return (app, $"127.0.0.1:{port}");
            }
            catch (IOException)
            {
                await app.DisposeAsync();
            }
        }
        throw new InvalidOperationException($"No free TCP port on 127.0.0.1 between PLUGIN_MIN_PORT={min} and PLUGIN_MAX_PORT={max}.");
    }

    private static int Port(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var port) && port is > 0 and < 65_536 ? port : fallback;

    /// <summary>A fresh socket path under PLUGIN_UNIX_SOCKET_DIR (or the temp directory), or null when too long.</summary>
    private static string? SocketPath()
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }
        var dir = Environment.GetEnvironmentVariable("PLUGIN_UNIX_SOCKET_DIR") is { Length: > 0 } configured ? configured : Path.GetTempPath();
        var path = Path.Combine(dir, "plugin" + Random.Shared.NextInt64(100_000_000, 999_999_999));
        return path.Length <= MaxSocketPath ? path : null;
    }
}
