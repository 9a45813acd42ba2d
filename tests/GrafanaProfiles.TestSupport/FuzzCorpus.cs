using System.Text;

namespace GrafanaProfiles.TestSupport;

/// <summary>
/// The fuzzing corpus, tests/testdata/fuzz/&lt;target&gt;/: the seeds of the text targets and every
/// input the fuzzing command (tests/GrafanaProfiles.Fuzz) saved for a finding. The parsers' tests
/// replay each file and assert it is accepted or refused with the parser's refusal type.
/// </summary>
public static class FuzzCorpus
{
    private static string TestData => Path.Combine(RepoPaths.Root, "tests", "testdata");

    /// <summary>
    /// The inputs a parser's replay test runs, as paths under tests/testdata: the given seed files
    /// (committed test data) and every file of tests/testdata/fuzz/<paramref name="target"/>.
    /// </summary>
    public static IReadOnlyList<string> Inputs(string target, params string[] seeds)
    {
        var directory = Path.Combine(TestData, "fuzz", target);
        IEnumerable<string> corpus = System.IO.Directory.Exists(directory)
            ? System.IO.Directory.GetFiles(directory).Select(p => Path.GetRelativePath(TestData, p).Replace('\\', '/')).Order(StringComparer.Ordinal)
            : [];
        return [.. seeds, .. corpus];
    }

    /// <summary>The committed files of a tests/testdata folder matching a pattern, as paths under tests/testdata.</summary>
    public static string[] Files(string folder, string pattern) =>
        [.. System.IO.Directory.GetFiles(Path.Combine(TestData, folder), pattern).Select(p => folder + "/" + Path.GetFileName(p)).Order(StringComparer.Ordinal)];

    public static byte[] Read(string input) => File.ReadAllBytes(Path.Combine(TestData, input));

    /// <summary>
    /// Turns an input's bytes into the string a text parser receives. The bytes are read as WTF-8:
    /// UTF-8 in which a three-byte sequence may encode a lone surrogate (ED A0 80 … ED BF BF), because
    /// a .NET string coming from a JSON escape such as <c>"\udfff"</c> can hold one. Other invalid
    /// bytes become U+FFFD, as ASP.NET Core's own decoding makes them.
    /// </summary>
    public static string Text(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        var i = 0;
        while (i < bytes.Length)
        {
            if (bytes[i] == 0xED && i + 2 < bytes.Length && bytes[i + 1] >= 0xA0 && bytes[i + 1] <= 0xBF && (bytes[i + 2] & 0xC0) == 0x80)
            {
                text.Append((char)(0xD000 | ((bytes[i + 1] & 0x3F) << 6) | (bytes[i + 2] & 0x3F)));
                i += 3;
                continue;
            }
            var next = i + 1;
            while (next < bytes.Length && bytes[next] != 0xED)
            {
                next++;
            }
            text.Append(Encoding.UTF8.GetString(bytes[i..next]));
            i = next;
        }
        return text.ToString();
    }
}
