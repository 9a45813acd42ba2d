using Apache.Arrow;
using ArrowField = Apache.Arrow.Field;
using IpcFileWriter = Apache.Arrow.Ipc.ArrowFileWriter;

namespace GrafanaProfiles.Backend.Frames;

/// <summary>
/// Encodes a <see cref="DataFrame"/> as an Arrow IPC file, the form Grafana's
/// <c>data.UnmarshalArrowFrame</c> reads, with Apache.Arrow's file writer; this class adds only
/// Grafana's schema and field metadata (README.md beside this file).
/// </summary>
public static class ArrowFileWriter
{
    /// <summary>Bytes reserved beyond the columns' buffers for the schema (written twice), message headers and padding.</summary>
    private const int FramingReserve = 4096;

    /// <summary>Writes the frame as one record batch (zero rows still give one empty batch).</summary>
    public static byte[] Write(DataFrame frame) => Write(frame, int.MaxValue);

    /// <summary>Writes the frame split into record batches of at most <paramref name="maxRowsPerBatch"/> rows.</summary>
    public static byte[] Write(DataFrame frame, int maxRowsPerBatch)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRowsPerBatch, 1);
        var schema = BuildSchema(frame);
        using var output = new MemoryStream(EstimatedSize(frame));
        using (var writer = new IpcFileWriter(output, schema, leaveOpen: true))
        {
            int rows = frame.RowCount;
            int start = 0;
            do
            {
                int count = Math.Min(maxRowsPerBatch, rows - start);
                writer.WriteRecordBatch(new RecordBatch(schema, Columns(frame, start, count), count));
                start += count;
            }
            while (start < rows);

            writer.WriteEnd();
        }

        return output.ToArray();
    }

    /// <summary>The Arrow schema: <c>name</c>, <c>refId</c> and (when given) <c>meta</c>; per field <c>tstype</c>, <c>labels</c>, <c>config</c>.</summary>
    private static Schema BuildSchema(DataFrame frame)
    {
        var metadata = new List<KeyValuePair<string, string>> { new("name", frame.Name), new("refId", frame.RefId) };
        if (frame.MetaJson is { } meta)
        {
            metadata.Add(new("meta", meta));
        }

        var fields = new List<ArrowField>(frame.Fields.Count);
        foreach (var field in frame.Fields)
        {
            var fieldMetadata = new List<KeyValuePair<string, string>> { new("tstype", field.TypeScriptType) };
            if (field.LabelsJson is { } labels)
            {
                fieldMetadata.Add(new("labels", labels));
            }

            if (field.ConfigJson is { } config)
            {
                fieldMetadata.Add(new("config", config));
            }

            fields.Add(new ArrowField(field.Name, field.Column.Data.DataType, field.Nullable, fieldMetadata));
        }

        return new Schema(fields, metadata);
    }

    private static IEnumerable<IArrowArray> Columns(DataFrame frame, int start, int count) =>
        start == 0 && count == frame.RowCount
            ? frame.Fields.Select(f => f.Column)
            : frame.Fields.Select(f => ArrowArrayFactory.Slice(f.Column, start, count));

    private static int EstimatedSize(DataFrame frame)
    {
        // The schema, with its metadata, is written twice: as the first message and in the footer.
        long size = FramingReserve + (2L * (frame.MetaJson?.Length ?? 0));
        foreach (var field in frame.Fields)
        {
            size += 64 + (2L * (field.Name.Length + (field.ConfigJson?.Length ?? 0) + (field.Labels?.Sum(p => p.Key.Length + p.Value.Length + 6) ?? 0)));
            foreach (var buffer in field.Column.Data.Buffers)
            {
                size += buffer.Length + 8;
            }
        }

        return (int)Math.Min(size, System.Array.MaxLength);
    }
}
