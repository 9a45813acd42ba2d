namespace GrafanaProfiles.Backend;

internal static class Program
{
    public static int Main(string[] args) => Plugin.PluginMain.Run(args);
}
