using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Store.Pprof;

/// <summary>
/// Functions decoded from earlier profiles, by id, shared by all decodes in the process. Entries
/// are immutable and named by their content hash, so any decode may reuse any entry. Bounded:
/// past <see cref="MaxFunctions"/> entries it starts again empty (a fleet's working set of
/// functions is far smaller; the bound only stops unbounded growth from ever-new names).
/// </summary>
internal static class FunctionInterner
{
    public const int MaxFunctions = 262_144;

    private static readonly IdTable<FunctionInfo> Functions = new(MaxFunctions, initialCapacity: 4096);

    public static bool TryGet(ulong id, out FunctionInfo? function) => Functions.TryGet(id, out function);

    public static void Add(FunctionInfo function) => Functions.GetOrAdd(function.Id, function);
}
