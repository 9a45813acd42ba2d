namespace GrafanaProfiles.Store.Model;

/// <summary>Label name rules shared by ingest and queries.</summary>
public static class LabelRules
{
    public const string ServiceName = "service_name";

    /// <summary>Pyroscope's private label for the profile type; maps to the profile_type column.</summary>
    public const string ProfileType = "__profile_type__";

    /// <summary>
    /// Prometheus' rule, with dots allowed as Pyroscope does (<c>otel.scope.name</c>):
    /// <c>[a-zA-Z_][a-zA-Z0-9_.]*</c>.
    /// </summary>
    public static bool IsValid(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return false;
        }
        foreach (var c in name[1..])
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The same rule over UTF-8 bytes, for names read straight from the wire.</summary>
    public static bool IsValid(ReadOnlySpan<byte> utf8Name)
    {
        if (utf8Name.IsEmpty || !(char.IsAsciiLetter((char)utf8Name[0]) || utf8Name[0] == '_'))
        {
            return false;
        }
        foreach (var b in utf8Name[1..])
        {
            if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'_' or (byte)'.'))
            {
                return false;
            }
        }
        return true;
    }
}
