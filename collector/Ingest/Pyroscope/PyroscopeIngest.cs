using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Collector.Ingest.Pyroscope;

/// <summary>
/// Decodes Pyroscope's legacy <c>POST /ingest</c> (and <c>/pyroscope/ingest</c>): query
/// parameters, content type and body in, a <see cref="ProfileBatch"/> and its log record out.
/// No HTTP host here: the host passes what it read. See README.md in this folder.
/// </summary>
public static partial class PyroscopeIngest
{
    /// <summary>Pyroscope's label naming the agent.</summary>
    public const string SpyLabel = "pyroscope_spy";

    /// <summary>
    /// Decodes one request whose body has no Content-Encoding (the door's one Content-Encoding
    /// step has undone it). <paramref name="query"/> holds the decoded query parameters (one value
    /// each), <paramref name="contentType"/> the Content-Type header. Throws
    /// <see cref="ProfileRejectedException"/>, and only that, for bad input; its message names the
    /// parameter, form part or line at fault. The result's log record refers to
    /// <paramref name="body"/>'s memory.
    /// </summary>
    public static PyroscopeIngestResult Decode(IReadOnlyDictionary<string, string> query, string? contentType, ReadOnlyMemory<byte> body,
        IngestLimits limits, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(clock);
        var now = clock.GetUtcNow();
        var request = PyroscopeIngestRequest.Parse(query, contentType, now);
        if (body.Length > limits.MaxRequestBytes)
        {
            throw new ProfileRejectedException(RejectReason.DecompressedTooLarge,
                $"The request body is {body.Length} bytes, over the limit max_request_bytes={limits.MaxRequestBytes}. Send fewer or smaller profiles per request, or raise the limit.");
        }
        return request.Format switch
        {
            PyroscopeFormat.Folded or PyroscopeFormat.Lines => DecodeText(request, body, limits),
            PyroscopeFormat.Pprof => DecodePprof(request, body, null, limits, now),
            PyroscopeFormat.PprofForm => DecodeForm(request, body, limits, now),
            _ => throw new ProfileRejectedException(
                RejectReason.UnsupportedFormat,
                $"parameter 'format': {Describe(request.Format)} bodies are not read by this collector. Send pprof (format=pprof or a multipart/form-data upload), folded or lines instead."),
        };
    }

    private static string Describe(PyroscopeFormat format) => format switch
    {
        PyroscopeFormat.Trie => "Pyroscope trie (format=trie or Content-Type: binary/octet-stream+trie)",
        PyroscopeFormat.Tree => "Pyroscope tree (format=tree or Content-Type: binary/octet-stream+tree)",
        PyroscopeFormat.Jfr => "Java Flight Recorder (format=jfr)",
        PyroscopeFormat.Speedscope => "speedscope (format=speedscope)",
        _ => format.ToString(),
    };

    /// <summary>Folded or lines: labels and service as Pyroscope's ingest adapter (Put) sets them.</summary>
    private static PyroscopeIngestResult DecodeText(PyroscopeIngestRequest request, ReadOnlyMemory<byte> body, IngestLimits limits)
    {
        var (appService, type, scale) = LegacyProfileTypes.Resolve(request.AppName, request.SampleRate);
        if (request.Labels.Get("profile_id") is { Length: > 0 })
        {
            return NotStored(request, "the name has a profile_id label: a legacy span profile, which Pyroscope ignores on /ingest (span profiles are pprof with span_id sample labels)");
        }
        var labels = SeriesLabels(request, out var service);
        if (service is null)
        {
            service = appService;
        }
        else if (labels.Get("app_name") is null)
        {
            // Pyroscope keeps the application name when service_name is given explicitly.
            labels = labels.With([new("app_name", appService)]);
        }
        if (body.IsEmpty)
        {
            return NotStored(request, "the body is empty");
        }
        var options = new FoldedOptions
        {
            Lines = request.Format == PyroscopeFormat.Lines,
            ServiceName = service,
            Labels = labels,
            ProfileType = type.Id,
            Scale = scale,
            TimeNanos = request.FromUnixNanos,
            DurationNanos = request.UntilUnixNanos - request.FromUnixNanos,
            Limits = limits,
        };
        var batch = FoldedDecoder.Decode(body.Span, options);
        return new PyroscopeIngestResult
        {
            Request = request,
            Batch = batch,
            WalKind = WalRecordKind.Folded,
            WalHeader = FoldedWalCodec.EncodeHeader(options),
            WalBody = body,
        };
    }

    /// <summary>
    /// The series labels: the name's labels without service_name, Pyroscope's private
    /// <c>__…__</c> labels and profile_id, plus pyroscope_spy. <paramref name="service"/> is the
    /// service_name label, if given.
    /// </summary>
    private static LabelSet SeriesLabels(PyroscopeIngestRequest request, out string? service)
    {
        service = request.Labels.Get(LabelRules.ServiceName);
        return LabelSet.From(request.Labels
            .Where(l => l.Key != LabelRules.ServiceName && l.Key != "profile_id" && !l.Key.StartsWith("__", StringComparison.Ordinal))
            .Append(new(SpyLabel, request.SpyName)));
    }

    private static PyroscopeIngestResult NotStored(PyroscopeIngestRequest request, string reason) => new()
    {
        Request = request,
        Batch = new ProfileBatch(),
        WalKind = WalRecordKind.Batch,
        WalBody = ReadOnlyMemory<byte>.Empty,
        NotStoredReason = reason,
    };
}
