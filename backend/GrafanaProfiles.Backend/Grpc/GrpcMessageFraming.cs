using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace GrafanaProfiles.Backend.Grpc;

/// <summary>
/// The gRPC length-prefixed message: 1 byte compressed flag, 4 bytes big-endian length, the message.
/// Pure functions over bytes so they can be tested split at every position (see README.md).
/// </summary>
public static class GrpcMessageFraming
{
    public const int HeaderLength = 5;

    /// <summary>
    /// Tries to take one whole message from the front of <paramref name="buffer"/>. Returns false when more
    /// bytes are needed. Throws <see cref="RpcException"/> (ResourceExhausted) as soon as the header announces a
    /// message above <paramref name="maxMessageSize"/>, before reading it.
    /// </summary>
    public static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, int maxMessageSize, out bool compressed, out ReadOnlySequence<byte> message)
    {
        compressed = false;
        message = default;
        if (buffer.Length < HeaderLength)
        {
            return false;
        }
        Span<byte> header = stackalloc byte[HeaderLength];
        buffer.Slice(0, HeaderLength).CopyTo(header);
        if (header[0] > 1)
        {
            throw new RpcException(StatusCode.Internal, $"Invalid gRPC message flag {header[0]}; expected 0 or 1.");
        }
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxMessageSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted,
                $"Received message larger than max ({length} vs. {maxMessageSize}); the limit is the plugin's max_receive_message_size.");
        }
        if (buffer.Length < HeaderLength + length)
        {
            return false;
        }
        compressed = header[0] == 1;
        message = buffer.Slice(HeaderLength, length);
        buffer = buffer.Slice(HeaderLength + length);
        return true;
    }

    /// <summary>Writes the 5-byte header for a message of <paramref name="length"/> bytes.</summary>
    public static void WriteHeader(Span<byte> destination, int length)
    {
        destination[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
    }

    /// <summary>Inflates a gzip-compressed message (grpc-encoding: gzip), refusing output above the limit.</summary>
    public static byte[] Gunzip(ReadOnlySequence<byte> compressed, int maxMessageSize)
    {
        using var input = new MemoryStream(compressed.ToArray());
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(81_920);
        try
        {
            int read;
            while ((read = gzip.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (output.Length + read > maxMessageSize)
                {
                    throw new RpcException(StatusCode.ResourceExhausted,
                        $"Decompressed message larger than max ({maxMessageSize} bytes); the limit is the plugin's max_receive_message_size.");
                }
                output.Write(chunk, 0, read);
            }
        }
        catch (InvalidDataException e)
        {
            throw new RpcException(StatusCode.Internal, "The gzip-compressed message is corrupt: " + e.Message);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return output.ToArray();
    }

    /// <summary>
    /// Percent-encodes a status message for the <c>grpc-message</c> trailer: UTF-8 bytes outside
    /// 0x20–0x7E and the '%' itself become <c>%XX</c> (gRPC over HTTP/2 spec).
    /// </summary>
    public static string EncodeStatusMessage(string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return builder.ToString();
    }

    /// <summary>Reverses <see cref="EncodeStatusMessage"/>.</summary>
    public static string DecodeStatusMessage(string encoded)
    {
        var bytes = new List<byte>(encoded.Length);
        for (int i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] == '%' && i + 2 < encoded.Length &&
                byte.TryParse(encoded.AsSpan(i + 1, 2), System.Globalization.NumberStyles.HexNumber, null, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else
            {
                bytes.Add((byte)encoded[i]);
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>
    /// Parses a <c>grpc-timeout</c> header: at most 8 digits and a unit (H, M, S, m, u, n).
    /// Returns false for a malformed value.
    /// </summary>
    public static bool TryParseTimeout(string value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length is < 2 or > 9 || !long.TryParse(value.AsSpan(0, value.Length - 1), System.Globalization.NumberStyles.None, null, out var amount))
        {
            return false;
        }
        double? ticks = value[^1] switch
        {
            'H' => amount * (double)TimeSpan.TicksPerHour,
            'M' => amount * (double)TimeSpan.TicksPerMinute,
            'S' => amount * (double)TimeSpan.TicksPerSecond,
            'm' => amount * (double)TimeSpan.TicksPerMillisecond,
            'u' => amount * 10.0,
            'n' => amount / 100.0,
            _ => null,
        };
        if (ticks is not { } t)
        {
            return false;
        }
        timeout = TimeSpan.FromTicks((long)Math.Min(t, TimeSpan.MaxValue.Ticks));
        return true;
    }
}
