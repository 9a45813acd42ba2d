using System.IO.Compression;
using Google.Protobuf;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Query;

namespace GrafanaProfiles.Store.Export;

/// <summary>What an export wrote.</summary>
/// <param name="Samples">pprof samples, one per distinct stack.</param>
/// <param name="Functions">pprof functions (and locations), one per distinct function id.</param>
/// <param name="Total">Sum of all sample values, in the profile type's unit.</param>
public sealed record PprofExportResult(int Samples, int Functions, long Total);

/// <summary>
/// Writes any selection of the store as a gzipped pprof profile (<c>perftools.profiles.Profile</c>)
/// that <c>go tool pprof</c> and other pprof tools open: values summed per stack over the selection,
/// one sample type (the selection's profile type). See README.md for the layout.
/// </summary>
public sealed partial class PprofExporter(ProfileReader reader, PprofExportOptions? options = null)
{
    public PprofExportOptions Options { get; } = options ?? new PprofExportOptions();

    /// <summary>
    /// Aggregates the selection and writes it to <paramref name="destination"/> as gzipped pprof.
    /// An empty selection writes a valid profile without samples. Throws <see cref="QueryException"/>
    /// when the selection names no valid profile type or has more stacks than
    /// <see cref="PprofExportOptions.MaxStacks"/>; nothing is written then.
    /// </summary>
    public PprofExportResult Export(ProfileSelection selection, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(selection);
        ArgumentNullException.ThrowIfNull(destination);
        var type = ProfileTypeOf(selection);
        var (aggregate, functions) = reader.Run(selection.Tenant, selection.From, selection.To, (connection, files) =>
        {
            var stacks = reader.AggregateStacks(connection, files, selection);
            CheckLimit(stacks.Count);
            return (stacks, ProfileReader.LoadFunctions(connection, files, FunctionIds(stacks)));
        }, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        var profile = Encode(aggregate, functions, type, Header(selection, type));
        using (var gzip = new GZipStream(destination, Options.Compression, leaveOpen: true))
        {
            profile.WriteTo(gzip);
        }
        return new PprofExportResult(profile.Sample.Count, profile.Function.Count, aggregate.Total);
    }

    private void CheckLimit(int stacks)
    {
        if (stacks > Options.MaxStacks)
        {
            throw new QueryException(
                $"The selection has {stacks} distinct stacks, over the limit {PprofExportOptions.MaxStacksName}={Options.MaxStacks} of a pprof export. " +
                "Narrow the time range or the label selector, or raise the limit.");
        }
    }

    /// <summary>The profile type the samples filter reads (the selection's, else the selector's).</summary>
    private static ProfileType ProfileTypeOf(ProfileSelection selection)
    {
        var id = string.IsNullOrEmpty(selection.ProfileTypeId) ? selection.Selector.ProfileTypeId : selection.ProfileTypeId;
        if (string.IsNullOrEmpty(id))
        {
            throw new QueryException(
                "The export names no profile type: set profileTypeId (for example process_cpu:cpu:nanoseconds:cpu:nanoseconds).");
        }
        return ProfileType.TryParse(id, out var type)
            ? type
            : throw new QueryException($"The profile type '{id}' is not of the form name:sample_type:sample_unit:period_type:period_unit.");
    }

    private static List<ulong> FunctionIds(StackAggregate aggregate)
    {
        var ids = new HashSet<ulong>();
        for (var i = 0; i < aggregate.Count; i++)
        {
            foreach (var f in aggregate.FramesOf(i))
            {
                ids.Add(f);
            }
        }
        return [.. ids];
    }

    private static ExportHeader Header(ProfileSelection selection, ProfileType type)
    {
        var from = UnixNanos(selection.From);
        return new ExportHeader(from, Math.Max(0, UnixNanos(selection.To) - from),
            $"Grafana Profiles export: tenant={selection.Tenant} profile_type={type.Id} selector={selection.Selector} " +
            $"from={selection.From.ToUniversalTime():O} to={selection.To.ToUniversalTime():O}");
    }

    private static long UnixNanos(DateTime utc) => (utc.ToUniversalTime() - DateTime.UnixEpoch).Ticks * 100;

    /// <summary>Profile-wide fields: time_nanos, duration_nanos and one comment naming the selection.</summary>
    internal sealed record ExportHeader(long TimeNanos, long DurationNanos, string Comment);
}
