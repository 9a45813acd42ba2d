using GrafanaProfiles.Collector.Ingest.Otlp;
using GrafanaProfiles.Collector.Ingest.Push;
using GrafanaProfiles.Collector.Ingest.Pyroscope;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Collector.Ingest;

/// <summary>What an API's decoder made of a request: the records to append, and the profiles its partial success left out.</summary>
internal sealed class DecodedRecords(IReadOnlyList<WalAppend> records)
{
    public IReadOnlyList<WalAppend> Records { get; } = records;

    public int Profiles { get; } = records.Sum(r => r.Batch.Profiles.Count);

    public int Samples { get; } = records.Sum(r => r.Batch.SampleCount);

    /// <summary>Profiles left out, counted by reason.</summary>
    public IReadOnlyList<(RejectReason Reason, int Count)> Dropped { get; init; } = [];

    public int DroppedProfiles { get; init; }

    public string? DroppedMessage { get; init; }
}

public sealed partial class IngestDoor
{
    /// <summary>The decode step: the body (its Content-Encoding undone) through its API's decoder.</summary>
    private DecodedRecords Decode(IngestRequest request, ReadOnlyMemory<byte> body) => request.Api switch
    {
        IngestApi.Pyroscope => DecodePyroscope(request, body),
        IngestApi.Push => DecodePush(request, body),
        IngestApi.Otlp => DecodeOtlp(request, body),
        IngestApi.Scrape => DecodeScrape(request, body),
        _ => throw new ArgumentOutOfRangeException(nameof(request), request.Api, "Not an ingest API."),
    };

    private DecodedRecords DecodePyroscope(IngestRequest request, ReadOnlyMemory<byte> body)
    {
        var result = PyroscopeIngest.Decode(request.Query, request.ContentType, body, Limits, _clock);
        // Accepted with nothing to keep when empty: an empty body, or a per-request profile_id as Pyroscope ignores.
        return new DecodedRecords(result.HasProfiles ? [result.ToWalAppend()] : []);
    }

    private DecodedRecords DecodePush(IngestRequest request, ReadOnlyMemory<byte> body)
    {
        if (!PushDecoder.TryGetCodec(request.ContentType, out _))
        {
            throw new ProfileRejectedException(RejectReason.UnsupportedMediaType,
                $"Content-Type '{request.ContentType}' is not one the push API reads: use {PushDecoder.AcceptPost}.");
        }
        PushDecoder.CheckProtocolVersion(request.ConnectProtocolVersion);
        var result = PushDecoder.Decode(request.ContentType!, body, Limits, _clock);
        // All or nothing: one bad raw profile refuses the request, so a corrected retry never duplicates the good ones.
        if (result.Error is { } error)
        {
            throw error;
        }
        var records = new List<WalAppend>(result.Profiles.Count);
        foreach (var profile in result.Profiles)
        {
            if (profile.HasProfiles)
            {
                records.Add(profile.ToWalAppend());
            }
        }
        return new DecodedRecords(records);
    }

    private DecodedRecords DecodeOtlp(IngestRequest request, ReadOnlyMemory<byte> body)
    {
        var decoded = OtlpProfilesDecoder.Decode(request.ContentType ?? "", body, Limits, _clock);
        IReadOnlyList<WalAppend> records = decoded.Batch.Profiles.Count == 0
            ? []
            : [new WalAppend(decoded.Batch, WalRecordKind.Batch, ProfileBatchCodec.Encode(decoded.Batch))];
        return new DecodedRecords(records)
        {
            Dropped = [.. decoded.Rejected.GroupBy(r => r.Reason).Select(g => (g.Key, g.Count()))],
            DroppedProfiles = decoded.Rejected.Count,
            DroppedMessage = decoded.PartialSuccess?.ErrorMessage,
        };
    }

    /// <summary>
    /// A scraped pprof with its job's options, logged as the store's pprof record: the original
    /// bytes after the options, resolved (the clock read once) so that replay decodes the same batch.
    /// </summary>
    private DecodedRecords DecodeScrape(IngestRequest request, ReadOnlyMemory<byte> body)
    {
        var options = request.ScrapeOptions ?? throw new ArgumentException("A scrape request carries its decode options.", nameof(request));
        // The door's limits, as for every API; the clock read once.
        var resolved = options with { Clock = new FixedClock(options.Clock.GetUtcNow()), Limits = Limits };
        var batch = PprofDecoder.Decode(body.Span, resolved);
        return new DecodedRecords(batch.Profiles.Count == 0
            ? []
            : [new WalAppend(batch, WalRecordKind.Pprof, body) { Header = PprofWalCodec.EncodeHeader(resolved) }]);
    }
}
