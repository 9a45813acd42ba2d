using System.Runtime.InteropServices;
using Google.Protobuf;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Collector.Ingest.Pyroscope;

/// <summary>What /ingest does to a pprof body beyond decoding it, after a given agent.</summary>
[Flags]
internal enum PprofFixes : byte
{
    None = 0,
    /// <summary>rbspy, "scripting": function names become "file name" (Pyroscope's workaround to show files in flame graphs).</summary>
    ScriptNames = 1,
    /// <summary>pyspy: the same, except for functions whose file name is an absolute path.</summary>
    ScriptNamesRelativeOnly = 2,
    /// <summary>dotnetspy: '-' in sample type names becomes '_' (alloc-samples → alloc_samples).</summary>
    DotnetSampleTypes = 4,
}

/// <summary>
/// Pyroscope's rules for pprof sent to /ingest (pkg/og/convert/pprof/profile.go): the profile
/// name from the sample types and their display names, and the per-agent fixes.
/// </summary>
internal static class PprofIngestRules
{
    /// <summary>
    /// The profile name (<c>__name__</c>) as Pyroscope's metricName picks it: <c>wall</c> if a
    /// sample type is named wall; else, for the first sample type whose name (or display name)
    /// contains cpu → process_cpu; alloc_, inuse_, or is space/objects → memory; mutex_ → mutex;
    /// block_ → block; goroutines → goroutines; else the last sample type's (display) name.
    /// </summary>
    public static string? ProfileName(IReadOnlyList<string> sampleTypes, IReadOnlyDictionary<string, SampleTypeConfig?> configs)
    {
        if (sampleTypes.Contains("wall", StringComparer.Ordinal))
        {
            return "wall";
        }
        string? name = null;
        foreach (var type in sampleTypes)
        {
            name = configs.GetValueOrDefault(type) is { DisplayName: { Length: > 0 } display } ? display : type;
            if (name.Contains("cpu", StringComparison.Ordinal))
            {
                return "process_cpu";
            }
            if (name.Contains("alloc_", StringComparison.Ordinal) || name.Contains("inuse_", StringComparison.Ordinal) || name is "space" or "objects")
            {
                return "memory";
            }
            if (name.Contains("mutex_", StringComparison.Ordinal))
            {
                return "mutex";
            }
            if (name.Contains("block_", StringComparison.Ordinal))
            {
                return "block";
            }
            if (name.Contains("goroutines", StringComparison.Ordinal))
            {
                return "goroutines";
            }
        }
        return string.IsNullOrEmpty(name) ? null : name;
    }

    public static PprofFixes FixesFor(string spyName, IReadOnlyDictionary<string, SampleTypeConfig?>? sentConfig)
    {
        var fixes = spyName switch
        {
            "pyspy" => PprofFixes.ScriptNamesRelativeOnly,
            "rbspy" or "scripting" => PprofFixes.ScriptNames,
            _ => PprofFixes.None,
        };
        // Pyroscope's isDotnetspy: the spy, or an unnamed spy whose config has .NET's sample type names.
        if (spyName == "dotnetspy" || (spyName == PyroscopeIngestRequest.DefaultSpyName && sentConfig?.ContainsKey("inuse-space") == true))
        {
            fixes |= PprofFixes.DotnetSampleTypes;
        }
        return fixes;
    }

    /// <summary>Sample type names as the fixes leave them (for choosing the profile name).</summary>
    public static IReadOnlyList<string> FixSampleTypeNames(IReadOnlyList<string> names, PprofFixes fixes) =>
        (fixes & PprofFixes.DotnetSampleTypes) != 0 ? [.. names.Select(n => n.Replace('-', '_'))] : names;

    /// <summary>
    /// An old .NET agent wrote every function id as 0, one function per location, in location
    /// order; Pyroscope gives each function its location's id. Returns the fixed profile bytes,
    /// or null when the profile does not have this defect.
    /// </summary>
    public static byte[]? FixDotnetFunctionIds(ReadOnlySpan<byte> rawProfile, PprofSummary summary)
    {
        if (summary.Functions == 0 || !summary.FunctionIdsAllZero || summary.Functions != summary.Locations)
        {
            return null;
        }
        GrafanaProfiles.Schema.Pprof.Profile profile;
        try
        {
            IngestCounters.CountPprofParse();
            profile = GrafanaProfiles.Schema.Pprof.Profile.Parser.ParseFrom(rawProfile);
        }
        catch (InvalidProtocolBufferException)
        {
            // The decoder reads the bytes as sent and says what is wrong with them.
            return null;
        }
        for (var i = 0; i < profile.Location.Count; i++)
        {
            profile.Function[i].Id = profile.Location[i].Id;
        }
        return profile.ToByteArray();
    }

    /// <summary>Applies the fixes that change the decoded batch (names of functions and sample types).</summary>
    public static ProfileBatch Apply(ProfileBatch batch, PprofFixes fixes)
    {
        if ((fixes & (PprofFixes.ScriptNames | PprofFixes.ScriptNamesRelativeOnly)) != 0)
        {
            batch = RenameFunctions(batch, relativeOnly: (fixes & PprofFixes.ScriptNames) == 0);
        }
        if ((fixes & PprofFixes.DotnetSampleTypes) != 0)
        {
            batch = RenameSampleTypes(batch);
        }
        return batch;
    }

    /// <summary>"file name" for each function (Pyroscope's FixFunctionNamesForScriptingLanguages).</summary>
    private static ProfileBatch RenameFunctions(ProfileBatch batch, bool relativeOnly)
    {
        var result = new ProfileBatch();
        var functions = new Dictionary<ulong, ulong>(batch.IndexFunctions().Count);
        foreach (var (id, f) in batch.IndexFunctions())
        {
            var keep = relativeOnly && f.Filename.StartsWith('/');
            functions[id] = result.AddFunction(keep ? f : new FunctionInfo($"{f.Filename} {f.Name}", f.SystemName, f.Filename, f.StartLine));
        }
        var stacks = new Dictionary<ulong, ulong>(batch.IndexStacks().Count);
        foreach (var (id, frames) in batch.IndexStacks())
        {
            stacks[id] = result.AddStack([.. frames.Select(f => functions[f])]);
        }
        foreach (var profile in batch.Profiles)
        {
            var renamed = new SeriesProfile(profile.TimeNanos, profile.DurationNanos, profile.ServiceName, profile.ProfileType, profile.Labels);
            // Two stacks may now be one: sum their rows, first seen first.
            var rows = new Dictionary<(ulong Stack, ulong Span), int>();
            foreach (var row in profile.Samples)
            {
                var key = (stacks[row.StackId], row.SpanId);
                ref var index = ref CollectionsMarshal.GetValueRefOrAddDefault(rows, key, out var exists);
                if (exists)
                {
                    var sum = renamed.Samples[index];
                    if (row.Value > 0 ? sum.Value > long.MaxValue - row.Value : sum.Value < long.MinValue - row.Value)
                    {
                        throw new ProfileRejectedException(RejectReason.InvalidProfile,
                            "The profile is not valid: after naming functions by file, the values of one stack overflow a 64-bit integer.");
                    }
                    renamed.Samples[index] = sum with { Value = sum.Value + row.Value };
                }
                else
                {
                    index = renamed.Samples.Count;
                    renamed.Samples.Add(new SampleRow(key.Item1, row.Value, row.SpanId));
                }
            }
            result.Profiles.Add(renamed);
        }
        return result;
    }

    /// <summary>'-' → '_' in the sample type part of each profile type (Pyroscope's fixSampleTypes for .NET).</summary>
    private static ProfileBatch RenameSampleTypes(ProfileBatch batch)
    {
        for (var i = 0; i < batch.Profiles.Count; i++)
        {
            var profile = batch.Profiles[i];
            if (!ProfileType.TryParse(profile.ProfileType, out var type) || !type.SampleType.Contains('-', StringComparison.Ordinal))
            {
                continue;
            }
            var renamed = new SeriesProfile(profile.TimeNanos, profile.DurationNanos, profile.ServiceName,
                (type with { SampleType = type.SampleType.Replace('-', '_') }).Id, profile.Labels);
            renamed.Samples.AddRange(profile.Samples);
            batch.Profiles[i] = renamed;
        }
        return batch;
    }
}
