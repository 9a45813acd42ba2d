using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Query.FlameGraphs;
using GrafanaProfiles.Store.Query.Selectors;

namespace GrafanaProfiles.Store.Query;

public sealed partial class ProfileReader
{
    /// <summary>The flame graph of a selection, within <paramref name="maxNodes"/> nodes (0: the default limit).</summary>
    public FlameGraph FlameGraph(ProfileSelection selection, int maxNodes = 0, CancellationToken cancellationToken = default)
    {
        var limit = NodeLimit(maxNodes);
        return Run(() => PlanStacks(selection), (connection, files) =>
        {
            var aggregate = AggregateStacks(connection, files, selection);
            return FlameGraphBuilder.Build(aggregate, null, limit, ids => ResolveNames(connection, files, ids));
        }, cancellationToken);
    }

    /// <summary>Flame graph and top table from one aggregation.</summary>
    public (FlameGraph FlameGraph, TopTable Top) FlameGraphAndTop(ProfileSelection selection, int maxNodes = 0, CancellationToken cancellationToken = default)
    {
        var limit = NodeLimit(maxNodes);
        return Run(() => PlanStacks(selection), (connection, files) =>
        {
            var aggregate = AggregateStacks(connection, files, selection);
            var names = new NameCache(this, connection, files);
            return (FlameGraphBuilder.Build(aggregate, null, limit, names.Resolve), TopTable.Build(aggregate, null, names.Resolve));
        }, cancellationToken);
    }

    /// <summary>Self and total per function over the whole selection (no node limit applies).</summary>
    public TopTable Top(ProfileSelection selection, CancellationToken cancellationToken = default) =>
        Run(() => PlanStacks(selection), (connection, files) =>
        {
            var aggregate = AggregateStacks(connection, files, selection);
            return TopTable.Build(aggregate, null, ids => ResolveNames(connection, files, ids));
        }, cancellationToken);

    /// <summary>
    /// A diff of two selections (other labels, other time ranges, or both): one merged flame graph with
    /// left and right values, and the top table with both sides, ranked by self.
    /// </summary>
    public (FlameGraph FlameGraph, TopTable Top) Diff(ProfileSelection left, ProfileSelection right, int maxNodes = 0, CancellationToken cancellationToken = default)
    {
        if (!string.Equals(left.Tenant, right.Tenant, StringComparison.Ordinal))
        {
            throw new QueryException("Both sides of a diff must read the same tenant.");
        }
        var limit = NodeLimit(maxNodes);
        QueryFiles leftFiles = null!, rightFiles = null!;
        // Both sides are listed on every attempt, and a file of either vanishing retries the query.
        return Run(() =>
        {
            leftFiles = PlanStacks(left);
            rightFiles = PlanStacks(right);
            return leftFiles.Union(rightFiles);
        }, (connection, files) =>
        {
            var l = AggregateStacks(connection, leftFiles, left);
            var r = AggregateStacks(connection, rightFiles, right);
            var names = new NameCache(this, connection, files);
            return (FlameGraphBuilder.Build(l, r, limit, names.Resolve), TopTable.Build(l, r, names.Resolve));
        }, cancellationToken);
    }

    /// <summary>Values summed by stack over the selection, joined with the stacks' frames (DuckDB does the heavy part).</summary>
    public StackAggregate Aggregate(ProfileSelection selection, CancellationToken cancellationToken = default) =>
        Run(() => PlanStacks(selection), (connection, files) => AggregateStacks(connection, files, selection), cancellationToken);

    private QueryFiles PlanStacks(ProfileSelection selection) =>
        Plan(selection.Tenant, selection.From, selection.To, StackUse(selection));

    internal StackAggregate AggregateStacks(DuckDbConnection connection, QueryFiles files, ProfileSelection selection)
    {
        if (files.IsEmpty || files.Stacks.Count == 0)
        {
            return new StackAggregate();
        }
        // DuckDB sums by stack; the frames come from the cached stacks tables. Measured at scale 1
        // (docs/benchmarks.md): joining the stacks files in SQL (with an any_value GROUP BY to
        // de-duplicate) made the aggregate 2.4× the bare GROUP BY; the lookups cost about 1 ms.
        // A planned query sums the raw edges and the rollups of whole hours and days apart, then
        // merges the partial sums by stack. Ordered by stack id, so the call tree (whose ties go to
        // the earlier node) is the same however the pieces were cut.
        var parameters = new SqlParameters();
        var pieces = new List<string>();
        if (files.Samples.Count > 0)
        {
            pieces.Add($"""
                SELECT {SamplesTable.StackId}, sum({SamplesTable.Value}) AS v
                FROM {files.SamplesSource(parameters)}
                WHERE {SampleFilter(selection, parameters, files)}
                GROUP BY {SamplesTable.StackId}
                """);
        }
        if (files.Rollups.Count > 0)
        {
            pieces.Add($"""
                SELECT {SamplesTable.StackId}, sum({SamplesTable.Value}) AS v
                FROM {files.RollupSource(parameters)}
                WHERE {SampleFilter(selection, parameters, files, withTime: false)}
                GROUP BY {SamplesTable.StackId}
                """);
        }
        var sql = $"""
            SELECT {SamplesTable.StackId}, sum(v)::BIGINT AS v
            FROM ({string.Join("\nUNION ALL\n", pieces)})
            GROUP BY {SamplesTable.StackId}
            HAVING sum(v) <> 0
            ORDER BY {SamplesTable.StackId}
            """;
        var tables = files.Stacks.Select(f => _symbols.Stacks(connection, f)).ToArray();
        var paths = _symbols.Paths;
        using var statement = connection.Prepare(sql);
        parameters.BindTo(statement);
        using var result = statement.Execute();
        // The result is materialised: take its chunks first, so the aggregate is sized once (growing
        // it by doubling allocated and copied about 260 KB more per query at 6,000 stacks).
        var chunks = new List<DuckDbDataChunk>();
        try
        {
            var rows = 0;
            while (result.FetchChunk() is { } next)
            {
                chunks.Add(next);
                rows += next.RowCount;
            }
            var aggregate = new StackAggregate(rows);
            var last = 0;
            foreach (var chunk in chunks)
            {
                StackTable.AddAll(aggregate, tables, chunk.Column(0).Values<ulong>(), chunk.Column(1).Values<long>(), paths, ref last);
            }
            return aggregate;
        }
        finally
        {
            foreach (var chunk in chunks)
            {
                chunk.Dispose();
            }
        }
    }

    /// <summary>
    /// The WHERE condition of a selection over the samples table (label matchers look the series up in
    /// <paramref name="files"/>); without the time range for rollups of whole hours and days inside it.
    /// </summary>
    internal static string SampleFilter(ProfileSelection selection, SqlParameters parameters, QueryFiles files, bool withTime = true)
    {
        var profileType = selection.ProfileTypeId;
        if (string.IsNullOrEmpty(profileType))
        {
            profileType = selection.Selector.ProfileTypeId ?? throw new QueryException(
                "The query names no profile type: set profileTypeId (for example process_cpu:cpu:nanoseconds:cpu:nanoseconds).");
        }
        var time = withTime ? $"{SamplesTable.Time} >= {parameters.Add(selection.From)} AND {SamplesTable.Time} < {parameters.Add(selection.To)} AND " : "";
        var filter = $"{time}{SamplesTable.ProfileType} = {parameters.Add(profileType)} AND ({SelectorSql.ToCondition(selection.Selector, parameters, () => files.SeriesSource(parameters))})";
        if (selection.SpanIds.Count > 0)
        {
            if (selection.SpanIds.Count > ProfileSelection.MaxSpanIds)
            {
                throw new QueryException($"The selection names {selection.SpanIds.Count} span ids; the limit is {ProfileSelection.MaxSpanIds}.");
            }
            filter += $" AND list_contains({parameters.Add(selection.SpanIds)}, {SamplesTable.SpanId})";
        }
        return filter;
    }

    internal IReadOnlyDictionary<ulong, string> ResolveNames(DuckDbConnection connection, QueryFiles files, IReadOnlyCollection<ulong> ids)
    {
        var names = new Dictionary<ulong, string>(ids.Count);
        if (ids.Count == 0 || files.Functions.Count == 0)
        {
            return names;
        }
        var tables = files.Functions.Select(f => _symbols.Names(connection, f)).ToArray();
        foreach (var id in ids)
        {
            foreach (var table in tables)
            {
                if (table.TryGet(id, out var name))
                {
                    names[id] = name;
                    break;
                }
            }
        }
        return names;
    }

    private int NodeLimit(int maxNodes)
    {
        if (maxNodes <= 0)
        {
            return Options.DefaultMaxNodes;
        }
        if (maxNodes > Options.MaxNodesLimit)
        {
            throw new QueryException($"maxNodes={maxNodes} is over the limit max_flamegraph_nodes={Options.MaxNodesLimit}.");
        }
        return Math.Max(2, maxNodes);
    }

    /// <summary>Resolves each function name once even when the flame graph and the top table both ask.</summary>
    private sealed class NameCache(ProfileReader reader, DuckDbConnection connection, QueryFiles files)
    {
        private readonly Dictionary<ulong, string> _names = [];

        public IReadOnlyDictionary<ulong, string> Resolve(IReadOnlyCollection<ulong> ids)
        {
            var missing = ids.Where(id => !_names.ContainsKey(id)).ToList();
            foreach (var (id, name) in reader.ResolveNames(connection, files, missing))
            {
                _names[id] = name;
            }
            return _names;
        }
    }
}
