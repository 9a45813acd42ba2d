namespace GrafanaProfiles.Fuzz.Planted;

/// <summary>
/// A parser with a planted bug: an input starting with <see cref="Magic"/> throws an exception no
/// parser documents. Each matching byte is a branch of its own, so once this assembly is
/// instrumented afl-fuzz's coverage leads from a seed one byte away to the bug.
/// </summary>
public static class PlantedBug
{
    /// <summary>The four bytes that set the bug off.</summary>
    public static ReadOnlySpan<byte> Magic => "FUZZ"u8;

    /// <summary>How many leading bytes of <paramref name="input"/> match <see cref="Magic"/>; throws when all four do.</summary>
    public static int Check(ReadOnlySpan<byte> input)
    {
        if (input.Length < 4 || input[0] != Magic[0])
        {
            return 0;
        }
        if (input[1] != Magic[1])
        {
            return 1;
        }
        if (input[2] != Magic[2])
        {
            return 2;
        }
        if (input[3] != Magic[3])
        {
            return 3;
        }
        throw new InvalidOperationException("The planted bug: the input starts with FUZZ.");
    }
}
