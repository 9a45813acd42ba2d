using System.Text;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Store.Ingest;

/// <summary>
/// The rules for series label names and values, with the messages that tell the sender which
/// limit a label broke. Names match <c>[a-zA-Z_][a-zA-Z0-9_.]*</c> (Prometheus names plus dots,
/// for OpenTelemetry names such as <c>otel.scope.name</c>); lengths are counted in UTF-8 bytes.
/// </summary>
public static class LabelChecks
{
    /// <summary>How much of an offending name or value a message quotes.</summary>
    private const int QuotedLength = 64;

    public static void CheckName(ReadOnlySpan<byte> utf8Name, IngestLimits limits, string where)
    {
        if (utf8Name.Length > limits.MaxLabelNameLength)
        {
            throw new ProfileRejectedException(
                RejectReason.LabelNameTooLong,
                $"The label name '{Quote(utf8Name)}' is {utf8Name.Length} bytes, over the limit max_label_name_length={limits.MaxLabelNameLength} ({where}). Use a shorter name or raise the limit.");
        }
        if (!LabelRules.IsValid(utf8Name))
        {
            throw new ProfileRejectedException(
                RejectReason.InvalidLabelName,
                $"The label name '{Quote(utf8Name)}' is not valid ({where}): label names must match [a-zA-Z_][a-zA-Z0-9_.]*.");
        }
    }

    public static void CheckValue(ReadOnlySpan<byte> utf8Name, int valueLength, IngestLimits limits, string where)
    {
        if (valueLength > limits.MaxLabelValueLength)
        {
            throw new ProfileRejectedException(
                RejectReason.LabelValueTooLong,
                $"The label value of '{Quote(utf8Name)}' is {valueLength} bytes, over the limit max_label_value_length={limits.MaxLabelValueLength} ({where}). Use a shorter value or raise the limit.");
        }
    }

    public static void CheckCount(LabelSet labels, IngestLimits limits, string where)
    {
        if (labels.Count > limits.MaxLabelsPerSeries)
        {
            throw new ProfileRejectedException(
                RejectReason.TooManyLabels,
                $"The series {Quote(labels.ToString())} has {labels.Count} labels, over the limit max_labels_per_series={limits.MaxLabelsPerSeries} ({where}). Use fewer labels or raise the limit.");
        }
    }

    /// <summary>Checks labels given as strings (the sender's series labels).</summary>
    public static void Check(LabelSet labels, IngestLimits limits, string where)
    {
        foreach (var (name, value) in labels)
        {
            var utf8Name = Encoding.UTF8.GetBytes(name);
            CheckName(utf8Name, limits, where);
            CheckValue(utf8Name, Encoding.UTF8.GetByteCount(value), limits, where);
        }
        CheckCount(labels, limits, where);
    }



    private static string Quote(ReadOnlySpan<byte> utf8) => Quote(Encoding.UTF8.GetString(utf8[..Math.Min(utf8.Length, QuotedLength * 4)]));

    private static string Quote(string text) => text.Length <= QuotedLength ? text : string.Concat(text.AsSpan(0, QuotedLength), "…");
}
