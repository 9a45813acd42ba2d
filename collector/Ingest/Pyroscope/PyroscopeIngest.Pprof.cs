using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Write;

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
    /// the profile name from the sample types (metricName), then the agent fixes. The profile is
    /// inflated once and parsed once, by the store's decoder, which hands the sample type names to
    /// the naming rule while it reads; the log record is the original bytes after the resolved
    /// options (the name the rule chose among them), not a copy joined to them.
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
        var configs = sentConfig ?? SampleTypeConfig.Defaults;
        var options = new PprofDecodeOptions
        {
            // Unlike folded bodies, the whole application name is the service (as in Pyroscope).
            ServiceName = service ?? request.AppName,
            Labels = labels,
            FromUnixNanos = request.HasFrom ? request.FromUnixNanos : null,
            UntilUnixNanos = request.HasUntil ? request.UntilUnixNanos : null,
            // Resolved now, so that replay sees the same instant.
            Clock = new FixedClock(now),
            Limits = limits,
        };
        if ((fixes & PprofFixes.DotnetSampleTypes) != 0)
        {
            return DecodeDotnetPprof(request, profile, options, fixes, configs);
        }
        string? chosen = null;
        var batch = PprofDecoder.Decode(profile.Span, options with { ProfileNameRule = types => chosen = PprofIngestRules.ProfileName(types, configs) });
        batch = PprofIngestRules.Apply(batch, fixes);
        var logged = options with { ProfileName = chosen };
        return new PyroscopeIngestResult
        {
            Request = request,
            Batch = batch,
            WalKind = fixes == PprofFixes.None ? WalRecordKind.Pprof : WalRecordKind.PprofWithFixes,
            WalHeader = fixes == PprofFixes.None ? PprofWalCodec.EncodeHeader(logged) : IngestPprofWalCodec.EncodeHeader(fixes, logged),
            WalBody = profile,
        };
    }

    /// <summary>
    /// The .NET agent's profiles (dotnetspy): '-' in sample type names becomes '_' before the name
    /// is chosen, and an old agent's all-zero function ids are given their locations' ids, which
    /// needs the profile's tables before decoding. Inflated once here; a light walk reads what the
    /// rules need, the decoder then reads the inflated bytes (two passes: this agent only).
    /// </summary>
    private static PyroscopeIngestResult DecodeDotnetPprof(PyroscopeIngestRequest request, ReadOnlyMemory<byte> profile, PprofDecodeOptions options,
        PprofFixes fixes, IReadOnlyDictionary<string, SampleTypeConfig?> configs)
    {
        using var inflated = GzipInflater.IsGzip(profile.Span) ? GzipInflater.Inflate(profile.Span, InflateBounds.Profile(options.Limits.MaxDecompressedBytes)) : default;
        var raw = inflated.Length > 0 ? inflated.Memory : profile;
        var summary = PprofSummary.TryRead(raw.Span);
        var logged = profile;
        if (summary is not null && PprofIngestRules.FixDotnetFunctionIds(raw.Span, summary) is { } fixedProfile)
        {
            // Logged fixed, so replay needs no fix of its own.
            logged = fixedProfile;
            raw = fixedProfile;
        }
        var resolved = options with
        {
            ProfileName = summary is null ? null : PprofIngestRules.ProfileName(PprofIngestRules.FixSampleTypeNames(summary.SampleTypes, fixes), configs),
        };
        var batch = PprofIngestRules.Apply(PprofDecoder.Decode(raw.Span, resolved), fixes);
        return new PyroscopeIngestResult
        {
            Request = request,
            Batch = batch,
            WalKind = WalRecordKind.PprofWithFixes,
            WalHeader = IngestPprofWalCodec.EncodeHeader(fixes, resolved),
            WalBody = logged,
        };
    }
}
