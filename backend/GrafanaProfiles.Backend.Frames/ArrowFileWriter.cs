using System.Buffers.Binary;

namespace GrafanaProfiles.Backend.Frames;

/// <summary>
/// Encodes a <see cref="DataFrame"/> as an Arrow IPC file, the form Grafana's
/// <c>data.UnmarshalArrowFrame</c> reads (see README.md beside this file for the byte layout).
/// </summary>
public static partial class ArrowFileWriter
{
    private static readonly byte[] Magic = "ARROW1"u8.ToArray();
    private const short MetadataVersionV5 = 4;
    private const byte HeaderSchema = 1;
    private const byte HeaderRecordBatch = 3;

    /// <summary>Writes the frame as one record batch (zero rows still give one empty batch).</summary>
    public static byte[] Write(DataFrame frame) => Write(frame, int.MaxValue);

    /// <summary>Writes the frame split into record batches of at most <paramref name="maxRowsPerBatch"/> rows.</summary>
    public static byte[] Write(DataFrame frame, int maxRowsPerBatch)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRowsPerBatch, 1);
        using var output = new MemoryStream();
        output.Write(Magic);
        output.Write(stackalloc byte[2]);

        var schema = BuildSchema(frame);
        WriteMessage(output, Message(HeaderSchema, schema, 0), ReadOnlySpan<byte>.Empty);

        var blocks = new List<(long Offset, int MetadataLength, long BodyLength)>();
        int rows = frame.RowCount;
        int start = 0;
        do
        {
            int count = Math.Min(maxRowsPerBatch, rows - start);
            var (recordBatch, body) = BuildRecordBatch(frame, start, count);
            long offset = output.Position;
            int metadataLength = WriteMessage(output, Message(HeaderRecordBatch, recordBatch, body.Length), body);
            blocks.Add((offset, metadataLength, body.Length));
            start += count;
        }
        while (start < rows);

        // End-of-stream marker, as the Go writer leaves before the footer.
        Span<byte> eos = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(eos, 0xFFFFFFFF);
        output.Write(eos);

        var footer = new FbTable()
            .Scalar(0, 2, MetadataVersionV5)
            .Ref(1, schema)
            .Ref(2, new FbStructVector([], 0))
            .Ref(3, Blocks(blocks));
        byte[] footerBytes = FlatBufferWriter.Finish(footer);
        output.Write(footerBytes);
        Span<byte> footerLength = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(footerLength, footerBytes.Length);
        output.Write(footerLength);
        output.Write(Magic);
        return output.ToArray();
    }

    private static FbTable Message(byte headerType, FbTable header, long bodyLength) => new FbTable()
        .Scalar(0, 2, MetadataVersionV5)
        .Scalar(1, 1, headerType)
        .Ref(2, header)
        .Scalar(3, 8, bodyLength);

    /// <summary>Writes continuation marker, metadata length, padded metadata and body; returns the metadata part's length.</summary>
    private static int WriteMessage(MemoryStream output, FbTable message, ReadOnlySpan<byte> body)
    {
        byte[] metadata = FlatBufferWriter.Finish(message);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(prefix, 0xFFFFFFFF);
        BinaryPrimitives.WriteInt32LittleEndian(prefix[4..], metadata.Length);
        output.Write(prefix);
        output.Write(metadata);
        output.Write(body);
        return 8 + metadata.Length;
    }

    private static FbStructVector Blocks(List<(long Offset, int MetadataLength, long BodyLength)> blocks)
    {
        var raw = new byte[24 * blocks.Count];
        for (int i = 0; i < blocks.Count; i++)
        {
            var span = raw.AsSpan(24 * i);
            BinaryPrimitives.WriteInt64LittleEndian(span, blocks[i].Offset);
            BinaryPrimitives.WriteInt32LittleEndian(span[8..], blocks[i].MetadataLength);
            BinaryPrimitives.WriteInt64LittleEndian(span[16..], blocks[i].BodyLength);
        }

        return new FbStructVector(raw, blocks.Count);
    }
}
