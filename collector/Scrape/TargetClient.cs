using System.Buffers;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace GrafanaProfiles.Collector.Scrape;

/// <summary>A scraped response body as served, with its Content-Encoding (null when none).</summary>
internal readonly record struct ScrapedBody(byte[] Bytes, string? ContentEncoding);

/// <summary>
/// Fetches the profiles of one target through its own resilience pipeline: retry (exponential
/// backoff with jitter, transient failures only) around a circuit breaker shared by all the
/// target's profiles, around a timeout per attempt. One target's failures therefore open only
/// its own circuit, and every loop waits only on its own requests.
/// </summary>
internal sealed class TargetClient
{
    private readonly HttpClient _http;
    private readonly ScrapeJob _job;
    private readonly ResiliencePipeline _pipeline;
    private readonly CircuitBreakerStateProvider _circuit = new();
    private volatile string? _openedBy;

    public TargetClient(HttpClient http, ScrapeJob job, ScrapeTarget target, TimeProvider time, ILogger logger)
    {
        _http = http;
        _job = job;
        Target = target;
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (job.Retry.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(ScrapeFailures.IsTransient(args.Outcome.Exception)),
                MaxRetryAttempts = job.Retry.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = job.Retry.InitialBackoff,
                MaxDelay = job.Retry.MaxBackoff,
                OnRetry = args =>
                {
                    logger.LogDebug("Scrape of {Job}/{Instance} failed ({Error}); retry {Attempt} of {MaxRetries} in {Delay}.",
                        job.Name, target.Address, ScrapeFailures.Describe(args.Outcome.Exception!, job), args.AttemptNumber + 1, job.Retry.MaxRetries, args.RetryDelay);
                    return default;
                },
            });
        }
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(ScrapeFailures.IsTransient(args.Outcome.Exception)),
            FailureRatio = job.CircuitBreaker.FailureRatio,
            MinimumThroughput = job.CircuitBreaker.MinimumThroughput,
            SamplingDuration = job.CircuitBreaker.SamplingDuration,
            BreakDuration = job.CircuitBreaker.BreakDuration,
            StateProvider = _circuit,
            OnOpened = args =>
            {
                _openedBy = args.Outcome.Exception is { } cause ? ScrapeFailures.Describe(cause, job) : null;
                logger.LogWarning("Target {Job}/{Instance} keeps failing ({Error}): skipping its scrapes for {BreakDuration}.",
                    job.Name, target.Address, args.Outcome.Exception is { } e ? ScrapeFailures.Describe(e, job) : "?", args.BreakDuration);
                return default;
            },
            OnHalfOpened = _ =>
            {
                logger.LogInformation("Target {Job}/{Instance}: trying one scrape after the break.", job.Name, target.Address);
                return default;
            },
            OnClosed = _ =>
            {
                logger.LogInformation("Target {Job}/{Instance} answers again: scraping resumes.", job.Name, target.Address);
                return default;
            },
        });
        builder.AddTimeout(job.Timeout);
        _pipeline = builder.Build();
    }

    public ScrapeTarget Target { get; }

    /// <summary>The failure that last opened the circuit, for the messages of skipped scrapes.</summary>
    public string? OpenedBy => _openedBy;

    public TargetCircuitState Circuit => _circuit.CircuitState switch
    {
        CircuitState.Open => TargetCircuitState.Open,
        CircuitState.HalfOpen => TargetCircuitState.HalfOpen,
        CircuitState.Isolated => TargetCircuitState.Isolated,
        _ => TargetCircuitState.Closed,
    };

    /// <summary>Fetches one profile body. Throws the last failure when retries are spent or the circuit is open.</summary>
    public ValueTask<ScrapedBody> FetchAsync(Uri url, CancellationToken cancellationToken) =>
        _pipeline.ExecuteAsync(static (state, ct) => state.Self.AttemptAsync(state.Url, ct), (Self: this, Url: url), cancellationToken);

    private async ValueTask<ScrapedBody> AttemptAsync(Uri url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new ScrapeStatusException(response.StatusCode, response.ReasonPhrase, await BodyStartAsync(response, cancellationToken));
        }
        var limit = _job.BodySizeLimit;
        if (response.Content.Headers.ContentLength is { } declared && declared > limit)
        {
            throw new ScrapeBodyTooLargeException(limit, declared);
        }
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        // A Content-Encoding is undone by the ingest door's one bounded step, not by HttpClient.
        var encoding = response.Content.Headers.ContentEncoding.Count == 0 ? null : string.Join(", ", response.Content.Headers.ContentEncoding);
        return new ScrapedBody(await ReadLimitedAsync(body, limit, response.Content.Headers.ContentLength, cancellationToken), encoding);
    }

    private static async ValueTask<byte[]> ReadLimitedAsync(Stream body, long limit, long? declared, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(declared ?? 64 * 1024, 1, Math.Min(limit + 1, 1 << 20)));
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit)
                    {
                        throw new ScrapeBodyTooLargeException(limit, null);
                    }
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }
                length += read;
            }
            return length > limit ? throw new ScrapeBodyTooLargeException(limit, null) : buffer.AsSpan(0, length).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The first 200 characters of an error body: pprof handlers explain themselves there.</summary>
    private static async Task<string> BodyStartAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[200];
            var length = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            var text = Encoding.UTF8.GetString(buffer, 0, length);
            return new string([.. text.Where(c => !char.IsControl(c) || c == ' ')]).Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }
}
