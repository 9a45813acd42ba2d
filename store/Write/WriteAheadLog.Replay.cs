using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Store.Write;

/// <summary>A record read back from the log.</summary>
internal readonly record struct WalRecord(long Sequence, byte Kind, ReadOnlyMemory<byte> Payload);

/// <summary>What opening the log found.</summary>
public sealed record WalReplayResult(int RecordsReplayed, int RecordsSkipped, int TornRecordsDropped, long NextSequence);

/// <summary>
/// What replaying one segment's bytes found: records handed out, records at or before the checkpoint,
/// the sequence after the highest seen, and the offset of a torn or corrupt record that ended it.
/// </summary>
internal readonly record struct SegmentReplay(int Replayed, int Skipped, long NextSequence, int? TornAt);

internal sealed partial class WriteAheadLog
{
    /// <summary>
    /// Opens the log in <paramref name="directory"/>, hands every record after
    /// <paramref name="checkpoint"/> to <paramref name="replay"/> in sequence order, and returns the
    /// log ready for appends (which go to a new segment). A record that is cut short or fails its
    /// checksum ends its segment: it is dropped with a log line and the segment is truncated there.
    /// </summary>
    public static WriteAheadLog Open(string directory, WalOptions options, long checkpoint, Action<WalRecord> replay,
        out WalReplayResult result, ILogger? log = null)
    {
        var logger = OrNull(log);
        Directory.CreateDirectory(directory);
        var segments = new List<long>();
        foreach (var path in Directory.EnumerateFiles(directory, "*" + SegmentExtension))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var first))
            {
                segments.Add(first);
            }
        }
        segments.Sort();
        int replayed = 0, skipped = 0, torn = 0;
        var next = checkpoint + 1;
        foreach (var first in segments)
        {
            var path = Path.Combine(directory, first.ToString("D20", CultureInfo.InvariantCulture) + SegmentExtension);
            var data = File.ReadAllBytes(path);
            var segment = ReplaySegment(data, options.MaxRecordBytes, checkpoint, replay);
            replayed += segment.Replayed;
            skipped += segment.Skipped;
            next = Math.Max(next, segment.NextSequence);
            if (segment.TornAt is { } offset)
            {
                torn++;
                logger.LogWarning(
                    "Write-ahead log segment {Path} has a torn or corrupt record at byte {Offset} ({Remaining} bytes left); dropping it and truncating the segment there. Records before it are intact.",
                    path, offset, data.Length - offset);
                using var truncate = new FileStream(path, FileMode.Open, FileAccess.Write);
                truncate.SetLength(offset);
                truncate.Flush(flushToDisk: true);
            }
        }
        result = new WalReplayResult(replayed, skipped, torn, next);
        if (replayed > 0 || torn > 0)
        {
            logger.LogInformation("Replayed {Replayed} write-ahead log records after checkpoint {Checkpoint}; dropped {Torn} torn.", replayed, checkpoint, torn);
        }
        return new WriteAheadLog(directory, options, logger, next, segments);
    }

    /// <summary>
    /// Hands every intact record of one segment's bytes after <paramref name="checkpoint"/> to
    /// <paramref name="replay"/>, in file order, and stops at the first record that is cut short,
    /// fails its checksum or claims more than <paramref name="maxRecordBytes"/> (nothing is
    /// allocated for a claimed length: records are slices of <paramref name="data"/>).
    /// </summary>
    internal static SegmentReplay ReplaySegment(ReadOnlyMemory<byte> data, int maxRecordBytes, long checkpoint, Action<WalRecord> replay)
    {
        int replayed = 0, skipped = 0, offset = 0;
        var next = checkpoint + 1;
        while (offset < data.Length)
        {
            if (!TryDecode(data.Span[offset..], maxRecordBytes, out var sequence, out var kind, out var payloadOffset, out var length))
            {
                return new SegmentReplay(replayed, skipped, next, offset);
            }
            if (sequence > checkpoint)
            {
                replay(new WalRecord(sequence, kind, data.Slice(offset + payloadOffset, length - payloadOffset)));
                replayed++;
            }
            else
            {
                skipped++;
            }
            next = Math.Max(next, sequence + 1);
            offset += length;
        }
        return new SegmentReplay(replayed, skipped, next, null);
    }

    /// <summary>Decodes the record at the start of <paramref name="data"/>; false if it is cut short or its checksum fails.</summary>
    internal static bool TryDecode(ReadOnlySpan<byte> data, int maxRecordBytes, out long sequence, out byte kind, out int payloadOffset, out int length)
    {
        sequence = 0;
        kind = 0;
        payloadOffset = HeaderBytes + BodyPrefixBytes;
        length = 0;
        if (data.Length < HeaderBytes)
        {
            return false;
        }
        var bodyLength = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (bodyLength < BodyPrefixBytes || bodyLength > maxRecordBytes || data.Length - HeaderBytes < bodyLength)
        {
            return false;
        }
        var body = data.Slice(HeaderBytes, (int)bodyLength);
        if (Crc32C.Compute(body) != BinaryPrimitives.ReadUInt32LittleEndian(data[4..]))
        {
            return false;
        }
        sequence = BinaryPrimitives.ReadInt64LittleEndian(body);
        kind = body[8];
        length = HeaderBytes + (int)bodyLength;
        return true;
    }
}
