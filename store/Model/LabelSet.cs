using System.Collections;

namespace GrafanaProfiles.Store.Model;

/// <summary>
/// An immutable set of label pairs sorted by name (names unique). <c>service_name</c> is not part of
/// it: the store keeps it in its own column.
/// </summary>
public sealed class LabelSet : IReadOnlyList<KeyValuePair<string, string>>, IEquatable<LabelSet>
{
    private readonly KeyValuePair<string, string>[] _pairs;

    public static readonly LabelSet Empty = new([]);

    private LabelSet(KeyValuePair<string, string>[] sortedPairs) => _pairs = sortedPairs;

    /// <summary>Builds a set; a later pair with the same name replaces an earlier one.</summary>
    public static LabelSet From(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in pairs)
        {
            map[k] = v;
        }
        return map.Count == 0 ? Empty : new LabelSet([.. map]);
    }

    public static LabelSet From(IReadOnlyDictionary<string, string> pairs) => From((IEnumerable<KeyValuePair<string, string>>)pairs);

    public int Count => _pairs.Length;

    public KeyValuePair<string, string> this[int index] => _pairs[index];

    public string? Get(string name)
    {
        foreach (var (k, v) in _pairs)
        {
            if (string.Equals(k, name, StringComparison.Ordinal))
            {
                return v;
            }
        }
        return null;
    }

    /// <summary>A new set with these pairs added or replaced.</summary>
    public LabelSet With(IEnumerable<KeyValuePair<string, string>> more) => From(_pairs.Concat(more));

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, string>>)_pairs).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(LabelSet? other) => other is not null && _pairs.AsSpan().SequenceEqual(other._pairs);

    public override bool Equals(object? obj) => Equals(obj as LabelSet);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var (k, v) in _pairs)
        {
            hash.Add(k);
            hash.Add(v);
        }
        return hash.ToHashCode();
    }

    public override string ToString() => "{" + string.Join(", ", _pairs.Select(p => $"{p.Key}=\"{p.Value}\"")) + "}";
}
