using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Collector.Rules.RemoteWrite;

/// <summary>
/// Sends the queue to a Prometheus remote-write receiver every <c>interval</c>: batches of at most
/// <c>max_samples_per_send</c> samples as a snappy-compressed <c>WriteRequest</c> (remote write 1.0).
/// A failure that may pass (no connection, a timeout, 5xx, 429) is retried with the same batch after a
/// backoff from <c>min_backoff</c> doubling to <c>max_backoff</c>, while new samples wait in the
/// bounded queue; a refusal (other 4xx) drops the batch with a log line naming the status and the
/// receiver's message. It runs on its own task: rule evaluation and ingest never wait for it.
/// </summary>
public sealed class RemoteWriteSender(RemoteWriteSettings settings, RemoteWriteQueue queue, RecordedValues values, HttpMessageHandler handler, ILogger log)
    : IDisposable
{
    private readonly HttpClient _client = new(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    private long _sent;
    private long _failed;
    private long _requests;
    private long _retries;
    private long _lastSuccessUnixMs;

    /// <summary>Samples the receiver accepted.</summary>
    public long SamplesSent => Interlocked.Read(ref _sent);

    /// <summary>Samples of batches the receiver refused (dropped).</summary>
    public long SamplesFailed => Interlocked.Read(ref _failed);

    public long Requests => Interlocked.Read(ref _requests);

    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Unix milliseconds of the last accepted request (0: none yet).</summary>
    public long LastSuccessUnixMs => Interlocked.Read(ref _lastSuccessUnixMs);

    public RemoteWriteQueue Queue => queue;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(settings.Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await SendQueuedAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Sends batches until the queue is empty; a batch that may pass is retried until it does or the sender stops.</summary>
    public async Task SendQueuedAsync(CancellationToken cancellationToken)
    {
        while (queue.Take(settings.MaxSamplesPerSend) is { Count: > 0 } batch)
        {
            var body = Snappier.Snappy.CompressToArray(WriteRequestEncoder.Encode(ToSeries(batch)));
            var backoff = settings.MinBackoff;
            while (true)
            {
                var (outcome, detail) = await SendAsync(body, cancellationToken).ConfigureAwait(false);
                if (outcome == Outcome.Accepted)
                {
                    Interlocked.Add(ref _sent, batch.Count);
                    Interlocked.Exchange(ref _lastSuccessUnixMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                    break;
                }
                if (outcome == Outcome.Refused)
                {
                    Interlocked.Add(ref _failed, batch.Count);
                    log.LogError("Remote write to {Url} refused {Count} samples and they are dropped: {Detail}", settings.Url, batch.Count, detail);
                    break;
                }
                Interlocked.Increment(ref _retries);
                log.LogWarning("Remote write to {Url} failed ({Detail}); retrying {Count} samples in {Backoff}.", settings.Url, detail, batch.Count, backoff);
                await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(settings.MaxBackoff.Ticks, backoff.Ticks * 2));
            }
        }
    }

    private enum Outcome
    {
        Accepted,
        Retry,
        Refused,
    }

    private async Task<(Outcome, string)> SendAsync(byte[] body, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, settings.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        request.Content.Headers.ContentEncoding.Add("snappy");
        request.Headers.TryAddWithoutValidation("X-Prometheus-Remote-Write-Version", "0.1.0");
        request.Headers.UserAgent.ParseAdd("grafana-profiles-collector");
        foreach (var (name, value) in settings.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        Interlocked.Increment(ref _requests);
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await _client.SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return (Outcome.Accepted, "");
            }
            var text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            var detail = $"HTTP {(int)response.StatusCode}: {(text.Length > 512 ? text[..512] + "…" : text).Trim()}";
            return ((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests ? Outcome.Retry : Outcome.Refused, detail);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (Outcome.Retry, $"no answer within remote_write.timeout={settings.Timeout.TotalSeconds:0.###}s");
        }
        catch (HttpRequestException e)
        {
            return (Outcome.Retry, $"{e.Message} after {watch.ElapsedMilliseconds} ms");
        }
    }

    /// <summary>The batch as series: samples of one series together, in the order they were sealed (time order).</summary>
    private List<RemoteSeries> ToSeries(List<SealedSample> batch)
    {
        var series = new Dictionary<(string Tenant, string Metric, Store.Model.LabelSet Labels), List<(long, double)>>();
        foreach (var s in batch)
        {
            var key = (s.Tenant, s.MetricName, s.Labels);
            if (!series.TryGetValue(key, out var samples))
            {
                samples = [];
                series[key] = samples;
            }
            samples.Add((new DateTimeOffset(s.Time).ToUnixTimeMilliseconds(), s.Value));
        }
        return [.. series.Select(p => new RemoteSeries(
            [("__name__", p.Key.Metric), .. values.ExportedLabels(p.Key.Tenant, p.Key.Labels)], p.Value))];
    }

    public void Dispose() => _client.Dispose();
}
