using System.Text.Json;
using Apache.Arrow;
using Apache.Arrow.Types;
using GrafanaProfiles.Backend.Frames;
using ArrowField = Apache.Arrow.Field;
using Field = GrafanaProfiles.Backend.Frames.Field;

namespace GrafanaProfiles.Backend.Frames.Tests;

/// <summary>
/// The Go SDK's own frame (<c>all_types.golden.arrow</c>, written by <c>data.MarshalArrow</c>) against
/// ours for the same content: every golden field of a type we write is rebuilt through our
/// <see cref="Field"/> factories from the values Apache.Arrow reads out of the golden file, written
/// with <see cref="ArrowFileWriter"/>, and both files are read back by apache-arrow (npm) and by
/// Apache.Arrow's file reader. Names, types, nullability, schema and field metadata and every value
/// must come out the same. The bytes differ (flatbuffer layout, padding), so the comparison is of
/// what the readers see.
/// </summary>
public class GoldenFrameTests
{
    /// <summary>Golden fields whose Arrow type is one of ours; the rest are int8–uint64 and float32, which we never write.</summary>
    private const int ComparableFields = 19;

    private static readonly byte[] Golden = File.ReadAllBytes(
        RepoPaths.SharedFile("grafana-plugin-sdk-go", "data", "testdata", "all_types.golden.arrow"));

    [Fact]
    public void GoldenFrame_RebuiltWithOurWriter_ApacheArrowNpmReadsTheSameFrame()
    {
        var (ours, goldenIndexes) = Rebuild();
        var read = ArrowReader.ReadMany([ArrowFileWriter.Write(ours), Golden]);
        var (mine, theirs) = (read[0], read[1]);

        Assert.Equal(theirs.GetProperty("rows").GetInt32(), mine.GetProperty("rows").GetInt32());
        Assert.True(JsonElement.DeepEquals(theirs.GetProperty("metadata"), mine.GetProperty("metadata")),
            $"schema metadata: golden {theirs.GetProperty("metadata")}, ours {mine.GetProperty("metadata")}");
        for (int f = 0; f < goldenIndexes.Count; f++)
        {
            var expected = theirs.GetProperty("fields")[goldenIndexes[f]];
            var actual = mine.GetProperty("fields")[f];
            foreach (var property in new[] { "name", "nullable", "type", "metadata", "values" })
            {
                Assert.True(JsonElement.DeepEquals(expected.GetProperty(property), actual.GetProperty(property)),
                    $"{expected.GetProperty("name")}.{property}: golden {expected.GetProperty(property)}, ours {actual.GetProperty(property)}");
            }
        }
    }

    [Fact]
    public void GoldenFrame_RebuiltWithOurWriter_ApacheArrowsReaderReadsTheSameFrame()
    {
        var (ours, goldenIndexes) = Rebuild();
        var theirs = ApacheArrowFile.Read(Golden);
        var mine = ApacheArrowFile.Read(ArrowFileWriter.Write(ours));

        Assert.Equal(theirs.Schema.Metadata.OrderBy(p => p.Key), mine.Schema.Metadata.OrderBy(p => p.Key));
        for (int f = 0; f < goldenIndexes.Count; f++)
        {
            var expected = theirs.Schema.FieldsList[goldenIndexes[f]];
            var actual = mine.Schema.FieldsList[f];
            Assert.Equal(expected.Name, actual.Name);
            Assert.Equal(expected.IsNullable, actual.IsNullable);
            Assert.Equal(TypeText(expected.DataType), TypeText(actual.DataType));
            Assert.Equal(expected.Metadata.OrderBy(p => p.Key), actual.Metadata.OrderBy(p => p.Key));
            Assert.Equal(Comparable(theirs.Columns[goldenIndexes[f]]), Comparable(mine.Columns[f]));
        }
    }

    /// <summary>Our frame of the golden one's content, and for each of its fields the golden field's index.</summary>
    private static (DataFrame Frame, IReadOnlyList<int> GoldenIndexes) Rebuild()
    {
        var golden = ApacheArrowFile.Read(Golden);
        var fields = new List<Field>();
        var indexes = new List<int>();
        for (int i = 0; i < golden.Schema.FieldsList.Count; i++)
        {
            if (Rebuild(golden.Schema.FieldsList[i], golden.Columns[i]) is { } field)
            {
                fields.Add(field);
                indexes.Add(i);
            }
        }

        Assert.Equal(ComparableFields, fields.Count);
        var metadata = golden.Schema.Metadata;
        return (new DataFrame(metadata["name"], metadata["refId"], fields, metadata["meta"]), indexes);
    }

    private static Field? Rebuild(ArrowField golden, IReadOnlyList<object?> values)
    {
        var metadata = golden.Metadata;
        var labels = metadata.TryGetValue("labels", out var json)
            ? JsonSerializer.Deserialize<Dictionary<string, string>>(json)
            : null;
        var config = metadata.GetValueOrDefault("config");
        var (name, nullable) = (golden.Name, golden.IsNullable);
        return golden.DataType switch
        {
            StringType => Field.String(name, [.. values.Cast<string?>()], nullable, labels, config),
            Int64Type => Field.Int64(name, [.. values.Select(v => (long?)v)], nullable, labels, config),
            UInt16Type when metadata["tstype"] == "enum" => Field.Enum(name, [.. values.Select(v => (ushort?)v)], nullable, labels, config),
            UInt16Type => Field.UInt16(name, [.. values.Select(v => (ushort?)v)], nullable, labels, config),
            DoubleType => Field.Float64(name, [.. values.Select(v => (double?)v)], nullable, labels, config),
            BooleanType => Field.Bool(name, [.. values.Select(v => (bool?)v)], nullable, labels, config),
            TimestampType => Field.Time(name, [.. values.Select(v => (long?)v)], nullable, labels, config),
            BinaryType => Field.Binary(name, [.. values.Cast<byte[]?>()], nullable, labels, config),
            _ => null,
        };
    }

    private static string TypeText(IArrowType type) => type switch
    {
        TimestampType t => $"timestamp({t.Unit}, {t.Timezone ?? "no zone"})",
        _ => type.TypeId.ToString(),
    };

    /// <summary>Values with bytes as base64, so that lists compare by content.</summary>
    private static IEnumerable<object?> Comparable(IReadOnlyList<object?> values) =>
        values.Select(v => v is byte[] bytes ? Convert.ToBase64String(bytes) : v);
}
