using System.CommandLine;
using System.Globalization;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Collector.Commands;

/// <summary><c>ingest FILE...</c>: loads pprof files (gzipped or raw) into the store.</summary>
internal static class IngestCommand
{
    public static Command Create()
    {
        var files = new Argument<FileInfo[]>("files") { Description = "pprof files (.pb.gz or raw protobuf)", Arity = ArgumentArity.OneOrMore };
        var dataDir = CommonOptions.DataDirectory();
        var tenant = CommonOptions.Tenant();
        var service = new Option<string?>("--service") { Description = "service_name of the profiles (default: the file name up to its first '.' or '-')" };
        var labels = new Option<string[]>("--label") { Description = "Extra series label as name=value; may repeat" };
        var profileName = new Option<string?>("--profile-name") { Description = "Profile name when the period type does not tell it (for example block rather than mutex)" };
        var config = new Option<FileInfo?>("--config") { Description = "JSON config file whose recording_rules are evaluated as the files are flushed (into the store's metrics files)" };
        var command = new Command("ingest", "Load pprof files into the store and print what each one held.") { files, dataDir, tenant, service, labels, profileName, config };
        command.SetAction(async (parse, cancellationToken) =>
        {
            LabelSet extra;
            try
            {
                extra = ParseLabels(parse.GetValue(labels) ?? []);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
            Rules.RuleEvaluator? rules;
            try
            {
                rules = RulesOf(parse.GetValue(config));
            }
            catch (Hosting.SettingsException e)
            {
                Console.Error.WriteLine("Invalid settings: " + e.Message);
                return 2;
            }
            using var disposeRules = rules;
            var options = new StoreOptions { DataDirectory = parse.GetValue(dataDir)!.FullName, FlushObserver = rules };
            await using var writer = await ProfileWriter.OpenAsync(options, PprofWalCodec.Decoders, cancellationToken: cancellationToken);
            var failures = 0;
            foreach (var file in parse.GetValue(files)!)
            {
                try
                {
                    var decode = new PprofDecodeOptions
                    {
                        ServiceName = parse.GetValue(service) ?? ServiceFromFileName(file.Name),
                        Labels = extra,
                        ProfileName = parse.GetValue(profileName),
                    };
                    var bytes = await File.ReadAllBytesAsync(file.FullName, cancellationToken);
                    var batch = await PprofWalCodec.AppendAsync(writer, parse.GetValue(tenant)!, bytes, decode, cancellationToken);
                    foreach (var profile in batch.Profiles)
                    {
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"{file.Name}: {profile.ProfileType} service_name={profile.ServiceName}{profile.Labels} {profile.Samples.Count} stacks, total {profile.Total}"));
                    }
                }
                catch (Exception e) when (e is ProfileRejectedException or IOException)
                {
                    failures++;
                    Console.Error.WriteLine($"{file.Name}: not ingested: {e.Message}");
                }
            }
            await writer.FlushAsync(cancellationToken);
            Console.WriteLine($"Data directory: {options.DataDirectory}");
            return failures == 0 ? 0 : 1;
        });
        return command;
    }

    /// <summary>The evaluator of a config file's recording rules; null without a file or without rules.</summary>
    /// <exception cref="Hosting.SettingsException">A setting of the file is wrong.</exception>
    private static Rules.RuleEvaluator? RulesOf(FileInfo? file)
    {
        if (file is null)
        {
            return null;
        }
        var (settings, _) = Hosting.CollectorHost.LoadSettings(file.FullName, new Dictionary<string, string?>());
        return settings.RecordingRules.Rules.Count == 0
            ? null
            : new Rules.RuleEvaluator(settings.RecordingRules, null, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
    }

    internal static string ServiceFromFileName(string name)
    {
        var end = name.IndexOfAny(['.', '-']);
        return end > 0 ? name[..end] : name;
    }

    internal static LabelSet ParseLabels(IEnumerable<string> pairs) =>
        LabelSet.From(pairs.Select(p =>
        {
            var eq = p.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !LabelRules.IsValid(p.AsSpan(0, eq)))
            {
                throw new ArgumentException($"--label '{p}' is not of the form name=value with a valid label name.");
            }
            return new KeyValuePair<string, string>(p[..eq], p[(eq + 1)..]);
        }));
}
