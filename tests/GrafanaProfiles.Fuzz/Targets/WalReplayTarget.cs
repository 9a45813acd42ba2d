using System.Buffers.Binary;
using GrafanaProfiles.Collector.Ingest;
using GrafanaProfiles.Collector.Ingest.Pyroscope;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Write;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrafanaProfiles.Fuzz.Targets;

/// <summary>
/// The write-ahead log's replay of torn or corrupt segment files. The seeds are segments the real
/// store writer logged (its own batches, pprof, folded and Pyroscope pprof records, each in its
/// tenant envelope). An input is one segment file: replay opens it with
/// <see cref="WriteAheadLog.Open"/> and decodes every record it hands out as the writer does
/// (<see cref="ProfileWriter.DecodeReplayed"/>). Acceptable: records replayed, skipped with a log
/// line, or the segment truncated at a torn record; the one documented stop is a record of a kind
/// or version this build has no decoder for (written by a newer build). Anything else thrown out
/// of replay is a finding.
/// </summary>
internal sealed class WalReplayTarget : FuzzTarget, IDisposable
{
    private const string Segment = "00000000000000000001" + WriteAheadLog.SegmentExtension;
    private static readonly WalOptions Options = new() { SyncMode = WalSyncMode.None };
    private readonly string _workDirectory;
    private int _run;

    public WalReplayTarget(string workDirectory)
    {
        _workDirectory = Path.Combine(workDirectory, "grafana-profiles-fuzz-wal-" + Environment.ProcessId);
        Directory.CreateDirectory(_workDirectory);
    }

    public override string Name => "wal";

    public override IReadOnlyList<byte[]> Seeds()
    {
        var seeds = WriteRealSegments(_workDirectory).GetAwaiter().GetResult();
        // The committed log of every record kind (an earlier version's, which replay must keep reading).
        seeds.Add(Repository.Read("wal/every-kind/00000000000000000001" + WriteAheadLog.SegmentExtension));
        seeds.AddRange(Repository.CorpusFiles(Name));
        return seeds;
    }

    /// <summary>Segments written by the real writer: each of its record kinds, and all of them in one segment.</summary>
    internal static async Task<List<byte[]>> WriteRealSegments(string workDirectory)
    {
        var directory = Path.Combine(workDirectory, "seed-" + Guid.NewGuid().ToString("N"));
        var options = new StoreOptions { DataDirectory = directory, WriterId = "fuzz", FlushInterval = TimeSpan.FromHours(1) };
        var segments = new List<byte[]>();
        try
        {
            await using (var writer = await ProfileWriter.OpenAsync(options, WalDecoders.All))
            {
                var pprof = Repository.Read("pprof/go-goroutine.pb.gz");
                var decodeOptions = new PprofDecodeOptions { ServiceName = "fuzz-pprof", Clock = FixedTime.Clock };
                await PprofWalCodec.AppendAsync(writer, "default", pprof, decodeOptions);
                await writer.AppendAsync("tenant-2", PprofDecoder.Decode(Repository.Read("pprof/go-mutex.pb.gz"), decodeOptions));
                var folded = Repository.Read("pyroscope/rbspy-cpu.folded");
                var foldedOptions = FoldedTarget.Options(lines: false);
                await writer.AppendAllAsync("default",
                    [new WalAppend(FoldedDecoder.Decode(folded, foldedOptions), WalRecordKind.Folded, folded) { Header = FoldedWalCodec.EncodeHeader(foldedOptions) }]);
                var rawNode = Mutator.Gunzip(Repository.Read("pprof/node-cpu.pb.gz"));
                await writer.AppendAllAsync("default",
                    [new WalAppend(PprofDecoder.Decode(rawNode, decodeOptions), WalRecordKind.PprofWithFixes, rawNode) { Header = IngestPprofWalCodec.EncodeHeader(PprofFixes.None, decodeOptions) }]);
                foreach (var path in Directory.GetFiles(options.WalDirectory, "*" + WriteAheadLog.SegmentExtension).Order(StringComparer.Ordinal))
                {
                    segments.Add(File.ReadAllBytes(path));
                }
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
        if (segments.Count == 0)
        {
            throw new InvalidOperationException("The writer logged no segment to start from.");
        }
        var all = segments.SelectMany(s => s).ToArray();
        // One segment per record too, so a mutation of a small record is not hidden behind the others.
        var records = Records(all).Select(r => all[r.Start..r.End]).ToList();
        return [all, .. records];
    }

    /// <summary>
    /// Half the inputs are byte-level damage (flips, truncation, duplicated ranges: torn writes and
    /// bit rot that the checksum must catch); the other half change one record's payload and seal it
    /// again with a correct length and checksum, so the record decoders see the damage.
    /// </summary>
    public override byte[] Mutate(Mutator mutator, IReadOnlyList<byte[]> seeds)
    {
        var random = mutator.Random;
        var segment = seeds[random.Next(seeds.Count)];
        switch (random.Next(6))
        {
            case 0: return mutator.FlipBits(segment);
            case 1: return mutator.Truncate(segment);
            case 2: return mutator.DuplicateRange(segment);
            default: break;
        }
        var records = Records(segment).ToList();
        if (records.Count == 0)
        {
            return mutator.Mutate(seeds);
        }
        var output = new List<byte>(segment.Length + 64);
        var target = random.Next(records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            var (start, end) = records[i];
            if (i != target)
            {
                output.AddRange(segment.AsSpan(start..end));
                continue;
            }
            var body = segment.AsSpan((start + WriteAheadLog.HeaderBytes)..end);
            var prefix = body[..WriteAheadLog.BodyPrefixBytes].ToArray();
            var payload = mutator.Mutate([body[WriteAheadLog.BodyPrefixBytes..].ToArray()]);
            if (random.Next(8) == 0)
            {
                prefix[8] = (byte)random.Next(4); // another known kind over this payload
            }
            output.AddRange(Seal([.. prefix, .. payload]));
            if (random.Next(4) == 0)
            {
                output.AddRange(segment.AsSpan(start..end)); // and the original again: a duplicated sequence
            }
        }
        return [.. output];
    }

    public override Outcome Run(byte[] input)
    {
        var directory = Path.Combine(_workDirectory, "run-" + _run++);
        Directory.CreateDirectory(directory);
        try
        {
            File.WriteAllBytes(Path.Combine(directory, Segment), input);
            var refused = false;
            WalReplayResult result;
            try
            {
                var log = WriteAheadLog.Open(directory, Options, checkpoint: 0, record =>
                {
                    refused |= ProfileWriter.DecodeReplayed(record, WalDecoders.All, NullLogger.Instance, directory) is null;
                }, out result, NullLogger.Instance);
                log.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            catch (InvalidDataException e) when (IsUnknownKindOrVersion(e))
            {
                return Outcome.Refused;
            }
            return refused || result.TornRecordsDropped > 0 ? Outcome.Refused : Outcome.Accepted;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The documented stop: a record a newer build wrote (its kind or codec version unknown here).</summary>
    internal static bool IsUnknownKindOrVersion(InvalidDataException e) =>
        e.Message.Contains("which no decoder handles", StringComparison.Ordinal) || e.Message.Contains("unknown version", StringComparison.Ordinal);

    /// <summary>The records of a segment that pass their checksum, as byte ranges.</summary>
    internal static IEnumerable<(int Start, int End)> Records(byte[] segment)
    {
        var offset = 0;
        while (offset < segment.Length
            && WriteAheadLog.TryDecode(segment.AsSpan(offset), int.MaxValue, out _, out _, out _, out var length))
        {
            yield return (offset, offset + length);
            offset += length;
        }
    }

    /// <summary>A record with its length and checksum made right for <paramref name="body"/>.</summary>
    private static byte[] Seal(byte[] body)
    {
        var record = new byte[WriteAheadLog.HeaderBytes + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32C.Compute(body));
        body.CopyTo(record.AsSpan(WriteAheadLog.HeaderBytes));
        return record;
    }

    public void Dispose()
    {
        if (Directory.Exists(_workDirectory))
        {
            Directory.Delete(_workDirectory, recursive: true);
        }
    }
}
