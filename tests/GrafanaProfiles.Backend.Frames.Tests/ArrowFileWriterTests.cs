using System.Text.Json;
using GrafanaProfiles.Backend.Frames;

namespace GrafanaProfiles.Backend.Frames.Tests;

public class ArrowFileWriterTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["service"] = "api", ["env"] = "prod" };

    private static DataFrame AllTypes() => new(
        "response",
        "A",
        [
            Field.String("names", ["a", "ünïcode ❤️", ""], labels: Labels, configJson: "{\"displayName\":\"Names\"}"),
            Field.String("nullable_names", ["x", null, "z"], nullable: true),
            Field.Int64("int64", [long.MinValue, 0, long.MaxValue]),
            Field.Int64("nullable_int64", [null, -1, 9_007_199_254_740_993], nullable: true),
            Field.UInt16("uint16", [0, 1, ushort.MaxValue]),
            Field.UInt16("nullable_uint16", [7, null, null], nullable: true),
            Field.Float64("float64", [1.5, double.NaN, double.NegativeInfinity]),
            Field.Float64("nullable_float64", [null, 2.25, double.Epsilon], nullable: true),
            Field.Bool("bool", [true, false, true]),
            Field.Bool("nullable_bool", [false, null, true], nullable: true),
            Field.Time("time", [0, 1_568_039_445_123_456_789, -1]),
            Field.Time("nullable_time", [null, 5, null], nullable: true),
            Field.Binary("json", ["{\"a\":1}"u8.ToArray(), [], "[1,2]"u8.ToArray()]),
            Field.Binary("nullable_json", [null, "{}"u8.ToArray(), null], nullable: true),
            Field.Enum("enum", [1, 2, 0], configJson: "{\"type\":{\"enum\":{\"text\":[\"\",\"ONE\",\"TWO\"]}}}"),
            Field.Enum("nullable_enum", [null, 1, 2], nullable: true),
        ],
        "{\"typeVersion\":[0,0],\"preferredVisualisationType\":\"flamegraph\"}");

    [Fact]
    public void Write_AllTypes_ApacheArrowReadsEveryValueTypeAndMetadata()
    {
        var frame = AllTypes();
        var read = ArrowReader.Read(ArrowFileWriter.Write(frame));

        Assert.Equal(1, read.GetProperty("batches").GetInt32());
        AssertFrame(frame, read);
    }

    [Fact]
    public void Write_ManyBatches_ApacheArrowConcatenatesRowsInOrder()
    {
        var frame = AllTypes();
        var read = ArrowReader.Read(ArrowFileWriter.Write(frame, maxRowsPerBatch: 2));

        Assert.Equal(2, read.GetProperty("batches").GetInt32());
        AssertFrame(frame, read);
    }

    [Theory]
    [InlineData(int.MaxValue, 1)]
    [InlineData(2, 2)]
    [InlineData(1, 3)]
    public void Write_AllTypes_ApacheArrowsOwnReaderReadsTypesMetadataAndValues(int maxRowsPerBatch, int batches)
    {
        var frame = AllTypes();
        var read = ApacheArrowFile.Read(ArrowFileWriter.Write(frame, maxRowsPerBatch));

        Assert.Equal(batches, read.Batches);
        Assert.Equal(new Dictionary<string, string> { ["name"] = frame.Name, ["refId"] = frame.RefId, ["meta"] = frame.MetaJson! },
            read.Schema.Metadata);
        Assert.Equal(frame.Fields.Count, read.Schema.FieldsList.Count);
        for (int f = 0; f < frame.Fields.Count; f++)
        {
            var field = frame.Fields[f];
            var actual = read.Schema.FieldsList[f];
            Assert.Equal(field.Name, actual.Name);
            Assert.Equal(field.Nullable, actual.IsNullable);
            Assert.Equal(ExpectedArrowType(field.Type), ArrowTypeText(actual.DataType));
            var expectedMetadata = new Dictionary<string, string> { ["tstype"] = field.TypeScriptType };
            if (field.Labels is not null)
            {
                expectedMetadata["labels"] = JsonSerializer.Serialize(new SortedDictionary<string, string>(Labels, StringComparer.Ordinal));
            }

            if (field.ConfigJson is not null)
            {
                expectedMetadata["config"] = field.ConfigJson;
            }

            Assert.Equal(expectedMetadata.OrderBy(p => p.Key), actual.Metadata.OrderBy(p => p.Key));
            Assert.Equal(Base64(Enumerable.Range(0, field.Length).Select(field.GetValue)), Base64(read.Columns[f]));
        }
    }

    private static string ExpectedArrowType(FieldType type) => type switch
    {
        FieldType.String => "String",
        FieldType.Int64 => "Int64",
        FieldType.UInt16 or FieldType.Enum => "UInt16",
        FieldType.Float64 => "Double",
        FieldType.Bool => "Boolean",
        FieldType.Time => "Timestamp(Nanosecond, no zone)",
        _ => "Binary",
    };

    private static string ArrowTypeText(Apache.Arrow.Types.IArrowType type) => type is Apache.Arrow.Types.TimestampType t
        ? $"Timestamp({t.Unit}, {t.Timezone ?? "no zone"})"
        : type.TypeId.ToString();

    private static IEnumerable<object?> Base64(IEnumerable<object?> values) =>
        values.Select(v => v is byte[] bytes ? Convert.ToBase64String(bytes) : v);

    [Fact]
    public void Write_ZeroRows_ReadsAsEmptyColumnsWithTheirTypes()
    {
        var frame = new DataFrame("empty", "B",
        [
            Field.Int64("level", []),
            Field.Int64("value", []),
            Field.Int64("self", []),
            Field.String("label", [], nullable: true),
        ]);
        var read = ArrowReader.Read(ArrowFileWriter.Write(frame));

        Assert.Equal(0, read.GetProperty("rows").GetInt32());
        AssertFrame(frame, read);
    }

    [Fact]
    public void Write_ZeroFields_KeepsNameRefIdAndMeta()
    {
        var frame = new DataFrame("", "C", [], "{\"executedQueryString\":\"SELECT 1\"}");
        var read = ArrowReader.Read(ArrowFileWriter.Write(frame));

        Assert.Equal(0, read.GetProperty("fields").GetArrayLength());
        AssertFrame(frame, read);
    }

    [Fact]
    public void Write_AnyFrame_IsAnIpcFileWithMagicAtBothEnds()
    {
        byte[] bytes = ArrowFileWriter.Write(AllTypes());

        Assert.Equal("ARROW1\0\0"u8.ToArray(), bytes[..8]);
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, bytes[8..12]);
        Assert.Equal("ARROW1"u8.ToArray(), bytes[^6..]);
    }

    [Fact]
    public void Write_NullInNonNullableField_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => Field.String("names", ["a", null]));
        Assert.Contains("row 1", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, Func<Field>> NonNullableFieldsWithANull => new()
    {
        { "int64", () => Field.Int64("int64", [1, null, 3]) },
        { "uint16", () => Field.UInt16("uint16", [1, null, 3]) },
        { "float64", () => Field.Float64("float64", [1.5, null, 3]) },
        { "bool", () => Field.Bool("bool", [true, null, false]) },
        { "time", () => Field.Time("time", new long?[] { 1, null, 3 }) },
        { "json", () => Field.Binary("json", [[1], null, [3]]) },
        { "enum", () => Field.Enum("enum", [1, null, 3]) },
    };

    [Theory]
    [MemberData(nameof(NonNullableFieldsWithANull))]
    public void Field_NullInNonNullableColumnOfAnyType_IsRefusedNamingFieldAndRow(string name, Func<Field> create)
    {
        var error = Assert.Throws<ArgumentException>(create);
        Assert.Contains($"'{name}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("row 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_NullableFieldsWithoutNulls_ReadAsNullableWithEveryValue()
    {
        var frame = new DataFrame("f", "A",
        [
            Field.String("s", ["a", "b"], nullable: true),
            Field.Int64("i", [1, 2], nullable: true),
            Field.Bool("b", [true, false], nullable: true),
            Field.Time("t", new long?[] { 5, 6 }, nullable: true),
        ]);

        AssertFrame(frame, ArrowReader.Read(ArrowFileWriter.Write(frame)));
        Assert.All(frame.Fields, f => Assert.Equal(0, f.Column.NullCount));
    }

    [Fact]
    public void GoldenSdkFile_ReadBySameScript_MatchesSdkJsonAndOurMetadataConventions()
    {
        string golden = RepoPaths.SharedFile(
            "grafana-plugin-sdk-go", "data", "testdata", "all_types.golden.arrow");
        var read = ArrowReader.ReadFile(golden);

        var metadata = read.GetProperty("metadata");
        Assert.Equal("many_types", metadata.GetProperty("name").GetString());
        Assert.Equal("A", metadata.GetProperty("refId").GetString());
        Assert.Contains("\"executedQueryString\":\"SELECT * FROM table\"", metadata.GetProperty("meta").GetString(), StringComparison.Ordinal);
        // The golden frame has two fields named "timestamps"; the first one carries the config.
        var fields = read.GetProperty("fields").EnumerateArray()
            .GroupBy(f => f.GetProperty("name").GetString()!).ToDictionary(g => g.Key, g => g.First());

        // Each golden field's type, nullability and tstype is what we write for the same Go type.
        (string Golden, FieldType Ours)[] pairs =
        [
            ("string_values", FieldType.String), ("nullable_int64_values", FieldType.Int64),
            ("uint16_values", FieldType.UInt16), ("nullable_float64_values", FieldType.Float64),
            ("bool_values", FieldType.Bool), ("nullable_timestamps", FieldType.Time),
            ("json", FieldType.Binary), ("enum", FieldType.Enum), ("nullable_enum", FieldType.Enum),
        ];
        foreach (var (goldenName, ours) in pairs)
        {
            var goldenField = fields[goldenName];
            bool nullable = goldenField.GetProperty("nullable").GetBoolean();
            var ourFrame = new DataFrame("f", "A", [OneNullField(ours, nullable)]);
            var ourField = ArrowReader.Read(ArrowFileWriter.Write(ourFrame)).GetProperty("fields")[0];
            Assert.Equal(goldenField.GetProperty("type").GetRawText(), ourField.GetProperty("type").GetRawText());
            Assert.Equal(nullable, ourField.GetProperty("nullable").GetBoolean());
            Assert.Equal(goldenField.GetProperty("metadata").GetProperty("tstype").GetString(),
                ourField.GetProperty("metadata").GetProperty("tstype").GetString());
        }

        Assert.Equal("{\"aLabelKey\":\"aLabelValue\"}", fields["string_values"].GetProperty("metadata").GetProperty("labels").GetString());
        Assert.Equal("{\"interval\":1000}", fields["timestamps"].GetProperty("metadata").GetProperty("config").GetString());
        Assert.Equal(["0", "1568039445000000000", null], fields["nullable_timestamps"].GetProperty("values")
            .EnumerateArray().Take(3).Select(v => v.GetString()));
    }

    private static Field OneNullField(FieldType type, bool nullable) => type switch
    {
        FieldType.String => Field.String("v", ["s"], nullable),
        FieldType.Int64 => Field.Int64("v", [1], nullable),
        FieldType.UInt16 => Field.UInt16("v", [1], nullable),
        FieldType.Float64 => Field.Float64("v", [1], nullable),
        FieldType.Bool => Field.Bool("v", [true], nullable),
        FieldType.Time => Field.Time("v", new long?[] { 1 }, nullable),
        FieldType.Binary => Field.Binary("v", [[1]], nullable),
        _ => Field.Enum("v", [1], nullable),
    };

    private static void AssertFrame(DataFrame frame, JsonElement read)
    {
        var metadata = read.GetProperty("metadata");
        Assert.Equal(frame.Name, metadata.GetProperty("name").GetString());
        Assert.Equal(frame.RefId, metadata.GetProperty("refId").GetString());
        Assert.Equal(frame.MetaJson, metadata.TryGetProperty("meta", out var meta) ? meta.GetString() : null);
        Assert.Equal(frame.RowCount, read.GetProperty("rows").GetInt32());

        var fields = read.GetProperty("fields");
        Assert.Equal(frame.Fields.Count, fields.GetArrayLength());
        for (int f = 0; f < frame.Fields.Count; f++)
        {
            var field = frame.Fields[f];
            var actual = fields[f];
            Assert.Equal(field.Name, actual.GetProperty("name").GetString());
            Assert.Equal(field.Nullable, actual.GetProperty("nullable").GetBoolean());
            Assert.Equal(ExpectedType(field.Type), actual.GetProperty("type").GetRawText());

            var fieldMetadata = actual.GetProperty("metadata");
            var expectedKeys = new List<string> { "tstype" };
            Assert.Equal(field.TypeScriptType, fieldMetadata.GetProperty("tstype").GetString());
            if (field.Labels is not null)
            {
                expectedKeys.Add("labels");
                var labels = JsonSerializer.Deserialize<Dictionary<string, string>>(fieldMetadata.GetProperty("labels").GetString()!);
                Assert.Equal(field.Labels.OrderBy(p => p.Key), labels!.OrderBy(p => p.Key));
            }

            if (field.ConfigJson is not null)
            {
                expectedKeys.Add("config");
                Assert.Equal(field.ConfigJson, fieldMetadata.GetProperty("config").GetString());
            }

            Assert.Equal(expectedKeys.Order(), fieldMetadata.EnumerateObject().Select(p => p.Name).Order());

            var values = actual.GetProperty("values");
            Assert.Equal(field.Length, values.GetArrayLength());
            for (int row = 0; row < field.Length; row++)
            {
                Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(ExpectedValue(field, row)).RootElement, values[row]),
                    $"{field.Name}[{row}]: expected {ExpectedValue(field, row)}, read {values[row].GetRawText()}");
            }
        }
    }

    private static string ExpectedType(FieldType type) => type switch
    {
        FieldType.String => "{\"kind\":\"utf8\"}",
        FieldType.Int64 => "{\"kind\":\"int\",\"bitWidth\":64,\"signed\":true}",
        FieldType.UInt16 or FieldType.Enum => "{\"kind\":\"int\",\"bitWidth\":16,\"signed\":false}",
        FieldType.Float64 => "{\"kind\":\"float\",\"precision\":2}",
        FieldType.Bool => "{\"kind\":\"bool\"}",
        FieldType.Time => "{\"kind\":\"timestamp\",\"unit\":3,\"timezone\":null}",
        _ => "{\"kind\":\"binary\"}",
    };

    /// <summary>The JSON read.mjs prints for a value: 64-bit integers as strings, bytes as base64.</summary>
    private static string ExpectedValue(Field field, int row)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        return field.GetValue(row) switch
        {
            null => "null",
            string s => JsonSerializer.Serialize(s),
            long l => JsonSerializer.Serialize(l.ToString(inv)),
            ushort u => u.ToString(inv),
            bool b => b ? "true" : "false",
            byte[] bytes => JsonSerializer.Serialize(Convert.ToBase64String(bytes)),
            double d when double.IsNaN(d) => "\"NaN\"",
            double d when double.IsPositiveInfinity(d) => "\"Infinity\"",
            double d when double.IsNegativeInfinity(d) => "\"-Infinity\"",
            double d => JsonSerializer.Serialize(d),
            var other => throw new InvalidOperationException($"Unexpected value {other}."),
        };
    }

    [Fact]
    public void Write_FieldsWithTheSameName_KeepTheirOwnLabels()
    {
        var frame = new DataFrame("wide", "A",
        [
            Field.Time("Time", [1L, 2L]),
            Field.Float64("cpu", [1.0, null], nullable: true, labels: new Dictionary<string, string> { ["version"] = "v1" }),
            Field.Float64("cpu", [null, 2.0], nullable: true, labels: new Dictionary<string, string> { ["version"] = "v2" }),
        ]);

        var read = ArrowReader.Read(ArrowFileWriter.Write(frame));

        var fields = read.GetProperty("fields");
        Assert.Equal("{\"version\":\"v1\"}", fields[1].GetProperty("metadata").GetProperty("labels").GetString());
        Assert.Equal("{\"version\":\"v2\"}", fields[2].GetProperty("metadata").GetProperty("labels").GetString());
    }
}
