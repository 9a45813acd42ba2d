using System.Text;
using GrafanaProfiles.Backend.Settings;

namespace GrafanaProfiles.Backend.Tests.Settings;

public class UseRollupsSettingTests
{
    [Theory]
    [InlineData("""{"dataDirectory":"/data"}""", true)]
    [InlineData("""{"dataDirectory":"/data","useRollups":true}""", true)]
    [InlineData("""{"dataDirectory":"/data","useRollups":false}""", false)]
    public void UseRollups_ReachesTheStoreReader(string json, bool expected)
    {
        var settings = PluginSettings.Parse(Encoding.UTF8.GetBytes(json));
        Assert.Equal(expected, settings.UseRollups);
        using var instance = new DataSourceInstance("uid", 1, settings);
        Assert.Equal(expected, instance.Reader.Options.UseRollups);
    }
}
