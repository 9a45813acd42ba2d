using GrafanaProfiles.Store.Write.Parquet;

namespace GrafanaProfiles.Store.Write.Tests.Parquet;

public sealed class ThriftCompactWriterTests
{
    [Fact]
    public void Struct_WithEveryKindOfField_IsEncodedAsTheCompactProtocolSpecifies()
    {
        using var w = new ThriftCompactWriter();
        w.BeginStruct();
        w.FieldI32(1, 1);
        w.FieldI64(2, -1);
        w.FieldBinary(20, "ab"u8);
        w.FieldBool(21, true);
        w.FieldStruct(22);
        w.FieldI32(1, 300);
        w.EndStruct();
        w.FieldList(23, ThriftCompactWriter.I32, 3);
        foreach (var v in new[] { 1, 2, 3 })
        {
            w.ElementI32(v);
        }
        w.FieldList(24, ThriftCompactWriter.I32, 20);
        foreach (var v in Enumerable.Range(0, 20))
        {
            w.ElementI32(v);
        }
        w.FieldI8(25, -2);
        w.FieldI16(26, -3);
        w.EndStruct();

        byte[] expected =
        [
            0x15, 0x02, // field 1 (delta 1), i32, zigzag(1)
            0x16, 0x01, // field 2, i64, zigzag(-1)
            0x08, 0x28, 0x02, (byte)'a', (byte)'b', // field 20: delta 18 does not fit, so type then zigzag(20); length, bytes
            0x11, // field 21, bool true in the header
            0x1C, 0x15, 0xD8, 0x04, 0x00, // field 22, struct { field 1, i32 zigzag(300) = 600 }
            0x19, 0x35, 0x02, 0x04, 0x06, // field 23, list of 3 i32
            0x19, 0xF5, 0x14, .. Enumerable.Range(0, 20).Select(v => (byte)(v * 2)), // field 24, list of 20 i32: long header
            0x13, 0xFE, // field 25, byte
            0x14, 0x05, // field 26, i16 zigzag(-3)
            0x00,
        ];
        Assert.Equal(expected, w.Written.ToArray());
    }
}
