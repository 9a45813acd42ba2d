using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GrafanaProfiles.LoadTest;

/// <summary>What became of one upload.</summary>
internal readonly record struct UploadOutcome(int Status, bool RetryAfter, string? Error = null, string? Body = null);

/// <summary>
/// Sends <see cref="SdkUpload"/>s as HTTP/1.1 requests written straight to keep-alive loopback
/// sockets, each request one <c>send</c> of bytes laid out in advance and each answer read with as
/// few <c>recv</c>s as it takes. It costs the generator a small fraction of what
/// <see cref="HttpClient"/> does per request, so that a generator sharing the collector's cores
/// can offer several times what the collector sustains and still leave it the CPU to answer:
/// what is measured is then the collector's behaviour under overload, not the generator's.
/// The bytes on the wire are the same request <see cref="SdkUpload.Request"/> builds.
/// </summary>
internal sealed class RawHttpSender(IPEndPoint endpoint, SdkUpload upload) : IDisposable
{
    private readonly ConcurrentBag<Connection> _idle = [];
    private readonly string _host = endpoint.ToString();

    /// <summary>Connections opened so far (each carries one request at a time).</summary>
    public int Opened;

    public async Task<UploadOutcome> SendAsync(int pod)
    {
        Connection? connection = null;
        try
        {
            if (!_idle.TryTake(out connection))
            {
                connection = new Connection(upload.Body.Length);
                Interlocked.Increment(ref Opened);
                await connection.Socket.ConnectAsync(endpoint).ConfigureAwait(false);
            }
            var head = string.Create(CultureInfo.InvariantCulture,
                $"POST {upload.Target(pod)} HTTP/1.1\r\nHost: {_host}\r\nUser-Agent: pyroscope-go\r\nContent-Type: {upload.ContentType}\r\nContent-Length: {upload.Body.Length}\r\n\r\n");
            var outcome = await connection.RoundTripAsync(head, upload.Body).ConfigureAwait(false);
            if (outcome.KeepAlive)
            {
                _idle.Add(connection);
                connection = null;
            }
            return outcome.Outcome;
        }
        catch (Exception e) when (e is SocketException or IOException or InvalidDataException or ObjectDisposedException)
        {
            return new UploadOutcome(0, false, e.Message);
        }
        finally
        {
            connection?.Dispose();
        }
    }

    public void Dispose()
    {
        while (_idle.TryTake(out var connection))
        {
            connection.Dispose();
        }
    }

    private sealed class Connection(int bodyBytes) : IDisposable
    {
        private byte[] _send = new byte[bodyBytes + 1024];
        private readonly byte[] _receive = new byte[8192];

        public Socket Socket { get; } = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };

        public async Task<(UploadOutcome Outcome, bool KeepAlive)> RoundTripAsync(string head, ReadOnlyMemory<byte> body)
        {
            var headBytes = Encoding.ASCII.GetByteCount(head);
            if (_send.Length < headBytes + body.Length)
            {
                _send = new byte[headBytes + body.Length];
            }
            Encoding.ASCII.GetBytes(head, _send);
            body.CopyTo(_send.AsMemory(headBytes));
            var request = _send.AsMemory(0, headBytes + body.Length);
            while (request.Length > 0)
            {
                var sent = await Socket.SendAsync(request, SocketFlags.None).ConfigureAwait(false);
                request = request[sent..];
            }
            // The status line and headers, then Content-Length bytes of body.
            var filled = 0;
            int headerEnd;
            while ((headerEnd = _receive.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (filled == _receive.Length)
                {
                    throw new InvalidDataException("The response headers are longer than the receive buffer.");
                }
                var read = await Socket.ReceiveAsync(_receive.AsMemory(filled), SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException("The collector closed the connection before answering.");
                }
                filled += read;
            }
            var headers = Encoding.ASCII.GetString(_receive, 0, headerEnd);
            var lines = headers.Split("\r\n");
            var status = lines[0].Split(' ') is [_, var code, ..] && int.TryParse(code, CultureInfo.InvariantCulture, out var s)
                ? s
                : throw new InvalidDataException($"Not an HTTP status line: '{lines[0]}'");
            var contentLength = 0;
            var retryAfter = false;
            var keepAlive = true;
            foreach (var line in lines.AsSpan(1))
            {
                var colon = line.IndexOf(':');
                if (colon < 0)
                {
                    continue;
                }
                var name = line.AsSpan(0, colon).Trim();
                var value = line.AsSpan(colon + 1).Trim();
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    contentLength = int.Parse(value, CultureInfo.InvariantCulture);
                }
                else if (name.Equals("Retry-After", StringComparison.OrdinalIgnoreCase))
                {
                    retryAfter = true;
                }
                else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase) && value.Equals("close", StringComparison.OrdinalIgnoreCase))
                {
                    keepAlive = false;
                }
                else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidDataException("A chunked answer: this sender reads only answers with a Content-Length.");
                }
            }
            var bodyStart = headerEnd + 4;
            var total = bodyStart + contentLength;
            var answer = total <= _receive.Length ? _receive : new byte[total];
            if (!ReferenceEquals(answer, _receive))
            {
                _receive.AsSpan(0, filled).CopyTo(answer);
            }
            while (filled < total)
            {
                var read = await Socket.ReceiveAsync(answer.AsMemory(filled, total - filled), SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException("The collector closed the connection in the middle of an answer.");
                }
                filled += read;
            }
            if (filled > total)
            {
                throw new InvalidDataException("The collector sent more than the answer's Content-Length (this sender does not pipeline).");
            }
            var text = status == 200 ? null : Encoding.UTF8.GetString(answer, bodyStart, contentLength);
            return (new UploadOutcome(status, retryAfter, Body: text), keepAlive);
        }

        public void Dispose() => Socket.Dispose();
    }
}
