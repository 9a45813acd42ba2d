using System.CommandLine;

namespace GrafanaProfiles.Collector.Commands;

/// <summary>Options shared by the commands, with their environment-variable fallbacks.</summary>
internal static class CommonOptions
{
    public const string DataDirectoryVariable = "GP_DATA_DIR";

    public static Option<DirectoryInfo> DataDirectory() => new("--data-dir")
    {
        Description = $"Directory of the Parquet files and the write-ahead log (env {DataDirectoryVariable}; default ./data).",
        DefaultValueFactory = _ => new DirectoryInfo(Environment.GetEnvironmentVariable(DataDirectoryVariable) is { Length: > 0 } d ? d : "data"),
    };

    public static Option<string> Tenant() => new("--tenant")
    {
        Description = "Tenant whose partitions receive the data.",
        DefaultValueFactory = _ => "default",
    };
}
