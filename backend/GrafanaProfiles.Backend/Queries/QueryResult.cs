using GrafanaProfiles.Backend.Frames;

namespace GrafanaProfiles.Backend.Queries;

/// <summary>Whose fault a failed query is, as Grafana's <c>errorSource</c> says it.</summary>
public enum ErrorSource
{
    /// <summary>A fault of this plugin (a bug, the store unreadable).</summary>
    Plugin,

    /// <summary>A fault of what the user asked (bad selector or SQL, a limit, a timeout).</summary>
    Downstream,
}

/// <summary>The answer to one query: frames, or an error with an HTTP-like status and its source.</summary>
public sealed record QueryResult(IReadOnlyList<DataFrame> Frames, int Status = 200, string? Error = null, ErrorSource Source = ErrorSource.Plugin)
{
    public static QueryResult Of(params DataFrame[] frames) => new(frames);

    public static QueryResult Failed(int status, ErrorSource source, string message, IReadOnlyList<DataFrame>? frames = null) =>
        new(frames ?? [], status, message, source);
}

/// <summary>
/// Thrown by a query handler to fail its query (and only it) with a status, a source and a message
/// that tells the user what to change. Frames, when given, are still returned (e.g. a frame whose meta
/// carries the executed SQL).
/// </summary>
public sealed class QueryFailedException : Exception
{
    public QueryFailedException(int status, ErrorSource source, string message, IReadOnlyList<DataFrame>? frames = null) : base(message)
    {
        Status = status;
        ErrorSource = source;
        Frames = frames ?? [];
    }

    public QueryFailedException() : this(400, ErrorSource.Downstream, "The query is not valid.") { }

    public QueryFailedException(string message) : this(400, ErrorSource.Downstream, message) { }

    public QueryFailedException(string message, Exception inner) : base(message, inner)
    {
        Status = 500;
        ErrorSource = ErrorSource.Plugin;
        Frames = [];
    }

    public int Status { get; }

    public ErrorSource ErrorSource { get; }

    public IReadOnlyList<DataFrame> Frames { get; }

    /// <summary>A query the user must change (HTTP 400, downstream).</summary>
    public static QueryFailedException BadRequest(string message) => new(400, ErrorSource.Downstream, message);
}
