using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace GrafanaProfiles.Store;

/// <summary>
/// Prefetch hints: start loading memory that a lookup a little later will read, so that several
/// cache misses are under way at once instead of one after another (docs/benchmarks.md, changes
/// 36 and 38). A hint never changes a result; where the processor has no prefetch instruction the
/// runtime exposes, it does nothing.
/// </summary>
internal static class CacheHint
{
    /// <summary>Whether hints do anything here: callers skip the work of finding what to prefetch when not.</summary>
    public static bool Available => Sse.IsSupported;

    /// <summary>Starts loading the cache line of <paramref name="location"/> (an array element, a field).</summary>
    public static unsafe void Prefetch<T>(ref T location)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(Unsafe.AsPointer(ref location));
        }
    }

    /// <summary>Starts loading the first cache line of the object <paramref name="target"/> refers to.</summary>
    public static unsafe void PrefetchObject(object target)
    {
        if (Sse.IsSupported)
        {
            // The object's address: a moving collection in between makes this a useless hint, nothing worse.
            Sse.Prefetch0(*(void**)Unsafe.AsPointer(ref target));
        }
    }
}
