using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace GrafanaProfiles.LoadTest.Crash;

/// <summary>What a sender learnt of one upload.</summary>
internal enum UploadOutcome
{
    /// <summary>200: the collector acknowledged it, so it must be stored exactly once.</summary>
    Acknowledged,
    /// <summary>Answered with another status (503 while the store opens, 429): it must not be stored.</summary>
    Refused,
    /// <summary>The connection was refused (the collector was down): it never arrived and must not be stored.</summary>
    NotDelivered,
    /// <summary>The connection broke or timed out with the request in flight (a kill): stored at most once.</summary>
    Unknown,
}

/// <summary>
/// Sustained ingest from several senders: every upload carries the same real pprof file under a
/// unique <c>upload</c> label (<c>/ingest?name=crash{upload=&lt;id&gt;}&amp;format=pprof</c>), its
/// window in one of the last closed hours or the current one, or in one of a few hours of a past
/// day (so that the compactor rolls that day up), and its outcome is recorded.
/// </summary>
internal sealed class CrashIngest : IAsyncDisposable
{
    public const string Service = "crash";
    public const string UploadLabel = "upload";

    private readonly byte[] _profile;
    private readonly CrashOptions _options;
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _senders = [];
    private long _next;
    private long _acknowledged;

    public CrashIngest(byte[] profile, CrashOptions options, Uri collector)
    {
        _profile = profile;
        _options = options;
        var today = DateTime.UtcNow.Date;
        PastDay = today.AddDays(-CrashOptions.PastDayAge);
        var random = new Random(options.Seed);
        PastDayHours = [.. Enumerable.Range(0, 24).OrderBy(_ => random.Next()).Take(options.PastDayHours).Order().Select(h => PastDay.AddHours(h))];
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
        {
            BaseAddress = collector,
            Timeout = TimeSpan.FromSeconds(15),
        };
    }

    /// <summary>Every upload sent so far, by id.</summary>
    public ConcurrentDictionary<string, UploadOutcome> Uploads { get; } = new(StringComparer.Ordinal);

    /// <summary>The past day some uploads land in (midnight UTC), and its hours they land in (none with <c>--past-day-hours 0</c>).</summary>
    public DateTime PastDay { get; }

    public IReadOnlyList<DateTime> PastDayHours { get; }

    /// <summary>Uploads acknowledged so far.</summary>
    public long AcknowledgedCount => Interlocked.Read(ref _acknowledged);

    /// <summary>Statuses other than 200 by code, for the summary.</summary>
    public ConcurrentDictionary<int, int> RefusalStatuses { get; } = new();

    public void Start()
    {
        for (var s = 0; s < _options.Senders; s++)
        {
            var random = new Random(HashCode.Combine(_options.Seed, s));
            _senders.Add(Task.Run(() => SendAsync(random, _stop.Token)));
        }
    }

    /// <summary>Stops sending and waits for every upload in flight to end.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_senders);
    }

    private async Task SendAsync(Random random, CancellationToken stop)
    {
        var interval = _options.Rate > 0 ? TimeSpan.FromSeconds((double)_options.Senders / _options.Rate) : TimeSpan.Zero;
        var pace = Stopwatch.StartNew();
        var due = TimeSpan.Zero;
        while (!stop.IsCancellationRequested)
        {
            if (due - pace.Elapsed is { Ticks: > 0 } wait)
            {
                await Delay(wait, stop);
                continue;
            }
            // No burst afterwards to make up for the time the collector was down.
            due = TimeSpan.FromTicks(Math.Max((due + interval).Ticks, pace.Elapsed.Ticks));
            var id = "u" + Interlocked.Increment(ref _next).ToString("D7", CultureInfo.InvariantCulture);
            var outcome = await UploadAsync(id, random);
            Uploads[id] = outcome;
            if (outcome == UploadOutcome.Acknowledged)
            {
                Interlocked.Increment(ref _acknowledged);
            }
            else
            {
                // The collector is down or still opening: do not spin.
                await Delay(TimeSpan.FromMilliseconds(20), stop);
            }
        }
    }

    private async Task<UploadOutcome> UploadAsync(string id, Random random)
    {
        var (from, until) = Window(random);
        var name = Uri.EscapeDataString($"{Service}{{{UploadLabel}={id}}}");
        var query = string.Create(CultureInfo.InvariantCulture, $"/ingest?name={name}&format=pprof&from={from}&until={until}");
        using var content = new ByteArrayContent(_profile);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        try
        {
            using var response = await _http.PostAsync(query, content, CancellationToken.None);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return UploadOutcome.Acknowledged;
            }
            RefusalStatuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
            return UploadOutcome.Refused;
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
        {
            return UploadOutcome.NotDelivered;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return UploadOutcome.Unknown;
        }
    }

    /// <summary>
    /// A 10 s window (Unix nanoseconds) in one of the closed hours or the current one, chosen
    /// evenly; during the first <see cref="CrashOptions.PastDayBurst"/> of every
    /// <see cref="CrashOptions.PastDayPeriod"/> half the uploads go to the past day's hours instead.
    /// In bursts, because a day rollup is written only in a maintenance round in which no flush
    /// lands in the day's hours while they are rolled up (a late file makes an hour's rollup stale
    /// at once): a steady trickle into the past day would keep its rollup from ever being written.
    /// </summary>
    private (long From, long Until) Window(Random random)
    {
        var now = DateTime.UtcNow;
        var hour = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc);
        var inBurst = PastDayHours.Count > 0 && now.Ticks % CrashOptions.PastDayPeriod.Ticks < CrashOptions.PastDayBurst.Ticks;
        var back = inBurst && random.Next(2) == 0 ? -1 : random.Next(_options.ClosedHours + 1);
        DateTime from;
        if (back < 0)
        {
            from = PastDayHours[random.Next(PastDayHours.Count)].AddSeconds(random.NextDouble() * 3590);
        }
        else if (back == 0)
        {
            var latest = now.AddSeconds(-10);
            from = latest <= hour ? hour : latest.AddSeconds(-random.NextDouble() * Math.Min(300, (latest - hour).TotalSeconds));
        }
        else
        {
            from = hour.AddHours(-back).AddSeconds(random.NextDouble() * 3590);
        }
        var fromNanos = (from - DateTime.UnixEpoch).Ticks * 100;
        return (fromNanos, fromNanos + 10_000_000_000L);
    }

    private static async Task Delay(TimeSpan wait, CancellationToken stop)
    {
        try
        {
            await Task.Delay(wait, stop);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }
        _stop.Dispose();
        _http.Dispose();
    }
}
