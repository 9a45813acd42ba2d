using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest.Pyroscope;

/// <summary>
/// The <c>name</c> parameter of <c>/ingest</c>: an application name and an optional label set,
/// <c>my.app.cpu{env=staging,region=us-west-1}</c>, read as Pyroscope's labelset.Parse reads it,
/// except that what it would silently drop is rejected. See README.md, "The name parameter".
/// </summary>
internal sealed record IngestName(string Name, IReadOnlyList<KeyValuePair<string, string>> Labels)
{
    /// <summary>Pyroscope's reserved label: in the label set it replaces the application name.</summary>
    private const string ReservedName = "__name__";

    public static IngestName Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Invalid("is missing: give the application name, e.g. name=my.app.cpu{env=staging}");
        }
        var open = text.IndexOf('{', StringComparison.Ordinal);
        var name = (open < 0 ? text : text[..open]).Trim();
        var labels = new List<KeyValuePair<string, string>>();
        if (open >= 0)
        {
            var close = text.IndexOf('}', open + 1);
            if (close < 0)
            {
                throw Invalid($"'{Quote(text)}' opens a label set with '{{' but does not close it with '}}'");
            }
            if (!text.AsSpan(close + 1).IsWhiteSpace())
            {
                throw Invalid($"'{Quote(text)}' has text after the closing '}}' of its label set");
            }
            name = ReadLabels(text, text.AsSpan(open + 1, close - open - 1), name, labels);
        }
        CheckName(name, text);
        return new IngestName(name, labels);
    }

    /// <summary>Reads <c>k=v,k=v</c>; returns the application name, which a <c>__name__</c> label replaces.</summary>
    private static string ReadLabels(string text, ReadOnlySpan<char> set, string name, List<KeyValuePair<string, string>> labels)
    {
        foreach (var range in set.Split(','))
        {
            var pair = set[range];
            var eq = pair.IndexOf('=');
            if (eq < 0)
            {
                if (pair.IsWhiteSpace())
                {
                    // "a=b," and "{ }": nothing, as in Pyroscope.
                    continue;
                }
                throw Invalid($"the label '{Quote(pair.Trim().ToString())}' in '{Quote(text)}' has no value: write name=value");
            }
            var key = pair[..eq].Trim().ToString();
            var value = pair[(eq + 1)..].Trim().ToString();
            if (key.Length == 0)
            {
                throw Invalid($"a label in '{Quote(text)}' has no name before '='");
            }
            if (key == ReservedName)
            {
                name = value;
                continue;
            }
            if (key.AsSpan().ContainsAnyExcept(NameChars.LabelNameChars))
            {
                throw Invalid($"the label name '{Quote(key)}' has a character other than letters, digits, '_' and '.'");
            }
            // A later value replaces an earlier one (Pyroscope keeps labels in a map).
            labels.RemoveAll(l => l.Key == key);
            labels.Add(new(key, value));
        }
        return name;
    }

    private static void CheckName(string name, string text)
    {
        if (name.Length == 0)
        {
            throw Invalid($"'{Quote(text)}' has no application name before its label set");
        }
        var bad = name.AsSpan().IndexOfAnyExcept(NameChars.AppNameChars);
        if (bad >= 0)
        {
            throw Invalid($"the application name '{Quote(name)}' has the character '{name[bad]}': use letters, digits, '_', '.', '-' and '/'");
        }
    }

    private static ProfileRejectedException Invalid(string what) => new(RejectReason.InvalidRequest, $"parameter 'name': {what}.");

    private static string Quote(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");
}

/// <summary>The characters Pyroscope's labelset package allows.</summary>
internal static class NameChars
{
    public static readonly System.Buffers.SearchValues<char> LabelNameChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.");

    public static readonly System.Buffers.SearchValues<char> AppNameChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/");
}
