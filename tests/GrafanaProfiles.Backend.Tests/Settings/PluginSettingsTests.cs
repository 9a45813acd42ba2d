using System.Text;
using GrafanaProfiles.Backend.Settings;

namespace GrafanaProfiles.Backend.Tests.Settings;

public class PluginSettingsTests
{
    private static PluginSettings Parse(string json, Dictionary<string, string>? secure = null) =>
        PluginSettings.Parse(Encoding.UTF8.GetBytes(json), secure);

    [Fact]
    public void Parse_AllSettings_ReadsEach()
    {
        var s = Parse("""{"dataDirectory":"/data","tenant":"team-a","defaultProfileType":"memory:alloc_space:bytes:space:bytes","queryTimeout":"5s","memoryLimit":"512MB","rowLimit":"2000","minStep":"1m"}""");
        Assert.Equal("/data", s.DataDirectory);
        Assert.Equal("team-a", s.Tenant);
        Assert.Equal("memory:alloc_space:bytes:space:bytes", s.DefaultProfileType);
        Assert.Equal(TimeSpan.FromSeconds(5), s.QueryTimeout);
        Assert.Equal("512MB", s.MemoryLimit);
        Assert.Equal(2000, s.RowLimit);
        Assert.Equal(TimeSpan.FromMinutes(1), s.MinStep);
    }

    [Fact]
    public void Parse_OnlyDataDirectory_UsesDefaults()
    {
        var s = Parse("""{"dataDirectory":"/data"}""");
        Assert.Equal("default", s.Tenant);
        Assert.Equal(TimeSpan.FromSeconds(30), s.QueryTimeout);
        Assert.Equal(100_000, s.RowLimit);
    }

    [Fact]
    public void Parse_SecureTenant_WinsOverJsonData()
    {
        var s = Parse("""{"dataDirectory":"/data","tenant":"a"}""", new() { ["tenant"] = "b" });
        Assert.Equal("b", s.Tenant);
    }

    [Theory]
    [InlineData("", "dataDirectory")]
    [InlineData("""{"tenant":"x"}""", "dataDirectory")]
    [InlineData("""[1]""", "jsonData")]
    [InlineData("""{"dataDirectory":"/d","tenant":"../etc"}""", "tenant")]
    [InlineData("""{"dataDirectory":"/d","queryTimeout":"soon"}""", "queryTimeout")]
    [InlineData("""{"dataDirectory":"/d","queryTimeout":"5h"}""", "queryTimeout")]
    [InlineData("""{"dataDirectory":"/d","memoryLimit":"lots"}""", "memoryLimit")]
    [InlineData("""{"dataDirectory":"/d","rowLimit":0}""", "rowLimit")]
    [InlineData("""{"dataDirectory":"/d","defaultProfileType":"cpu"}""", "defaultProfileType")]
    public void Parse_BadValue_NamesTheSetting(string json, string setting)
    {
        var e = Assert.Throws<SettingsException>(() => Parse(json));
        Assert.Equal(setting, e.Setting);
    }
}
