using Apache.Arrow;
using Apache.Arrow.Ipc;

namespace GrafanaProfiles.Backend.Frames.Tests;

/// <summary>An Arrow IPC file as Apache.Arrow's file reader sees it: schema, batch count, each column's values in order.</summary>
internal sealed record ApacheArrowFile(Apache.Arrow.Schema Schema, int Batches, IReadOnlyList<IReadOnlyList<object?>> Columns)
{
    public static ApacheArrowFile Read(byte[] file)
    {
        using var reader = new ArrowFileReader(new MemoryStream(file));
        var schema = reader.Schema;
        var columns = schema.FieldsList.Select(_ => new List<object?>()).ToList();
        int batches = 0;
        while (reader.ReadNextRecordBatch() is { } batch)
        {
            using (batch)
            {
                batches++;
                for (int c = 0; c < columns.Count; c++)
                {
                    var column = batch.Column(c);
                    for (int row = 0; row < column.Length; row++)
                    {
                        columns[c].Add(Value(column, row));
                    }
                }
            }
        }

        return new ApacheArrowFile(schema, batches, columns);
    }

    /// <summary>A value as <see cref="GrafanaProfiles.Backend.Frames.Field.GetValue"/> gives it: string, long, ushort, double, bool, byte[] or null (and the other integer and float32 types as they are).</summary>
    public static object? Value(IArrowArray column, int row) => column.IsNull(row) ? null : column switch
    {
        StringArray strings => strings.GetString(row),
        BinaryArray bytes => bytes.GetBytes(row).ToArray(),
        TimestampArray times => times.Values[row],
        Int64Array longs => longs.Values[row],
        UInt16Array shorts => shorts.Values[row],
        DoubleArray doubles => doubles.Values[row],
        BooleanArray bools => bools.GetValue(row),
        // Types the Go SDK writes and we do not (the golden file has them).
        Int8Array v => v.Values[row],
        Int16Array v => v.Values[row],
        Int32Array v => v.Values[row],
        UInt8Array v => v.Values[row],
        UInt32Array v => v.Values[row],
        UInt64Array v => v.Values[row],
        FloatArray v => v.Values[row],
        _ => throw new InvalidOperationException($"Unexpected Arrow array {column.GetType().Name} in a Grafana frame."),
    };
}
