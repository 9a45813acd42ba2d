namespace GrafanaProfiles.Backend.Plugin;

/// <summary>Entry point of the plugin process (filled in by the protocol work).</summary>
internal static class PluginMain
{
    public static int Run(string[] args)
    {
        _ = args;
        Console.Error.WriteLine("This binary is a Grafana plugin; Grafana starts it.");
        return 1;
    }
}
