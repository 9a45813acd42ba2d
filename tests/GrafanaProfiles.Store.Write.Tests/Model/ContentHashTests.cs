using System.Text;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Store.Write.Tests.Model;

public sealed class ContentHashTests
{
    [Theory]
    [InlineData("", 0xEF46DB3751D8E999UL)]
    [InlineData("a", 0xD24EC4F1A98C6E5BUL)]
    [InlineData("abc", 0x44BC2CF5AD770999UL)]
    [InlineData("Nobody inspects the spammish repetition", 0xFBCEA83C8A378BF1UL)]
    public void XxHash64_KnownVectors_Match(string input, ulong expected)
    {
        Assert.Equal(expected, ContentHash.XxHash64(Encoding.UTF8.GetBytes(input)));
    }

    [Fact]
    public void XxHash64_LongInputs_UseAllFourLanes()
    {
        // Every length from 0 to 100 must hash differently (covers the 32-byte stripes and all tails).
        var data = Enumerable.Range(0, 100).Select(i => (byte)(i * 7)).ToArray();
        var hashes = Enumerable.Range(0, 101).Select(n => ContentHash.XxHash64(data.AsSpan(0, n))).ToHashSet();
        Assert.Equal(101, hashes.Count);
    }

    [Theory]
    [InlineData("main", "main", "main.go", 10)]
    [InlineData("", "", "", 0)]
    [InlineData("github.com/acme/app/internal/orders.(*Service).Create", "", "/app/internal/orders/service.go", -3)]
    [InlineData("名前", "système", "/src/ü.go", long.MaxValue)]
    public void FunctionOfUtf8_GivesTheIdOfTheDecodedStrings(string name, string systemName, string filename, long line)
    {
        var utf8 = System.Text.Encoding.UTF8;
        Assert.Equal(ContentHash.Function(name, systemName, filename, line),
            ContentHash.FunctionOfUtf8(utf8.GetBytes(name), utf8.GetBytes(systemName), utf8.GetBytes(filename), line));
        // Longer than the stack buffer: the pooled path.
        var longName = new string('x', 700) + name;
        Assert.Equal(ContentHash.Function(longName, systemName, filename, line),
            ContentHash.FunctionOfUtf8(utf8.GetBytes(longName), utf8.GetBytes(systemName), utf8.GetBytes(filename), line));
        Assert.NotEqual(ContentHash.Function(name + "a", systemName, filename, line),
            ContentHash.FunctionOfUtf8(utf8.GetBytes(name), utf8.GetBytes("a" + systemName), utf8.GetBytes(filename), line));
    }

    [Fact]
    public void Ids_DependOnContentOnly()
    {
        Assert.Equal(ContentHash.Function("main", "main", "main.go", 10), new FunctionInfo("main", "main", "main.go", 10).Id);
        Assert.NotEqual(ContentHash.Function("ab", "", "", 0), ContentHash.Function("a", "b", "", 0));
        Assert.NotEqual(ContentHash.Stack([1, 2]), ContentHash.Stack([2, 1]));
        var a = LabelSet.From(new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" });
        var b = LabelSet.From(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" });
        Assert.Equal(ContentHash.Series("api", a), ContentHash.Series("api", b));
        Assert.NotEqual(ContentHash.Series("api", a), ContentHash.Series("web", a));
    }
}
