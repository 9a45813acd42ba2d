using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Collector.Ingest;

/// <summary>What the door appends to: the store's writer, once it is open.</summary>
public interface IIngestStore
{
    /// <summary>The writer; null while the store opens (replays its log) or when it could not open (then <see cref="Failure"/>).</summary>
    ProfileWriter? Writer { get; }

    /// <summary>Why the store could not be opened, if it could not.</summary>
    Exception? Failure { get; }
}

/// <summary>
/// Told of every outcome at the door, for metrics: accepted requests, refused ones by reason, and
/// profiles an accepted request left out (OTLP's partial success). Called on the request's own
/// thread; implementations must be thread-safe and quick.
/// </summary>
public interface IIngestObserver
{
    void Accepted(IngestApi api, string tenant, int profiles, int samples, long bodyBytes, TimeSpan duration, TimeSpan logDuration);

    /// <param name="tenant">The tenant, or <c>unknown</c> when the request was refused before it was known.</param>
    void Refused(IngestApi api, string tenant, RejectReason reason);

    void ProfilesDropped(IngestApi api, string tenant, RejectReason reason, int count);
}

/// <summary>Observes nothing.</summary>
public sealed class NoIngestObserver : IIngestObserver
{
    public static NoIngestObserver Instance { get; } = new();

    public void Accepted(IngestApi api, string tenant, int profiles, int samples, long bodyBytes, TimeSpan duration, TimeSpan logDuration) { }

    public void Refused(IngestApi api, string tenant, RejectReason reason) { }

    public void ProfilesDropped(IngestApi api, string tenant, RejectReason reason, int count) { }
}
