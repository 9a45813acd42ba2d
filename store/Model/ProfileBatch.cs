namespace GrafanaProfiles.Store.Model;

/// <summary>A function as the store keeps it: the unit of a frame.</summary>
public sealed record FunctionInfo(string Name, string SystemName, string Filename, long StartLine)
{
    public ulong Id { get; } = ContentHash.Function(Name, SystemName, Filename, StartLine);
}

/// <summary>
/// A stack as the decoders of one process share it (one frames array per distinct stack). Never
/// changed after construction: its <see cref="Ordinal"/>, unique in the process, lets a write
/// buffer recognise the stacks it already holds by a bit of its own instead of a lookup in its
/// 24k-entry stack dictionary, which made checking each decoded profile's stacks one of the larger
/// costs of appending (perf, scale-1 benchmark: 2.8% of all ingest CPU, about 57 ns per stack in
/// cache misses; docs/benchmarks.md, change 30).
/// </summary>
public sealed class SharedStack(ulong id, ulong[] frames)
{
    private static long _lastOrdinal;

    public ulong Id { get; } = id;

    /// <summary>Function ids, root first; never changed.</summary>
    public ulong[] Frames { get; } = frames;

    /// <summary>Unique in the process and growing: entries made later have larger ordinals (the first is 1).</summary>
    public long Ordinal { get; } = Interlocked.Increment(ref _lastOrdinal);
}

/// <summary>One row of the samples table before it is written: a stack and its value in one profile window.</summary>
public readonly record struct SampleRow(ulong StackId, long Value, ulong SpanId);

/// <summary>
/// One profile window of one series and one profile type: the samples, aggregated by stack (and
/// span), with the series identity.
/// </summary>
public sealed class SeriesProfile
{
    public SeriesProfile(long timeNanos, long durationNanos, string serviceName, string profileType, LabelSet labels)
    {
        TimeNanos = timeNanos;
        DurationNanos = durationNanos;
        ServiceName = serviceName;
        ProfileType = profileType;
        Labels = labels;
        SeriesId = ContentHash.Series(serviceName, labels);
    }

    /// <summary>Start of the window, nanoseconds since the Unix epoch.</summary>
    public long TimeNanos { get; }
    public long DurationNanos { get; }
    public string ServiceName { get; }
    /// <summary>Pyroscope-form profile type id, e.g. <c>process_cpu:cpu:nanoseconds:cpu:nanoseconds</c>.</summary>
    public string ProfileType { get; }
    public LabelSet Labels { get; }
    public ulong SeriesId { get; }
    public List<SampleRow> Samples { get; } = [];

    public long Total
    {
        get
        {
            long total = 0;
            foreach (var s in Samples)
            {
                total += s.Value;
            }
            return total;
        }
    }
}

/// <summary>
/// What one ingest produces: profiles for one or more series and types, plus the dictionaries of
/// stacks and functions they reference. The unit the writer buffers and flushes.
/// </summary>
public sealed class ProfileBatch
{
    private readonly Dictionary<ulong, FunctionInfo> _functions = [];
    private readonly Dictionary<ulong, ulong[]> _stacks = [];
    private readonly List<SharedStack>? _sharedStacks;
    private List<FunctionInfo>? _functionsToIndex;
    private int _sharedStacksIndexed;

    public ProfileBatch()
    {
    }

    /// <summary>
    /// A batch whose stacks are entries shared by every decode of the process (<see cref="SharedStacks"/>):
    /// the decoder adds to <paramref name="sharedStacks"/>, each stack once, while it converts.
    /// </summary>
    public ProfileBatch(List<SharedStack> sharedStacks) => _sharedStacks = sharedStacks;

    public List<SeriesProfile> Profiles { get; } = [];

    /// <summary>
    /// Stacks as entries shared by every decode of the process, when the decoder has them (pprof
    /// does; each stack once): a write buffer takes them from here without the dictionary of
    /// <see cref="IndexStacks"/>, which holds them too once that has been called. Null otherwise.
    /// </summary>
    public IReadOnlyList<SharedStack>? SharedStacks => _sharedStacks;

    public int SampleCount => Profiles.Sum(p => p.Samples.Count);

    /// <summary>
    /// function id → function, first putting into it the functions a decoder handed over as a
    /// list (<see cref="AddFunctionUnindexed"/>). A write buffer reads it only for functions it
    /// does not hold yet, a few times per flush, while a pprof decode found ~480 functions per
    /// profile (scale-1 benchmark): filling the dictionary every time cost about 14 KB and 480
    /// inserts per profile (docs/benchmarks.md, change 37).
    /// </summary>
    public Dictionary<ulong, FunctionInfo> IndexFunctions()
    {
        if (_functionsToIndex is { Count: > 0 } pending)
        {
            _functions.EnsureCapacity(_functions.Count + pending.Count);
            foreach (var function in pending)
            {
                _functions.TryAdd(function.Id, function);
            }
            pending.Clear();
        }
        return _functions;
    }

    /// <summary>stack id → function ids, root first, first putting into it the <see cref="SharedStacks"/> added since the last call.</summary>
    public Dictionary<ulong, ulong[]> IndexStacks()
    {
        if (_sharedStacks is { } shared && _sharedStacksIndexed < shared.Count)
        {
            _stacks.EnsureCapacity(_stacks.Count + shared.Count - _sharedStacksIndexed);
            for (; _sharedStacksIndexed < shared.Count; _sharedStacksIndexed++)
            {
                _stacks.TryAdd(shared[_sharedStacksIndexed].Id, shared[_sharedStacksIndexed].Frames);
            }
        }
        return _stacks;
    }

    /// <summary>The function of <paramref name="id"/>, indexing pending functions first (see <see cref="IndexFunctions"/>).</summary>
    public bool TryGetFunction(ulong id, out FunctionInfo function) => IndexFunctions().TryGetValue(id, out function!);

    /// <summary>
    /// Adds a function without indexing it now (see <see cref="IndexFunctions"/>); <paramref name="capacityHint"/>
    /// sizes the list on the first call.
    /// </summary>
    public void AddFunctionUnindexed(FunctionInfo function, int capacityHint = 0)
    {
        (_functionsToIndex ??= new List<FunctionInfo>(capacityHint)).Add(function);
    }

    /// <summary>Adds a stack (root first) and returns its id.</summary>
    public ulong AddStack(ulong[] frameIdsRootFirst)
    {
        var id = ContentHash.Stack(frameIdsRootFirst);
        IndexStacks().TryAdd(id, frameIdsRootFirst);
        return id;
    }

    public ulong AddFunction(FunctionInfo function)
    {
        IndexFunctions().TryAdd(function.Id, function);
        return function.Id;
    }
}
