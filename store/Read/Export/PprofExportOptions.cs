using System.IO.Compression;

namespace GrafanaProfiles.Store.Export;

/// <summary>Limits and settings of a pprof export.</summary>
public sealed record PprofExportOptions
{
    /// <summary>Name of <see cref="MaxStacks"/> in errors and configuration.</summary>
    public const string MaxStacksName = "max_export_stacks";

    /// <summary>
    /// Most distinct stacks (pprof samples) one export may hold; a larger selection is refused with
    /// an error naming this limit. The whole profile is built in memory before it is written, so
    /// this bounds the memory of one export.
    /// </summary>
    public int MaxStacks { get; init; } = 500_000;

    /// <summary>gzip level of the written profile (pprof files are gzip-compressed protobuf).</summary>
    public CompressionLevel Compression { get; init; } = CompressionLevel.Optimal;
}
