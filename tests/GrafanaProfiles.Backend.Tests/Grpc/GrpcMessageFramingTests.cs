using System.Buffers;
using GrafanaProfiles.Backend.Grpc;

namespace GrafanaProfiles.Backend.Tests.Grpc;

public class GrpcMessageFramingTests
{
    private static byte[] Framed(byte[] message, byte flag = 0)
    {
        var framed = new byte[5 + message.Length];
        GrpcMessageFraming.WriteHeader(framed, message.Length);
        framed[0] = flag;
        message.CopyTo(framed, 5);
        return framed;
    }

    private static ReadOnlySequence<byte> Split(byte[] bytes, int at)
    {
        var first = new Segment(bytes.AsMemory(0, at), 0);
        var last = first.Append(bytes.AsMemory(at));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    [Fact]
    public void TryReadMessage_SplitAtEveryPosition_ReadsTheSameMessage()
    {
        var message = Enumerable.Range(0, 40).Select(i => (byte)i).ToArray();
        var bytes = Framed(message);
        for (int at = 0; at <= bytes.Length; at++)
        {
            var sequence = Split(bytes, at);
            Assert.True(GrpcMessageFraming.TryReadMessage(ref sequence, 1024, out var compressed, out var read), $"split at {at}");
            Assert.False(compressed);
            Assert.Equal(message, read.ToArray());
            Assert.True(sequence.IsEmpty);
        }
    }

    [Fact]
    public void TryReadMessage_EveryPrefix_AsksForMoreBytes()
    {
        var bytes = Framed(new byte[10]);
        for (int length = 0; length < bytes.Length; length++)
        {
            var sequence = new ReadOnlySequence<byte>(bytes, 0, length);
            Assert.False(GrpcMessageFraming.TryReadMessage(ref sequence, 1024, out _, out _), $"prefix {length}");
        }
    }

    [Fact]
    public void TryReadMessage_HeaderAboveLimit_RefusesBeforeTheBody()
    {
        var header = new byte[5];
        GrpcMessageFraming.WriteHeader(header, 2048);
        var sequence = new ReadOnlySequence<byte>(header);

        var e = Assert.Throws<RpcException>(() => GrpcMessageFraming.TryReadMessage(ref sequence, 1024, out _, out _));

        Assert.Equal(StatusCode.ResourceExhausted, e.Status);
        Assert.Contains("2048 vs. 1024", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryReadMessage_BadFlag_IsInternal()
    {
        var sequence = new ReadOnlySequence<byte>(Framed([1, 2], flag: 7));

        var e = Assert.Throws<RpcException>(() => GrpcMessageFraming.TryReadMessage(ref sequence, 1024, out _, out _));

        Assert.Equal(StatusCode.Internal, e.Status);
    }

    [Fact]
    public void TryReadMessage_TwoMessages_ReadsThemInOrder()
    {
        var bytes = Framed([1]).Concat(Framed([2, 3], flag: 1)).ToArray();
        var sequence = new ReadOnlySequence<byte>(bytes);

        Assert.True(GrpcMessageFraming.TryReadMessage(ref sequence, 16, out var c1, out var m1));
        Assert.True(GrpcMessageFraming.TryReadMessage(ref sequence, 16, out var c2, out var m2));

        Assert.Equal([1], m1.ToArray());
        Assert.Equal([2, 3], m2.ToArray());
        Assert.False(c1);
        Assert.True(c2);
    }

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("100%", "100%25")]
    [InlineData("café", "caf%C3%A9")]
    [InlineData("line\nbreak", "line%0Abreak")]
    public void StatusMessage_IsPercentEncodedPerSpec_AndRoundTrips(string message, string encoded)
    {
        Assert.Equal(encoded, GrpcMessageFraming.EncodeStatusMessage(message));
        Assert.Equal(message, GrpcMessageFraming.DecodeStatusMessage(encoded));
    }

    [Theory]
    [InlineData("1H", 3600_000)]
    [InlineData("2M", 120_000)]
    [InlineData("30S", 30_000)]
    [InlineData("250m", 250)]
    [InlineData("5000u", 5)]
    [InlineData("7000000n", 7)]
    public void TryParseTimeout_EveryUnit(string text, long milliseconds)
    {
        Assert.True(GrpcMessageFraming.TryParseTimeout(text, out var timeout));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), timeout);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10x")]
    [InlineData("123456789S")]
    [InlineData("-5S")]
    public void TryParseTimeout_Malformed_IsRefused(string text) =>
        Assert.False(GrpcMessageFraming.TryParseTimeout(text, out _));

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
