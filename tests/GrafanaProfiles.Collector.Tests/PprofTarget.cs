using System.Net;
using System.Net.Sockets;

namespace GrafanaProfiles.Collector.Tests;

/// <summary>
/// A scrape target on loopback that serves one committed pprof file (as a Go program's
/// net/http/pprof serves a profile: the gzipped protobuf as the body) at every path.
/// </summary>
internal sealed class PprofTarget : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly byte[] _body;
    private readonly Task _serving;
    private int _requests;

    public PprofTarget(string file)
    {
        _body = File.ReadAllBytes(IngestApiTests.TestData("pprof/" + file));
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        Address = $"127.0.0.1:{port}";
        _listener.Prefixes.Add($"http://{Address}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>host:port, as a scrape target is configured.</summary>
    public string Address { get; }

    public int Requests => Volatile.Read(ref _requests);

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            Interlocked.Increment(ref _requests);
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength64 = _body.Length;
            await context.Response.OutputStream.WriteAsync(_body);
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
    }
}
