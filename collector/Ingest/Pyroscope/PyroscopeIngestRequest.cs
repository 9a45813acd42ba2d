using System.Globalization;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;
using Microsoft.Net.Http.Headers;

namespace GrafanaProfiles.Collector.Ingest.Pyroscope;

/// <summary>The body formats of Pyroscope's <c>/ingest</c>.</summary>
public enum PyroscopeFormat
{
    /// <summary>Collapsed stacks, <c>a;b;c 123</c> per line (Pyroscope's "groups"; the default).</summary>
    Folded,
    /// <summary>One stack per line, each line one sample.</summary>
    Lines,
    /// <summary>A pprof profile, raw or gzipped, as the whole body.</summary>
    Pprof,
    /// <summary>A <c>multipart/form-data</c> body with a pprof <c>profile</c> part (Go, Node.js SDKs).</summary>
    PprofForm,
    /// <summary>Pyroscope's binary trie: not read.</summary>
    Trie,
    /// <summary>Pyroscope's binary tree: not read.</summary>
    Tree,
    /// <summary>Java Flight Recorder: not read.</summary>
    Jfr,
    /// <summary>Speedscope JSON: not read.</summary>
    Speedscope,
}

/// <summary>
/// What a <c>POST /ingest</c> request says about its body, from its query parameters and
/// content type, with Pyroscope's defaults applied. See README.md for every rule.
/// </summary>
public sealed record PyroscopeIngestRequest
{
    public const int DefaultSampleRate = 100;
    public const string DefaultSpyName = "unknown";

    /// <summary>Values of <c>units</c> (Pyroscope's pkg/og/storage/metadata).</summary>
    public static IReadOnlyList<string> KnownUnits { get; } = ["samples", "objects", "goroutines", "bytes", "lock_nanoseconds", "lock_samples"];

    /// <summary>Values of <c>aggregationType</c>.</summary>
    public static IReadOnlyList<string> KnownAggregationTypes { get; } = ["sum", "average"];

    /// <summary>The application name as given, suffix included (<c>my.app.cpu</c>): Pyroscope's <c>__name__</c> of the label set.</summary>
    public required string AppName { get; init; }

    /// <summary>The labels of the <c>name</c> parameter, as given (labels with empty values left out).</summary>
    public required LabelSet Labels { get; init; }

    public required PyroscopeFormat Format { get; init; }

    /// <summary>Start of the profile window, Unix nanoseconds (<c>from</c>; now when absent).</summary>
    public required long FromUnixNanos { get; init; }

    /// <summary>End of the profile window, Unix nanoseconds (<c>until</c>; now when absent).</summary>
    public required long UntilUnixNanos { get; init; }

    /// <summary>Whether <c>from</c> was given (a pprof body keeps its own time when it was not).</summary>
    public required bool HasFrom { get; init; }

    /// <summary>Whether <c>until</c> was given (a pprof body keeps its own duration when it was not).</summary>
    public required bool HasUntil { get; init; }

    /// <summary>Samples per second (<c>sampleRate</c>): 100 when absent, not a number or negative; 0 means unknown.</summary>
    public required int SampleRate { get; init; }

    /// <summary>The agent (<c>spyName</c>, e.g. gospy, pyspy, rbspy, dotnetspy, ebpfspy): stored as the label pyroscope_spy.</summary>
    public required string SpyName { get; init; }

    /// <summary><c>units</c>, recorded only: the profile type, not this, decides the unit (as in Pyroscope).</summary>
    public required string Units { get; init; }

    /// <summary>
    /// <c>aggregationType</c> (sum or average), recorded only. Pyroscope v1 used it to merge a
    /// series over time (average for gauges such as in-use memory and goroutines); today's
    /// Pyroscope ignores it on ingest, and the query asks for sum or average.
    /// </summary>
    public required string AggregationType { get; init; }

    /// <summary>The request's Content-Type, as sent.</summary>
    public string? ContentType { get; init; }

    /// <summary>
    /// Reads the query parameters and content type. Throws <see cref="ProfileRejectedException"/>
    /// (<see cref="RejectReason.InvalidRequest"/>) naming the parameter at fault.
    /// </summary>
    public static PyroscopeIngestRequest Parse(IReadOnlyDictionary<string, string> query, string? contentType, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(query);
        var name = IngestName.Parse(Get(query, "name"));
        var from = Get(query, "from");
        var until = Get(query, "until");
        var nowNanos = (now - DateTimeOffset.UnixEpoch).Ticks * 100;
        var fromNanos = from is null ? nowNanos : IngestTime.Parse("from", from, now);
        var untilNanos = until is null ? nowNanos : IngestTime.Parse("until", until, now);
        if (from is not null && until is not null && untilNanos < fromNanos)
        {
            throw new ProfileRejectedException(
                RejectReason.InvalidRequest,
                $"parameters 'from' and 'until': until ({until}) is before from ({from}); the profile window is [from, until).");
        }
        return new PyroscopeIngestRequest
        {
            AppName = name.Name,
            Labels = LabelSet.From(name.Labels.Where(l => l.Value.Length > 0)),
            Format = FormatOf(Get(query, "format"), contentType),
            FromUnixNanos = fromNanos,
            UntilUnixNanos = untilNanos,
            HasFrom = from is not null,
            HasUntil = until is not null,
            SampleRate = SampleRateOf(Get(query, "sampleRate")),
            SpyName = Get(query, "spyName") ?? DefaultSpyName,
            Units = OneOf(query, "units", KnownUnits),
            AggregationType = OneOf(query, "aggregationType", KnownAggregationTypes),
            ContentType = contentType,
        };
    }

    /// <summary>A parameter's value; an empty one counts as absent (Go SDKs send <c>units=</c>).</summary>
    private static string? Get(IReadOnlyDictionary<string, string> query, string key) =>
        query.TryGetValue(key, out var value) && value.Length > 0 ? value : null;

    private static int SampleRateOf(string? value)
    {
        if (value is null || !int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var rate) || rate < 0)
        {
            // Pyroscope logs and uses the default.
            return DefaultSampleRate;
        }
        if (rate > 1_000_000_000)
        {
            throw new ProfileRejectedException(
                RejectReason.InvalidRequest,
                $"parameter 'sampleRate': {rate} samples per second is more than one per nanosecond; give the rate in Hz (e.g. 100).");
        }
        return rate;
    }

    private static string OneOf(IReadOnlyDictionary<string, string> query, string key, IReadOnlyList<string> known)
    {
        var value = Get(query, key);
        if (value is null)
        {
            return known[0];
        }
        if (!known.Contains(value, StringComparer.Ordinal))
        {
            throw new ProfileRejectedException(
                RejectReason.InvalidRequest,
                $"parameter '{key}': '{Quote(value)}' is not one of {string.Join(", ", known)}.");
        }
        return value;
    }

    /// <summary>The body format, decided in Pyroscope's order (ingest_handler.go, readInputRawDataFromRequest).</summary>
    private static PyroscopeFormat FormatOf(string? format, string? contentType)
    {
        var mediaType = contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var parsed) && parsed.MediaType.HasValue
            ? parsed.MediaType.Value!
            : contentType?.Trim() ?? "";
        var multipart = mediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);
        return format switch
        {
            "trie" => PyroscopeFormat.Trie,
            _ when mediaType.Equals("binary/octet-stream+trie", StringComparison.OrdinalIgnoreCase) => PyroscopeFormat.Trie,
            "tree" => PyroscopeFormat.Tree,
            _ when mediaType.Equals("binary/octet-stream+tree", StringComparison.OrdinalIgnoreCase) => PyroscopeFormat.Tree,
            "lines" => PyroscopeFormat.Lines,
            "jfr" => PyroscopeFormat.Jfr,
            // Pyroscope would read a form sent with format=pprof as raw pprof and fail; read the form.
            "pprof" => multipart ? PyroscopeFormat.PprofForm : PyroscopeFormat.Pprof,
            "speedscope" => PyroscopeFormat.Speedscope,
            _ when multipart => PyroscopeFormat.PprofForm,
            null or "folded" or "groups" => PyroscopeFormat.Folded,
            _ => throw new ProfileRejectedException(
                RejectReason.UnsupportedFormat,
                $"parameter 'format': '{Quote(format)}' is not a format this collector reads: use folded (the default), lines or pprof, or send a multipart/form-data pprof upload."),
        };
    }

    private static string Quote(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");
}
