using GrafanaProfiles.Store.DuckDb;

namespace GrafanaProfiles.Backend.Sql;

/// <summary>
/// Stops the statement running on a connection when the query timeout passes or the request is
/// cancelled (<c>duckdb_interrupt</c>, from a timer thread). DuckDB clears the interrupt flag when a
/// statement starts, so an interrupt that lands between two statements would be lost: once fired,
/// the watchdog keeps interrupting every 50 ms until it is disposed.
/// </summary>
internal sealed class QueryWatchdog : IDisposable
{
    private static readonly TimeSpan Repeat = TimeSpan.FromMilliseconds(50);

    private readonly DuckDbConnection _connection;
    private readonly Timer _timer;
    private readonly CancellationTokenRegistration _registration;
    private int _reason;

    public QueryWatchdog(DuckDbConnection connection, TimeSpan timeout, CancellationToken cancellationToken)
    {
        _connection = connection;
        _timer = new Timer(_ => Fire(StopReason.Timeout), null, timeout, Timeout.InfiniteTimeSpan);
        _registration = cancellationToken.Register(() => Fire(StopReason.Cancelled));
    }

    private enum StopReason
    {
        None = 0,
        Timeout = 1,
        Cancelled = 2,
    }

    public bool TimedOut => Volatile.Read(ref _reason) == (int)StopReason.Timeout;

    public bool Cancelled => Volatile.Read(ref _reason) == (int)StopReason.Cancelled;

    public bool Fired => Volatile.Read(ref _reason) != (int)StopReason.None;

    private void Fire(StopReason reason)
    {
        Interlocked.CompareExchange(ref _reason, (int)reason, (int)StopReason.None);
        _connection.Interrupt();
        try
        {
            _timer.Change(Repeat, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The query finished meanwhile.
        }
    }

    public void Dispose()
    {
        _registration.Dispose();
        _timer.Dispose();
    }
}
