using GrafanaProfiles.Schema.Otlp.Collector.Profiles.V1Development;
using GrafanaProfiles.Schema.Otlp.Profiles.V1Development;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Collector.Ingest.Otlp;

/// <summary>
/// Converts one parsed export request into a <see cref="ProfileBatch"/>, profile by profile.
/// Split by concern: the dictionary (table lookups, symbols, frames, stacks), labels (attributes,
/// service name) and samples (profile type, values, series). What it resolves from the shared
/// dictionary (functions, location frames, stacks, attributes) is resolved once per request and
/// only when a profile uses it, so a bad entry rejects only the profiles that reference it.
/// </summary>
internal sealed partial class OtlpConverter
{
    private readonly ExportProfilesServiceRequest _request;
    private readonly ProfilesDictionary _dictionary;
    private readonly IngestLimits _limits;
    private readonly TimeProvider _clock;
    private readonly ProfileBatch _batch = new();

    /// <summary>Set when the batch may hold stacks or functions no stored profile references.</summary>
    private bool _mayHaveOrphans;

    public OtlpConverter(ExportProfilesServiceRequest request, IngestLimits limits, TimeProvider clock)
    {
        _request = request;
        _dictionary = request.Dictionary ?? new ProfilesDictionary();
        _limits = limits;
        _clock = clock;
        _functionFrames = new ulong?[_dictionary.FunctionTable.Count];
        _locationFrames = new ulong[]?[_dictionary.LocationTable.Count];
        _stackIds = new ulong?[_dictionary.StackTable.Count];
        _attributes = new ResolvedAttribute?[_dictionary.AttributeTable.Count];
    }

    public (ProfileBatch Batch, int Accepted, IReadOnlyList<OtlpRejectedProfile> Rejected) Convert()
    {
        CheckDictionary();
        var accepted = 0;
        var rejected = new List<OtlpRejectedProfile>();
        var resources = _request.ResourceProfiles;
        for (var r = 0; r < resources.Count; r++)
        {
            var resource = resources[r];
            var resourceLabels = Attempt(() => ResourceLabels(resource.Resource));
            for (var s = 0; s < resource.ScopeProfiles.Count; s++)
            {
                var scope = resource.ScopeProfiles[s];
                var scopeLabels = Attempt(() => ScopeLabels(scope.Scope));
                for (var p = 0; p < scope.Profiles.Count; p++)
                {
                    try
                    {
                        var context = new LabelLayers(resourceLabels.Get(), scopeLabels.Get());
                        _batch.Profiles.AddRange(ConvertProfile(scope.Profiles[p], context));
                        accepted++;
                    }
                    catch (ProfileRejectedException e)
                    {
                        rejected.Add(new OtlpRejectedProfile($"resource_profiles[{r}].scope_profiles[{s}].profiles[{p}]", e.Reason, e.Message));
                        _mayHaveOrphans = true;
                    }
                }
            }
        }
        if (_mayHaveOrphans)
        {
            RemoveOrphans();
        }
        return (_batch, accepted, rejected);
    }

    /// <summary>Entry 0 of the string table is the empty string: index 0 means "no string" everywhere.</summary>
    private void CheckDictionary()
    {
        if (_dictionary.StringTable.Count > 0 && _dictionary.StringTable[0].Length != 0)
        {
            throw new ProfileRejectedException(
                RejectReason.InvalidProfile,
                $"dictionary.string_table[0] is '{Quote(_dictionary.StringTable[0])}', but it must be the empty string (OTLP: index 0 of every dictionary table is the zero value).");
        }
    }

    /// <summary>
    /// Drops the stacks and functions that only rejected profiles (or zero-valued samples) used, so
    /// that the batch carries exactly what its profiles reference.
    /// </summary>
    private void RemoveOrphans()
    {
        var stacks = new HashSet<ulong>();
        foreach (var profile in _batch.Profiles)
        {
            foreach (var row in profile.Samples)
            {
                stacks.Add(row.StackId);
            }
        }
        var functions = new HashSet<ulong>();
        foreach (var (id, frames) in _batch.IndexStacks())
        {
            if (stacks.Contains(id))
            {
                functions.UnionWith(frames);
            }
        }
        foreach (var id in _batch.IndexStacks().Keys.Where(id => !stacks.Contains(id)).ToList())
        {
            _batch.IndexStacks().Remove(id);
        }
        foreach (var id in _batch.IndexFunctions().Keys.Where(id => !functions.Contains(id)).ToList())
        {
            _batch.IndexFunctions().Remove(id);
        }
    }

    /// <summary>A value computed once for several profiles, or the rejection each of them gets.</summary>
    private readonly struct Outcome<T>(T? value, ProfileRejectedException? error)
    {
        public T Get() => error is null ? value! : throw new ProfileRejectedException(error.Reason, error.Message);
    }

    private static Outcome<T> Attempt<T>(Func<T> compute)
    {
        try
        {
            return new Outcome<T>(compute(), null);
        }
        catch (ProfileRejectedException e)
        {
            return new Outcome<T>(default, e);
        }
    }

    private static ProfileRejectedException Invalid(string message) => new(RejectReason.InvalidProfile, message);

    /// <summary>How much of a sender's text a message quotes.</summary>
    private static string Quote(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");
}
