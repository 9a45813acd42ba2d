using System.Buffers.Binary;
using GrafanaProfiles.Backend.Frames;

namespace GrafanaProfiles.Backend.Frames.Tests;

/// <summary>
/// Walks the IPC file framing byte by byte, on our output and on the Go SDK's golden file alike, so the
/// two are held to the same conventions: magic + 2 padding bytes, 8-byte aligned messages, an
/// end-of-stream marker before the footer, footer length, trailing magic.
/// </summary>
public class ArrowFileLayoutTests
{
    [Fact]
    public void GoldenSdkFile_Framing_FollowsTheConventionsWeCheck()
    {
        string golden = RepoPaths.SharedFile(
            "grafana-plugin-sdk-go", "data", "testdata", "all_types.golden.arrow");

        Assert.Equal(2, MessageCount(File.ReadAllBytes(golden)));
    }

    [Theory]
    [InlineData(3, 2)]
    [InlineData(1, 4)]
    [InlineData(int.MaxValue, 2)]
    public void Write_Framing_MatchesTheGoWritersLayout(int maxRowsPerBatch, int expectedMessages)
    {
        var frame = new DataFrame("f", "A",
        [
            Field.String("s", ["a", null, "ccc"], nullable: true),
            Field.Int64("i", [1, 2, 3]),
        ]);

        Assert.Equal(expectedMessages, MessageCount(ArrowFileWriter.Write(frame, maxRowsPerBatch)));
    }

    /// <summary>Checks the framing and returns the number of messages (schema + record batches).</summary>
    private static int MessageCount(byte[] file)
    {
        Assert.Equal("ARROW1\0\0"u8.ToArray(), file[..8]);
        Assert.Equal("ARROW1"u8.ToArray(), file[^6..]);
        int footerLength = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(file.Length - 10));
        int footerStart = file.Length - 10 - footerLength;
        Assert.Equal(0, footerStart % 8);

        int position = 8;
        int messages = 0;
        while (true)
        {
            Assert.Equal(0, position % 8);
            Assert.Equal(0xFFFFFFFFu, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(position)));
            int metadataLength = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(position + 4));
            if (metadataLength == 0)
            {
                Assert.Equal(footerStart, position + 8);
                return messages;
            }

            Assert.Equal(0, metadataLength % 8);
            position += 8 + metadataLength + (int)BodyLength(file.AsSpan(position + 8, metadataLength));
            messages++;
        }
    }

    /// <summary>Reads Message.bodyLength (field 3, absent means 0) from a Message flatbuffer.</summary>
    private static long BodyLength(ReadOnlySpan<byte> message)
    {
        int table = BinaryPrimitives.ReadInt32LittleEndian(message);
        int vtable = table - BinaryPrimitives.ReadInt32LittleEndian(message[table..]);
        int vtableSize = BinaryPrimitives.ReadUInt16LittleEndian(message[vtable..]);
        const int slot = 3;
        if (4 + (2 * slot) >= vtableSize)
        {
            return 0;
        }

        int fieldOffset = BinaryPrimitives.ReadUInt16LittleEndian(message[(vtable + 4 + (2 * slot))..]);
        return fieldOffset == 0 ? 0 : BinaryPrimitives.ReadInt64LittleEndian(message[(table + fieldOffset)..]);
    }
}
