using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;

namespace GrafanaProfiles.Collector.Ingest.Pyroscope;

public static partial class PyroscopeIngest
{
    private static PyroscopeIngestResult DecodeForm(PyroscopeIngestRequest request, ReadOnlyMemory<byte> body, IngestLimits limits, DateTimeOffset now)
    {
        var form = IngestForm.Read(request.ContentType, body);
        return DecodePprof(request, form.Profile, form.SampleTypeConfig, limits, now);
    }

    /// <summary>
    /// A pprof body, raw or gzipped: labels as Pyroscope's pprof ingest sets them (createLabels),
    /// the profile name from the sample types (metricName), then the agent fixes.
    /// </summary>
    private static PyroscopeIngestResult DecodePprof(PyroscopeIngestRequest request, ReadOnlyMemory<byte> profile,
        IReadOnlyDictionary<string, SampleTypeConfig?>? sentConfig, IngestLimits limits, DateTimeOffset now)
    {
        if (profile.IsEmpty)
        {
            return NotStored(request, "the profile is empty");
        }
        var labels = SeriesLabels(request, out var service);
        var fixes = PprofIngestRules.FixesFor(request.SpyName, sentConfig);
        var raw = Raw(profile, limits);
        var summary = raw is { } bytes ? PprofSummary.TryRead(bytes.Span) : null;
        if (summary is not null && (fixes & PprofFixes.DotnetSampleTypes) != 0
            && PprofIngestRules.FixDotnetFunctionIds(raw!.Value.Span, summary) is { } fixedProfile)
        {
            // Logged fixed, so replay needs no fix of its own.
            profile = fixedProfile;
        }
        var options = new PprofDecodeOptions
        {
            // Unlike folded bodies, the whole application name is the service (as in Pyroscope).
            ServiceName = service ?? request.AppName,
            Labels = labels,
            ProfileName = summary is null
                ? null
                : PprofIngestRules.ProfileName(PprofIngestRules.FixSampleTypeNames(summary.SampleTypes, fixes), sentConfig ?? SampleTypeConfig.Defaults),
            FromUnixNanos = request.HasFrom ? request.FromUnixNanos : null,
            UntilUnixNanos = request.HasUntil ? request.UntilUnixNanos : null,
            // Resolved now, so that replay sees the same instant.
            Clock = new FixedClock(now),
            Limits = limits,
        };
        var batch = PprofIngestRules.Apply(PprofDecoder.Decode(profile.Span, options), fixes);
        var logged = fixes == PprofFixes.None
            ? (Kind: PprofWalCodec.Kind, Payload: PprofWalCodec.Encode(options, profile.Span))
            : (Kind: IngestPprofWalCodec.Kind, Payload: IngestPprofWalCodec.Encode(fixes, options, profile.Span));
        return new PyroscopeIngestResult { Request = request, Batch = batch, WalKind = logged.Kind, WalPayload = logged.Payload };
    }

    /// <summary>
    /// The protobuf bytes: inflated if gzipped (within the limit), else as sent; null if they
    /// cannot be inflated, and then the decoder, which reads the bytes as sent, says why.
    /// </summary>
    private static ReadOnlyMemory<byte>? Raw(ReadOnlyMemory<byte> profile, IngestLimits limits)
    {
        var span = profile.Span;
        if (span.Length < 2 || span[0] != 0x1F || span[1] != 0x8B)
        {
            return profile;
        }
        try
        {
            var inflated = ContentEncoding.Gunzip(profile, limits.MaxDecompressedBytes);
            return inflated is null ? null : new ReadOnlyMemory<byte>(inflated);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }
}
