using System.Text;

namespace GrafanaProfiles.Fuzz;

/// <summary>
/// Turns an input's bytes into the string a text parser receives. The bytes are read as WTF-8:
/// UTF-8 in which a three-byte sequence may encode a lone surrogate (ED A0 80 … ED BF BF), because a
/// .NET string coming from a JSON escape such as <c>"\udfff"</c> can hold one. Other invalid bytes
/// become U+FFFD, as ASP.NET Core's own decoding makes them.
/// </summary>
internal static class TextInput
{
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        var i = 0;
        while (i < bytes.Length)
        {
            if (bytes[i] == 0xED && i + 2 < bytes.Length && bytes[i + 1] >= 0xA0 && bytes[i + 1] <= 0xBF && (bytes[i + 2] & 0xC0) == 0x80)
            {
                text.Append((char)(0xD000 | ((bytes[i + 1] & 0x3F) << 6) | (bytes[i + 2] & 0x3F)));
                i += 3;
                continue;
            }
            var next = i + 1;
            while (next < bytes.Length && bytes[next] != 0xED)
            {
                next++;
            }
            text.Append(Encoding.UTF8.GetString(bytes[i..next]));
            i = next;
        }
        return text.ToString();
    }
}
