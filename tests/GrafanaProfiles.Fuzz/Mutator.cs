using System.IO.Compression;
using System.Text;

namespace GrafanaProfiles.Fuzz;

/// <summary>
/// Structured mutations of real payloads: byte flips, truncations, splices of two seeds, edits of
/// protobuf varints and length fields, JSON and text token edits (quotes, escapes, lone surrogates,
/// invalid UTF-8, deep nesting) and huge counts. Deterministic for a seed of <see cref="Random"/>.
/// </summary>
internal sealed class Mutator(Random random)
{
    /// <summary>Upper bound of one input's size, so a mutation chain cannot grow without end.</summary>
    public const int MaxInputBytes = 1 << 20;

    private static readonly byte[][] Tokens =
    [
        "\""u8.ToArray(), "\\"u8.ToArray(), "\\u"u8.ToArray(), "\\udfff"u8.ToArray(), "\\ud800\\u0041"u8.ToArray(),
        "\\ud83d"u8.ToArray(), "{"u8.ToArray(), "}"u8.ToArray(), "["u8.ToArray(), "]"u8.ToArray(), ","u8.ToArray(),
        ":"u8.ToArray(), "null"u8.ToArray(), "true"u8.ToArray(), "-0"u8.ToArray(), "1e999"u8.ToArray(),
        "18446744073709551616"u8.ToArray(), "-9223372036854775809"u8.ToArray(), "9223372036854775807"u8.ToArray(),
        "NaN"u8.ToArray(), "\"\""u8.ToArray(), "="u8.ToArray(), "=~"u8.ToArray(), "!~"u8.ToArray(), "!="u8.ToArray(),
        ";"u8.ToArray(), "\n"u8.ToArray(), "\r"u8.ToArray(), "\t"u8.ToArray(), " "u8.ToArray(), "\0"u8.ToArray(),
        "'"u8.ToArray(), "''"u8.ToArray(), "$__"u8.ToArray(), "$__timeFilter("u8.ToArray(), "$__timeGroup(time,"u8.ToArray(),
        "$__interval"u8.ToArray(), "$$"u8.ToArray(), "$tag$"u8.ToArray(), "--"u8.ToArray(), "/*"u8.ToArray(), "*/"u8.ToArray(),
        "("u8.ToArray(), ")"u8.ToArray(), "\"A\":\"\\"u8.ToArray(), "(?i)"u8.ToArray(), ".*"u8.ToArray(), "[["u8.ToArray(),
        "\\x"u8.ToArray(), "__name__"u8.ToArray(), "service_name"u8.ToArray(), "\"AAAA\""u8.ToArray(), "\"A-_\""u8.ToArray(),
        [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0xFE, 0xFF], [0xC3],
        [0xEF, 0xBB, 0xBF], [0xE2, 0x80, 0xA8],
    ];

    public Random Random => random;

    /// <summary>One to four stacked mutations of a seed (sometimes a splice of two).</summary>
    public byte[] Mutate(IReadOnlyList<byte[]> seeds)
    {
        var data = seeds[random.Next(seeds.Count)];
        var rounds = 1 + random.Next(4);
        for (var r = 0; r < rounds; r++)
        {
            data = MutateOnce(data, seeds);
            if (data.Length > MaxInputBytes)
            {
                data = data[..MaxInputBytes];
            }
        }
        return data;
    }

    private byte[] MutateOnce(byte[] data, IReadOnlyList<byte[]> seeds)
    {
        switch (random.Next(14))
        {
            case 0: return FlipBits(data);
            case 1: return SetBytes(data);
            case 2: return Truncate(data);
            case 3: return Splice(data, seeds[random.Next(seeds.Count)]);
            case 4: return DuplicateRange(data);
            case 5: return DeleteRange(data);
            case 6: return EditVarint(data);
            case 7: return EditLengthField(data);
            case 8: return InsertToken(data);
            case 9: return ReplaceToken(data);
            case 10: return Nest(data);
            case 11: return HugeNumber(data);
            case 12: return InsertToken(data);
            default: return data.Length == 0 ? [(byte)random.Next(256)] : FlipBits(data);
        }
    }

    public byte[] FlipBits(byte[] data)
    {
        if (data.Length == 0)
        {
            return data;
        }
        var copy = (byte[])data.Clone();
        var flips = 1 + random.Next(8);
        for (var i = 0; i < flips; i++)
        {
            copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
        }
        return copy;
    }

    private byte[] SetBytes(byte[] data)
    {
        if (data.Length == 0)
        {
            return data;
        }
        var copy = (byte[])data.Clone();
        var at = random.Next(copy.Length);
        ReadOnlySpan<byte> interesting = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x0A, 0x22, 0x5C];
        var count = Math.Min(1 + random.Next(4), copy.Length - at);
        for (var i = 0; i < count; i++)
        {
            copy[at + i] = random.Next(2) == 0 ? interesting[random.Next(interesting.Length)] : (byte)random.Next(256);
        }
        return copy;
    }

    public byte[] Truncate(byte[] data) => data.Length == 0 ? data : data[..random.Next(data.Length)];

    private byte[] Splice(byte[] a, byte[] b)
    {
        var cutA = a.Length == 0 ? 0 : random.Next(a.Length + 1);
        var cutB = b.Length == 0 ? 0 : random.Next(b.Length + 1);
        return [.. a.AsSpan(0, cutA), .. b.AsSpan(cutB)];
    }

    public byte[] DuplicateRange(byte[] data)
    {
        if (data.Length == 0)
        {
            return data;
        }
        var start = random.Next(data.Length);
        var length = 1 + random.Next(Math.Min(data.Length - start, 4096));
        var at = random.Next(data.Length + 1);
        return [.. data.AsSpan(0, at), .. data.AsSpan(start, length), .. data.AsSpan(at)];
    }

    private byte[] DeleteRange(byte[] data)
    {
        if (data.Length == 0)
        {
            return data;
        }
        var start = random.Next(data.Length);
        var length = 1 + random.Next(Math.Min(data.Length - start, 256));
        return [.. data.AsSpan(0, start), .. data.AsSpan(start + length)];
    }

    /// <summary>Replaces a varint at a random offset with an extreme one (0, max 32/64-bit, negative, overlong).</summary>
    private byte[] EditVarint(byte[] data)
    {
        if (data.Length == 0)
        {
            return data;
        }
        var at = random.Next(data.Length);
        var end = at;
        while (end < data.Length && (data[end] & 0x80) != 0 && end - at < 10)
        {
            end++;
        }
        end = Math.Min(end + 1, data.Length);
        return [.. data.AsSpan(0, at), .. ExtremeVarint(), .. data.AsSpan(end)];
    }

    private byte[] ExtremeVarint() => random.Next(7) switch
    {
        0 => [0x00],
        1 => [0xFF, 0xFF, 0xFF, 0xFF, 0x0F],
        2 => [0xFF, 0xFF, 0xFF, 0xFF, 0x07],
        3 => [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
        4 => [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
        5 => [0x80, 0x80, 0x80, 0x80, 0x10],
        _ => Varint((ulong)random.NextInt64(0, 1L << 40)),
    };

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        } while (value != 0);
        return [.. bytes];
    }

    /// <summary>
    /// Finds a length-delimited field header (wire type 2) followed by a plausible length and
    /// replaces the length, so a nested message claims more or fewer bytes than it has.
    /// </summary>
    private byte[] EditLengthField(byte[] data)
    {
        for (var attempt = 0; attempt < 32 && data.Length > 2; attempt++)
        {
            var at = random.Next(data.Length - 1);
            if ((data[at] & 0x07) != 2 || data[at] >= 0x80)
            {
                continue;
            }
            var lengthAt = at + 1;
            var end = lengthAt;
            while (end < data.Length && (data[end] & 0x80) != 0 && end - lengthAt < 5)
            {
                end++;
            }
            end = Math.Min(end + 1, data.Length);
            ulong length = random.Next(4) switch
            {
                0 => 0,
                1 => (ulong)(data.Length - end + 1 + random.Next(16)),
                2 => uint.MaxValue,
                _ => (ulong)random.Next(Math.Max(1, data.Length - end)),
            };
            return [.. data.AsSpan(0, lengthAt), .. Varint(length), .. data.AsSpan(end)];
        }
        return EditVarint(data);
    }

    private byte[] InsertToken(byte[] data)
    {
        var token = Tokens[random.Next(Tokens.Length)];
        var at = random.Next(data.Length + 1);
        return [.. data.AsSpan(0, at), .. token, .. data.AsSpan(at)];
    }

    /// <summary>Replaces a run of letters, digits or one punctuation byte with a token.</summary>
    private byte[] ReplaceToken(byte[] data)
    {
        if (data.Length == 0)
        {
            return InsertToken(data);
        }
        var at = random.Next(data.Length);
        var end = at + 1;
        while (end < data.Length && char.IsAsciiLetterOrDigit((char)data[end]) && char.IsAsciiLetterOrDigit((char)data[at]))
        {
            end++;
        }
        var token = Tokens[random.Next(Tokens.Length)];
        return [.. data.AsSpan(0, at), .. token, .. data.AsSpan(end)];
    }

    /// <summary>Deep nesting: brackets or braces, or stack frames, repeated up to 20,000 times.</summary>
    private byte[] Nest(byte[] data)
    {
        var depth = random.Next(3) switch { 0 => 64, 1 => 1_000, _ => 20_000 };
        var (open, close) = random.Next(4) switch
        {
            0 => ("["u8.ToArray(), "]"u8.ToArray()),
            1 => ("{\"a\":"u8.ToArray(), "}"u8.ToArray()),
            2 => ("f;"u8.ToArray(), ""u8.ToArray()),
            _ => ("("u8.ToArray(), ")"u8.ToArray()),
        };
        var at = random.Next(data.Length + 1);
        var output = new List<byte>(data.Length + depth * (open.Length + close.Length));
        output.AddRange(data.AsSpan(0, at));
        for (var i = 0; i < depth; i++)
        {
            output.AddRange(open);
        }
        for (var i = 0; i < depth; i++)
        {
            output.AddRange(close);
        }
        output.AddRange(data.AsSpan(at));
        return [.. output];
    }

    /// <summary>Replaces a run of ASCII digits with a huge or negative number.</summary>
    private byte[] HugeNumber(byte[] data)
    {
        var start = -1;
        for (var attempt = 0; attempt < 16 && data.Length > 0; attempt++)
        {
            var at = random.Next(data.Length);
            if (char.IsAsciiDigit((char)data[at]))
            {
                start = at;
                break;
            }
        }
        if (start < 0)
        {
            return EditVarint(data);
        }
        var end = start;
        while (end < data.Length && char.IsAsciiDigit((char)data[end]))
        {
            end++;
        }
        var number = random.Next(5) switch
        {
            0 => "9223372036854775807",
            1 => "99999999999999999999999",
            2 => "-1",
            3 => "2147483648",
            _ => "4294967296",
        };
        return [.. data.AsSpan(0, start), .. Encoding.ASCII.GetBytes(number), .. data.AsSpan(end)];
    }

    public static byte[] Gzip(byte[] raw)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(raw);
        }
        return compressed.ToArray();
    }

    public static byte[] Gunzip(byte[] gzipped)
    {
        using var gzip = new GZipStream(new MemoryStream(gzipped), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        gzip.CopyTo(raw);
        return raw.ToArray();
    }
}
