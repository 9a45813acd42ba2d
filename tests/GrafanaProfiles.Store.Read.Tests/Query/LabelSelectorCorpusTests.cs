using GrafanaProfiles.Store.Query.Selectors;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Store.Read.Tests.Query;

/// <summary>
/// The fuzzing corpus of the selector parser (tests/testdata/fuzz/selector: seeds and the inputs that
/// found something): each parses, and its canonical form parses back, or it is refused with
/// <see cref="SelectorParseException"/>.
/// </summary>
public sealed class LabelSelectorCorpusTests
{
    public static TheoryData<string> Inputs() => [.. FuzzCorpus.Inputs("selector")];

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Parse_CorpusInput_SelectorOrParseError(string input)
    {
        var text = FuzzCorpus.Text(FuzzCorpus.Read(input));
        try
        {
            var selector = LabelSelector.Parse(text);
            Assert.Equal(selector.ToString(), LabelSelector.Parse(selector.ToString()).ToString());
        }
        catch (SelectorParseException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
        }
    }

    [Theory]
    [InlineData("""{a="\UFFFFFFFF"}""", "U+FFFFFFFF is not a Unicode scalar value")]
    [InlineData("""{a="\U99999999"}""", "U+99999999 is not a Unicode scalar value")]
    [InlineData("""{a="\U80000000"}""", "U+80000000 is not a Unicode scalar value")]
    [InlineData("""{a="\U0000D800"}""", "U+D800 is not a Unicode scalar value")]
    public void Parse_EscapeBeyondInt32_InvalidEscapeNamingTheValue(string text, string message)
    {
        var e = Assert.Throws<SelectorParseException>(() => LabelSelector.Parse(text));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
