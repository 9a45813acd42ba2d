namespace GrafanaProfiles.Backend.Frames;

public static partial class ArrowFileWriter
{
    // Type union tags from Arrow's Schema.fbs.
    private const byte TypeInt = 2;
    private const byte TypeFloatingPoint = 3;
    private const byte TypeBinary = 4;
    private const byte TypeUtf8 = 5;
    private const byte TypeBool = 6;
    private const byte TypeTimestamp = 10;
    private const short PrecisionDouble = 2;
    private const short TimeUnitNanosecond = 3;

    private static FbTable BuildSchema(DataFrame frame)
    {
        var metadata = new List<(string, string)> { ("name", frame.Name), ("refId", frame.RefId) };
        if (frame.MetaJson is not null)
        {
            metadata.Add(("meta", frame.MetaJson));
        }

        return new FbTable()
            .Scalar(0, 2, 0) // little-endian
            .Ref(1, new FbTableVector(frame.Fields.Select(BuildField).ToList()))
            .Ref(2, KeyValues(metadata));
    }

    private static FbTable BuildField(Field field)
    {
        var metadata = new List<(string, string)> { ("tstype", field.TypeScriptType) };
        if (field.LabelsJson is { } labels)
        {
            metadata.Add(("labels", labels));
        }

        if (field.ConfigJson is { } config)
        {
            metadata.Add(("config", config));
        }

        var (tag, type) = ArrowType(field.Type);
        return new FbTable()
            .Ref(0, new FbString(field.Name))
            .Scalar(1, 1, field.Nullable ? 1 : 0)
            .Scalar(2, 1, tag)
            .Ref(3, type)
            .Ref(5, new FbTableVector([]))
            .Ref(6, KeyValues(metadata));
    }

    private static (byte Tag, FbTable Type) ArrowType(FieldType type) => type switch
    {
        FieldType.String => (TypeUtf8, new FbTable()),
        FieldType.Int64 => (TypeInt, new FbTable().Scalar(0, 4, 64).Scalar(1, 1, 1)),
        FieldType.UInt16 or FieldType.Enum => (TypeInt, new FbTable().Scalar(0, 4, 16).Scalar(1, 1, 0)),
        FieldType.Float64 => (TypeFloatingPoint, new FbTable().Scalar(0, 2, PrecisionDouble)),
        FieldType.Bool => (TypeBool, new FbTable()),
        FieldType.Time => (TypeTimestamp, new FbTable().Scalar(0, 2, TimeUnitNanosecond)),
        FieldType.Binary => (TypeBinary, new FbTable()),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown field type."),
    };

    private static FbTableVector KeyValues(List<(string Key, string Value)> pairs) =>
        new(pairs.Select(p => new FbTable().Ref(0, new FbString(p.Key)).Ref(1, new FbString(p.Value))).ToList());
}
