namespace GrafanaProfiles.Store.Query.FlameGraphs;

/// <summary>One function's row: self (as the leaf) and total (anywhere in the stack, once per stack).</summary>
public sealed record TopEntry(string Function, long Self, long Total, long SelfRight = 0, long TotalRight = 0);

/// <summary>
/// Self and total per function name over the full aggregate — never truncated by a node limit.
/// Recursion counts once per stack, as in <c>go tool pprof -top</c>'s cum column.
/// </summary>
public sealed class TopTable
{
    public required IReadOnlyList<TopEntry> Entries { get; init; }
    public required long Total { get; init; }
    public long TotalRight { get; init; }

    /// <param name="resolveNames">Maps function ids to names; functions are grouped by name.</param>
    public static TopTable Build(StackAggregate left, StackAggregate? right,
        Func<IReadOnlyCollection<ulong>, IReadOnlyDictionary<ulong, string>> resolveNames)
    {
        var functionIds = new HashSet<ulong>();
        foreach (var aggregate in right is null ? [left] : new[] { left, right })
        {
            for (var i = 0; i < aggregate.Count; i++)
            {
                foreach (var f in aggregate.FramesOf(i))
                {
                    functionIds.Add(f);
                }
            }
        }
        var names = resolveNames(functionIds);
        var nameIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var functionToName = new Dictionary<ulong, int>(functionIds.Count);
        var nameList = new List<string>();
        foreach (var id in functionIds)
        {
            var name = names.TryGetValue(id, out var n) ? n : $"unknown function 0x{id:x16}";
            if (!nameIndex.TryGetValue(name, out var index))
            {
                index = nameList.Count;
                nameList.Add(name);
                nameIndex[name] = index;
            }
            functionToName[id] = index;
        }
        var self = new long[2][] { new long[nameList.Count], new long[nameList.Count] };
        var total = new long[2][] { new long[nameList.Count], new long[nameList.Count] };
        Accumulate(left, functionToName, self[0], total[0]);
        if (right is not null)
        {
            Accumulate(right, functionToName, self[1], total[1]);
        }
        var entries = new List<TopEntry>(nameList.Count);
        for (var i = 0; i < nameList.Count; i++)
        {
            if (total[0][i] != 0 || total[1][i] != 0)
            {
                entries.Add(new TopEntry(nameList[i], self[0][i], total[0][i], self[1][i], total[1][i]));
            }
        }
        entries.Sort((a, b) =>
        {
            var c = Math.Max(b.Self, b.SelfRight).CompareTo(Math.Max(a.Self, a.SelfRight));
            if (c == 0)
            {
                c = Math.Max(b.Total, b.TotalRight).CompareTo(Math.Max(a.Total, a.TotalRight));
            }
            return c != 0 ? c : string.CompareOrdinal(a.Function, b.Function);
        });
        return new TopTable { Entries = entries, Total = left.Total, TotalRight = right?.Total ?? 0 };
    }

    private static void Accumulate(StackAggregate aggregate, Dictionary<ulong, int> functionToName, long[] self, long[] total)
    {
        // stamp[name] == stack index + 1 marks a name already counted for this stack (recursion once).
        var stamp = new int[self.Length];
        for (var i = 0; i < aggregate.Count; i++)
        {
            var value = aggregate.Values[i];
            var frames = aggregate.FramesOf(i);
            if (frames.Length == 0)
            {
                continue;
            }
            self[functionToName[frames[^1]]] += value;
            foreach (var f in frames)
            {
                var name = functionToName[f];
                if (stamp[name] != i + 1)
                {
                    stamp[name] = i + 1;
                    total[name] += value;
                }
            }
        }
    }
}
