namespace GrafanaProfiles.Backend.Frames;

/// <summary>The column types Grafana's Arrow reader accepts that this backend writes.</summary>
public enum FieldType
{
    /// <summary>Go <c>string</c>: Arrow Utf8, tstype <c>string</c>.</summary>
    String,

    /// <summary>Go <c>int64</c>: Arrow Int(64, signed), tstype <c>number</c>.</summary>
    Int64,

    /// <summary>Go <c>uint16</c>: Arrow Int(16, unsigned), tstype <c>number</c>.</summary>
    UInt16,

    /// <summary>Go <c>float64</c>: Arrow FloatingPoint(DOUBLE), tstype <c>number</c>.</summary>
    Float64,

    /// <summary>Go <c>bool</c>: Arrow Bool, tstype <c>boolean</c>.</summary>
    Bool,

    /// <summary>Go <c>time.Time</c>: Arrow Timestamp(NANOSECOND, no zone), tstype <c>time</c>.</summary>
    Time,

    /// <summary>Go <c>json.RawMessage</c>: Arrow Binary, tstype <c>other</c>.</summary>
    Binary,

    /// <summary>Go <c>data.EnumItemIndex</c>: Arrow Int(16, unsigned), tstype <c>enum</c>.</summary>
    Enum,
}
