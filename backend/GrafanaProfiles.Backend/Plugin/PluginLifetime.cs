using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;

namespace GrafanaProfiles.Backend.Plugin;

/// <summary>
/// The process lifetime of a go-plugin server: SIGTERM stops gracefully; SIGINT is ignored (a Ctrl-C in
/// Grafana's terminal reaches the whole process group, and the host stops plugins itself through
/// <c>GRPCController/Shutdown</c>). Replaces the generic host's console lifetime, which stops on SIGINT.
/// </summary>
internal sealed class PluginLifetime(IHostApplicationLifetime lifetime) : IHostLifetime, IDisposable
{
    private PosixSignalRegistration? _sigterm;
    private PosixSignalRegistration? _sigint;

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            lifetime.StopApplication();
        });
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => context.Cancel = true);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        _sigterm?.Dispose();
        _sigint?.Dispose();
    }
}
