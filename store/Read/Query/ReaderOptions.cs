namespace GrafanaProfiles.Store.Query;

/// <summary>Settings of the read side: DuckDB's resources and per-query limits.</summary>
public sealed record ReaderOptions
{
    /// <summary>Threads DuckDB may use for one query.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// DuckDB memory limit of the reader, e.g. <c>2GB</c>: what its queries hold beyond it goes to
    /// <see cref="SpillDirectory"/> (slower, not failing); a query that cannot fit even so fails
    /// with a message naming this limit.
    /// </summary>
    public string MemoryLimit { get; init; } = "2GB";

    /// <summary>
    /// Where DuckDB spills what does not fit <see cref="MemoryLimit"/>: null for a directory of this
    /// reader inside the data directory (<c>.tmp-query-spill/</c>, removed when the reader is
    /// disposed; where the data directory is read-only the reader does not spill and says so in a
    /// log line), empty for no spilling at all.
    /// </summary>
    public string? SpillDirectory { get; init; }

    /// <summary>Most bytes DuckDB may spill (its <c>max_temp_directory_size</c>), e.g. <c>10GB</c>.</summary>
    public string SpillLimit { get; init; } = "10GB";

    /// <summary>
    /// Memory for the stacks and function names of files already read (immutable, so cached across
    /// queries); the call trie of the stacks used so far starts afresh past a quarter of it.
    /// </summary>
    public long SymbolCacheBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>A query running longer is interrupted.</summary>
    public TimeSpan QueryTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Default node limit of a flame graph (Pyroscope: querier.max-flamegraph-nodes-default).</summary>
    public int DefaultMaxNodes { get; init; } = 8_192;

    /// <summary>Largest node limit a query may ask for (Pyroscope: querier.max-flamegraph-nodes-max).</summary>
    public int MaxNodesLimit { get; init; } = 1_048_576;

    /// <summary>Smallest time-series step; finer steps are widened to this.</summary>
    public TimeSpan MinStep { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Most points one series may have; a finer step is widened so the range fits.</summary>
    public int MaxPointsPerSeries { get; init; } = 11_000;

    /// <summary>Most series one time-series query may return.</summary>
    public int MaxSeries { get; init; } = 1_000;

    /// <summary>
    /// Whether flame graphs, top tables and series read the rollups of whole hours and days
    /// (docs/architecture.md, "Read path"); off, every query reads raw samples only. The answers are
    /// the same either way; off is for comparing them and for measuring what rollups save.
    /// </summary>
    public bool UseRollups { get; init; } = true;
}

/// <summary>What part of the data a query reads: tenant, time range, profile type and label selector.</summary>
public sealed record ProfileSelection(string Tenant, DateTime From, DateTime To, string ProfileTypeId, Selectors.LabelSelector Selector)
{
    /// <summary>Most span ids one selection may name.</summary>
    public const int MaxSpanIds = 10_000;

    /// <summary>When not empty, only samples recorded in these spans (the samples' <c>span_id</c>) are read.</summary>
    public IReadOnlyList<ulong> SpanIds { get; init; } = [];

    public ProfileSelection WithRange(DateTime from, DateTime to) => this with { From = from, To = to };
}

/// <summary>A query failed because of what was asked (bad selector, unknown type, limits): the caller's to fix.</summary>
public sealed class QueryException(string message) : Exception(message)
{
    public QueryException() : this("The query is not valid.") { }
    public QueryException(string message, Exception inner) : this(message + " " + inner.Message) { }
}
