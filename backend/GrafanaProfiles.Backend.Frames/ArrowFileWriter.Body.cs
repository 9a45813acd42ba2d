using System.Buffers.Binary;

namespace GrafanaProfiles.Backend.Frames;

public static partial class ArrowFileWriter
{
    /// <summary>Builds one RecordBatch header and its body for rows [start, start + count).</summary>
    private static (FbTable RecordBatch, byte[] Body) BuildRecordBatch(DataFrame frame, int start, int count)
    {
        using var body = new MemoryStream();
        var nodes = new List<(long Length, long NullCount)>();
        var buffers = new List<(long Offset, long Length)>();

        void AddBuffer(ReadOnlySpan<byte> bytes)
        {
            buffers.Add((body.Position, bytes.Length));
            body.Write(bytes);
            int padding = (int)(-body.Position & 7);
            body.Write(stackalloc byte[padding]);
        }

        foreach (var field in frame.Fields)
        {
            var values = field.Values;
            int nulls = 0;
            for (int i = start; i < start + count; i++)
            {
                nulls += values[i] is null ? 1 : 0;
            }

            nodes.Add((count, nulls));
            AddBuffer(field.Nullable ? Bitmap(count, i => values[start + i] is not null) : []);
            switch (field.Type)
            {
                case FieldType.String:
                case FieldType.Binary:
                    WriteVariable(field, start, count, AddBuffer);
                    break;
                case FieldType.Bool:
                    AddBuffer(Bitmap(count, i => values[start + i] is true));
                    break;
                case FieldType.UInt16:
                case FieldType.Enum:
                    AddBuffer(Fixed(count, 2, (span, i) =>
                        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort?)values[start + i] ?? 0)));
                    break;
                case FieldType.Float64:
                    AddBuffer(Fixed(count, 8, (span, i) =>
                        BinaryPrimitives.WriteDoubleLittleEndian(span, (double?)values[start + i] ?? 0)));
                    break;
                default:
                    AddBuffer(Fixed(count, 8, (span, i) =>
                        BinaryPrimitives.WriteInt64LittleEndian(span, (long?)values[start + i] ?? 0)));
                    break;
            }
        }

        var nodeBytes = new byte[16 * nodes.Count];
        for (int i = 0; i < nodes.Count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(nodeBytes.AsSpan(16 * i), nodes[i].Length);
            BinaryPrimitives.WriteInt64LittleEndian(nodeBytes.AsSpan((16 * i) + 8), nodes[i].NullCount);
        }

        var bufferBytes = new byte[16 * buffers.Count];
        for (int i = 0; i < buffers.Count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bufferBytes.AsSpan(16 * i), buffers[i].Offset);
            BinaryPrimitives.WriteInt64LittleEndian(bufferBytes.AsSpan((16 * i) + 8), buffers[i].Length);
        }

        var recordBatch = new FbTable()
            .Scalar(0, 8, count)
            .Ref(1, new FbStructVector(nodeBytes, nodes.Count))
            .Ref(2, new FbStructVector(bufferBytes, buffers.Count));
        return (recordBatch, body.ToArray());
    }

    private delegate void BufferSink(ReadOnlySpan<byte> bytes);

    private static void WriteVariable(Field field, int start, int count, BufferSink addBuffer)
    {
        var offsets = new byte[4 * (count + 1)];
        using var data = new MemoryStream();
        for (int i = 0; i < count; i++)
        {
            switch (field.Values[start + i])
            {
                case string text:
                    data.Write(System.Text.Encoding.UTF8.GetBytes(text));
                    break;
                case byte[] bytes:
                    data.Write(bytes);
                    break;
                default:
                    break;
            }

            BinaryPrimitives.WriteInt32LittleEndian(offsets.AsSpan(4 * (i + 1)), checked((int)data.Length));
        }

        addBuffer(offsets);
        addBuffer(data.ToArray());
    }

    private static byte[] Bitmap(int count, Func<int, bool> isSet)
    {
        var bitmap = new byte[(count + 7) / 8];
        for (int i = 0; i < count; i++)
        {
            if (isSet(i))
            {
                bitmap[i >> 3] |= (byte)(1 << (i & 7));
            }
        }

        return bitmap;
    }

    private delegate void SlotWriter(Span<byte> slot, int index);

    private static byte[] Fixed(int count, int width, SlotWriter write)
    {
        var bytes = new byte[count * width];
        for (int i = 0; i < count; i++)
        {
            write(bytes.AsSpan(i * width, width), i);
        }

        return bytes;
    }
}
