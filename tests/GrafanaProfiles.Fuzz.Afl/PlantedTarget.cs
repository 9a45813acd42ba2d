using GrafanaProfiles.Fuzz;
using GrafanaProfiles.Fuzz.Planted;

/// <summary>
/// The target with a planted bug (<see cref="PlantedBug"/>), to show that the harness reports a
/// crash (selftest.sh beside this file). Its one seed is one byte away from the bug. Not a target
/// of the structured fuzzer.
/// </summary>
internal sealed class PlantedTarget : FuzzTarget
{
    public override string Name => "planted";

    public override IReadOnlyList<byte[]> Seeds() => [[.. "FUZ!planted seed"u8]];

    public override Outcome Run(byte[] input) => PlantedBug.Check(input) == 0 ? Outcome.Accepted : Outcome.Refused;
}
