using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Collector.Tests.Scrape.Support;

/// <summary>
/// A scrape target on 127.0.0.1 (Kestrel, free port) whose answers the test decides per request:
/// the faults a real Go process cannot produce on demand (503s, dropped connections, slowness).
/// </summary>
internal sealed class LocalHttpTarget : IAsyncDisposable
{
    private const string WarmUpPath = "/__warm-up";
    private readonly WebApplication _app;
    private int _requests;
    private int _aborted;

    private LocalHttpTarget(WebApplication app) => _app = app;

    /// <summary>Requests received so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Requests whose client went away before the answer (the scraper's timeout cancelled them).</summary>
    public int Aborted => Volatile.Read(ref _aborted);

    public string Address { get; private set; } = "";

    public static byte[] GoHeapProfile { get; } = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "pprof", "go-heap.pb.gz"));

    /// <param name="handler">Answers request number n (1-based).</param>
    public static async Task<LocalHttpTarget> StartAsync(Func<int, HttpContext, Task> handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var target = new LocalHttpTarget(app);
        app.Run(async context =>
        {
            if (context.Request.Path == WarmUpPath)
            {
                return;
            }
            var n = Interlocked.Increment(ref target._requests);
            try
            {
                await handler(n, context);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                Interlocked.Increment(ref target._aborted);
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        target.Address = new Uri(address).Authority;
        // The first request of a process compiles the whole HTTP stack (client and server), which
        // on a small CI machine can outlast a scrape timeout; the tests time the faults, not that.
        using var http = new HttpClient();
        (await http.GetAsync(new Uri($"http://{target.Address}{WarmUpPath}"))).Dispose();
        return target;
    }

    /// <summary>Answers with a real Go heap profile.</summary>
    public static Task ServeProfile(HttpContext context)
    {
        context.Response.ContentType = "application/octet-stream";
        return context.Response.Body.WriteAsync(GoHeapProfile).AsTask();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
