using System.CommandLine;
using GrafanaProfiles.Collector.Hosting;
using Microsoft.AspNetCore.Builder;

namespace GrafanaProfiles.Collector.Commands;

/// <summary><c>serve</c> (the default): runs the collector service until SIGTERM/Ctrl-C, then flushes and exits.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config") { Description = "JSON config file (settings as in the README; GP_* environment variables and these options override it)" };
        var listen = new Option<string?>("--listen") { Description = "HTTP listen URL, e.g. http://0.0.0.0:4040" };
        var dataDir = new Option<DirectoryInfo?>("--data-dir") { Description = $"Data directory (env {CommonOptions.DataDirectoryVariable})" };
        var command = new Command("serve", "Run the collector service (the default command).") { config, listen, dataDir };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var overrides = new Dictionary<string, string?>();
            if (parse.GetValue(listen) is { } l)
            {
                overrides["listen"] = l;
            }
            if (parse.GetValue(dataDir) is { } d)
            {
                overrides["data_dir"] = d.FullName;
            }
            CollectorSettings settings;
            Microsoft.Extensions.Configuration.IConfiguration configuration;
            try
            {
                (settings, configuration) = CollectorHost.LoadSettings(parse.GetValue(config)?.FullName, overrides);
            }
            catch (SettingsException e)
            {
                await Console.Error.WriteLineAsync("Invalid settings: " + e.Message);
                return 2;
            }
            await using var app = CollectorHost.Build(settings, configuration);
            await app.RunAsync();
            return 0;
        });
        return command;
    }
}
