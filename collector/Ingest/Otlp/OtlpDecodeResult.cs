using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Collector.Ingest.Otlp;

/// <summary>The two OTLP/HTTP encodings of a request (and of its response, which uses the same one).</summary>
public enum OtlpEncoding
{
    /// <summary>Binary protobuf: <c>application/x-protobuf</c> or <c>application/protobuf</c>.</summary>
    Protobuf,
    /// <summary>OTLP/JSON: <c>application/json</c>.</summary>
    Json,
}

/// <summary>One profile of a request that was rejected while others were stored.</summary>
/// <param name="Path">Where it is in the request, e.g. <c>resource_profiles[0].scope_profiles[1].profiles[2]</c>.</param>
/// <param name="Reason">Why, for metrics.</param>
/// <param name="Message">What was wrong and what to change.</param>
public sealed record OtlpRejectedProfile(string Path, RejectReason Reason, string Message);

/// <summary>
/// The OTLP <c>partial_success</c> of a response: how many profiles were rejected and why (the
/// messages of the first few, joined).
/// </summary>
public sealed record OtlpPartialSuccess(long RejectedProfiles, string ErrorMessage);

/// <summary>What a decoded export request gives: the batch to store and the profiles left out of it.</summary>
public sealed class OtlpDecodeResult
{
    internal OtlpDecodeResult(ProfileBatch batch, OtlpEncoding encoding, int acceptedProfiles, IReadOnlyList<OtlpRejectedProfile> rejected)
    {
        Batch = batch;
        Encoding = encoding;
        AcceptedProfiles = acceptedProfiles;
        Rejected = rejected;
        PartialSuccess = rejected.Count == 0 ? null : new OtlpPartialSuccess(rejected.Count, OtlpProfilesDecoder.Summarize(rejected, acceptedProfiles + rejected.Count));
    }

    /// <summary>
    /// The accepted profiles, with every stack and function they reference (and no others). Empty
    /// when the request held no profiles or no samples.
    /// </summary>
    public ProfileBatch Batch { get; }

    /// <summary>The request's encoding, which the response must use too.</summary>
    public OtlpEncoding Encoding { get; }

    /// <summary>OTLP profiles (not series) that were converted into <see cref="Batch"/>.</summary>
    public int AcceptedProfiles { get; }

    /// <summary>Profiles rejected one by one, each with its reason (count them in metrics).</summary>
    public IReadOnlyList<OtlpRejectedProfile> Rejected { get; }

    /// <summary>Set when some profiles were rejected: goes into the response's <c>partial_success</c>.</summary>
    public OtlpPartialSuccess? PartialSuccess { get; }
}
