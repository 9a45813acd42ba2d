using System.CommandLine;
using GrafanaProfiles.Collector.Commands;

var serve = ServeCommand.Create();
var root = new RootCommand("Grafana Profiles collector: takes profiles in and stores them as Parquet for the Grafana plugin.")
{
    serve,
    IngestCommand.Create(),
    DemoCommand.Create(),
};
// `serve` is the default: with no command (or only options), run the service.
if (args.Length == 0 || args[0].StartsWith('-') && args[0] is not ("-h" or "--help" or "-?" or "--version"))
{
    args = ["serve", .. args];
}
return await root.Parse(args).InvokeAsync();
