using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Store.Pprof;

/// <summary>
/// Frame arrays of stacks decoded from earlier profiles, by stack id, shared by all decodes in the
/// process (as <see cref="FunctionInterner"/> shares functions). A service sends the same stacks in
/// every profile, so a decode reuses the array instead of allocating one per stack and profile
/// (scale-1 benchmark: 152 stacks of mean depth 21 per profile, about 29 KB; with the pooled log
/// envelope, allocation went from about 145 to 101 KiB per ingested profile). Entries are
/// immutable and named by their content hash. Bounded: past <see cref="MaxStacks"/> entries it
/// starts again empty.
/// </summary>
internal static class StackInterner
{
    public const int MaxStacks = 131_072;

    /// <summary>Stacks interned this many places ahead of the one being resolved (their table slots, then their entries, fetched into the cache meanwhile).</summary>
    private const int PrefetchDistance = 8;

    private static readonly IdTable<SharedStack> Stacks = new(MaxStacks, initialCapacity: 4096);

    /// <summary>The shared entry of the stack, stored now if it was not known.</summary>
    public static SharedStack Get(ulong stackId, ReadOnlySpan<ulong> framesRootFirst) =>
        Stacks.TryGet(stackId, out var known) ? known : Stacks.GetOrAdd(stackId, new SharedStack(stackId, framesRootFirst.ToArray()));

    /// <summary>
    /// Adds to <paramref name="into"/> the shared entry of each stack <paramref name="ids"/>[i],
    /// whose frames are <paramref name="frames"/> from <paramref name="starts"/>[i] to the next
    /// start (or the end), storing the ones not known yet. All of a profile's stacks in one call:
    /// the table and its entries (about 68,000 stacks at scale 1) are mostly out of the caches
    /// inside the write path, and a profile's ~150 lookups, made one after another with the
    /// prefetch of later ones under way (slots 16 ahead, entries 8 ahead), wait for memory together
    /// instead of one at a time (docs/benchmarks.md, change 36).
    /// </summary>
    public static void GetAll(ReadOnlySpan<ulong> ids, ReadOnlySpan<int> starts, ReadOnlySpan<ulong> frames, List<SharedStack> into)
    {
        for (var i = 0; i < Math.Min(2 * PrefetchDistance, ids.Length); i++)
        {
            Stacks.PrefetchSlot(ids[i]);
        }
        for (var i = 0; i < ids.Length; i++)
        {
            if (i + (2 * PrefetchDistance) < ids.Length)
            {
                Stacks.PrefetchSlot(ids[i + (2 * PrefetchDistance)]);
            }
            if (i + PrefetchDistance < ids.Length)
            {
                Stacks.PrefetchValue(ids[i + PrefetchDistance]);
            }
            var end = i + 1 < ids.Length ? starts[i + 1] : frames.Length;
            into.Add(Get(ids[i], frames[starts[i]..end]));
        }
    }
}
