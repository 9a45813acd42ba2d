using System.CommandLine;
using GrafanaProfiles.Collector.Commands;

var root = new RootCommand("Grafana Profiles collector: takes profiles in and stores them as Parquet for the Grafana plugin.")
{
    IngestCommand.Create(),
    DemoCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
