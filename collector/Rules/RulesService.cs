using GrafanaProfiles.Collector.Rules.RemoteWrite;
using Microsoft.Extensions.Hosting;

namespace GrafanaProfiles.Collector.Rules;

/// <summary>
/// Seals the recorded steps as they become final (once a second) and hands their samples to the
/// remote-write queue, whose sender runs beside it when remote write is configured.
/// </summary>
public sealed class RulesService(RecordedValues values, RemoteWriteSender? sender, TimeProvider clock) : BackgroundService
{
    /// <summary>How often steps are sealed; a sealed value reaches /metrics within this of its seal_delay.</summary>
    public static readonly TimeSpan SealTick = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sending = sender?.RunAsync(stoppingToken) ?? Task.CompletedTask;
        using var timer = new PeriodicTimer(SealTick, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var sealedSamples = values.Seal(clock.GetUtcNow().UtcDateTime);
                if (sealedSamples.Count > 0)
                {
                    sender?.Queue.Enqueue(sealedSamples);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await sending.ConfigureAwait(false);
    }
}
