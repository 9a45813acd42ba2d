using GrafanaProfiles.Backend.Queries;

namespace GrafanaProfiles.Backend.Data;

/// <summary>Runs one query: picks the handler of its query type.</summary>
public delegate QueryResult QueryHandler(QueryContext context, CancellationToken cancellationToken);

/// <summary>Query types and their handlers; a type without its own handler goes to the fallback.</summary>
public sealed class QueryRouter(QueryHandler fallback)
{
    private readonly Dictionary<string, QueryHandler> _handlers = new(StringComparer.OrdinalIgnoreCase);

    public QueryRouter Add(string queryType, QueryHandler handler)
    {
        _handlers[queryType] = handler;
        return this;
    }

    public QueryHandler For(string queryType) => _handlers.TryGetValue(queryType, out var handler) ? handler : fallback;
}
