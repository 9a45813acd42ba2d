using System.Buffers.Binary;
using GrafanaProfiles.Collector.Ingest;
using GrafanaProfiles.Fuzz;
using GrafanaProfiles.Fuzz.Targets;
using GrafanaProfiles.Store.Write;
using Microsoft.Extensions.Logging.Abstractions;

/// <summary>
/// The write-ahead log's replay of one segment's bytes, in memory: the input is handed to
/// <see cref="WriteAheadLog.ReplaySegment"/> (the loop <see cref="WriteAheadLog.Open"/> runs over
/// each segment file) and every record it hands out is decoded as the writer does at start-up
/// (<see cref="ProfileWriter.DecodeReplayed"/>, with every decoder the collector registers). No
/// directory, file or writer thread per input, so afl-fuzz runs it at its own pace. An input whose
/// checksums fail is replayed a second time with them made right (<see cref="Run"/>). The seeds are
/// the structured fuzzer's: segments the real writer logged and the committed corpus.
/// Acceptable: records replayed, skipped with a log line, or the segment ended at a torn record; the
/// one documented stop is a record of a kind or codec version this build does not know. A finding:
/// any other exception, or more than <see cref="MaxAllocatedBytes"/> allocated for one input (a
/// length or count read from a damaged record and trusted).
/// </summary>
internal sealed class WalSegmentTarget(WalReplayTarget files) : FuzzTarget
{
    /// <summary>
    /// What replaying one input may allocate. The real segments (up to 47 KB) take a few MiB; afl's
    /// inputs are at most 1 MiB, and a gzipped record may inflate to 1,032 times its size.
    /// </summary>
    public const long MaxAllocatedBytes = 256L << 20;

    /// <summary>The name decode errors give for the log's directory; no directory exists.</summary>
    private const string WalDirectory = "wal";

    public override string Name => "wal";

    public override IReadOnlyList<byte[]> Seeds() => files.Seeds();

    /// <summary>
    /// Replays the input as it is (the checksums decide what is torn), then, when any of its records
    /// fails its checksum, once more with every checksum made right (<see cref="Reseal"/>), so that
    /// the record decoders see the damage too: a mutation almost always breaks the checksum, and
    /// without the second run afl-fuzz would find no path past it.
    /// </summary>
    public override Outcome Run(byte[] input)
    {
        var outcome = Replay(input);
        var sealedInput = Reseal(input);
        return sealedInput.AsSpan().SequenceEqual(input) ? outcome : Replay(sealedInput);
    }

    /// <summary>
    /// The segment with each record's checksum computed again over the body its length field
    /// claims: what a writer would have logged had the damage been there before the checksum. A
    /// length that runs past the end, or is under a record's fixed prefix, ends the walk there (the
    /// rest is left as it is: a torn tail).
    /// </summary>
    public static byte[] Reseal(byte[] segment)
    {
        var copy = (byte[])segment.Clone();
        var offset = 0;
        while (copy.Length - offset >= WriteAheadLog.HeaderBytes)
        {
            var bodyLength = BinaryPrimitives.ReadUInt32LittleEndian(copy.AsSpan(offset));
            if (bodyLength < WriteAheadLog.BodyPrefixBytes || bodyLength > copy.Length - offset - WriteAheadLog.HeaderBytes)
            {
                break;
            }
            var body = copy.AsSpan(offset + WriteAheadLog.HeaderBytes, (int)bodyLength);
            BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(offset + 4), Crc32C.Compute(body));
            offset += WriteAheadLog.HeaderBytes + (int)bodyLength;
        }
        return copy;
    }

    private static Outcome Replay(byte[] input)
    {
        var refused = false;
        var before = GC.GetAllocatedBytesForCurrentThread();
        SegmentReplay segment;
        try
        {
            segment = WriteAheadLog.ReplaySegment(input, new WalOptions().MaxRecordBytes, checkpoint: 0, record =>
            {
                refused |= ProfileWriter.DecodeReplayed(record, WalDecoders.All, NullLogger.Instance, WalDirectory) is null;
            });
        }
        catch (InvalidDataException e) when (WalReplayTarget.IsUnknownKindOrVersion(e))
        {
            return Outcome.Refused;
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > MaxAllocatedBytes)
        {
            throw new InsufficientMemoryException(
                $"Replaying {input.Length} bytes allocated {allocated >> 20} MiB, over the bound MaxAllocatedBytes of {MaxAllocatedBytes >> 20} MiB.");
        }
        return refused || segment.TornAt is not null ? Outcome.Refused : Outcome.Accepted;
    }
}
