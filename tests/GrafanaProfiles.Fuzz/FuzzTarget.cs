namespace GrafanaProfiles.Fuzz;

/// <summary>What a parser did with one input that counts as correct behaviour.</summary>
internal enum Outcome
{
    /// <summary>It returned a result.</summary>
    Accepted,
    /// <summary>It threw the project's refusal type (a clear 4xx, or a logged, skipped log record).</summary>
    Refused,
}

/// <summary>
/// One parser under test: its seed payloads, how a seed is mutated, and the call that runs one
/// input. <see cref="Run"/> maps the refusal types the parser documents to <see cref="Outcome.Refused"/>
/// and lets every other exception through: that is a finding.
/// </summary>
internal abstract class FuzzTarget
{
    public abstract string Name { get; }

    /// <summary>Real payloads to start from (committed test data, built once).</summary>
    public abstract IReadOnlyList<byte[]> Seeds();

    /// <summary>Makes the next input from the seeds.</summary>
    public virtual byte[] Mutate(Mutator mutator, IReadOnlyList<byte[]> seeds) => mutator.Mutate(seeds);

    public abstract Outcome Run(byte[] input);
}
