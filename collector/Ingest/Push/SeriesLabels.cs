using GrafanaProfiles.Schema.Pyroscope.Push.V1;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Collector.Ingest.Push;

/// <summary>
/// The labels of a <c>RawProfileSeries</c> as the store keeps them: <c>service_name</c> (fallback
/// <c>unknown_service</c>), <c>__name__</c> as the profile name, Pyroscope's other private
/// <c>__…__</c> labels dropped, labels with empty values dropped, the rest series labels.
/// </summary>
internal sealed record SeriesLabels(string ServiceName, string? ProfileName, LabelSet Labels)
{
    public const string FallbackServiceName = "unknown_service";
    private const string NameLabel = "__name__";

    public static SeriesLabels From(RawProfileSeries series, int index)
    {
        string? service = null;
        string? name = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var labels = new List<KeyValuePair<string, string>>(series.Labels.Count);
        foreach (var pair in series.Labels)
        {
            if (!seen.Add(pair.Name))
            {
                throw new ProfileRejectedException(
                    RejectReason.InvalidLabelName,
                    $"series {index}: the label '{Quote(pair.Name)}' appears more than once; label names of a series must be unique.");
            }
            if (pair.Name == LabelRules.ServiceName)
            {
                service = pair.Value;
            }
            else if (pair.Name == NameLabel)
            {
                name = pair.Value;
            }
            else if (pair.Value.Length > 0 && !pair.Name.StartsWith("__", StringComparison.Ordinal))
            {
                labels.Add(new(pair.Name, pair.Value));
            }
        }
        return new SeriesLabels(
            string.IsNullOrEmpty(service) ? FallbackServiceName : service,
            string.IsNullOrEmpty(name) ? null : name,
            LabelSet.From(labels));
    }

    /// <summary>For messages: <c>service_name=api, __name__=process_cpu</c>.</summary>
    public string Describe() => $"service_name={Quote(ServiceName)}{(ProfileName is null ? "" : $", __name__={Quote(ProfileName)}")}";

    private static string Quote(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");
}
