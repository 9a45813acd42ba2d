using System.Runtime.InteropServices;
using System.Security.Cryptography;
using GrafanaProfiles.Store.DuckDb;

namespace GrafanaProfiles.Store.DuckDb.Tests;

/// <summary>The libduckdb the build puts beside the binaries: the official release, one platform only.</summary>
public sealed class DuckDbLibraryTests
{
    /// <summary>
    /// SHA-256 of the official libduckdb.so 1.5.6 (as DuckDB's npm packages
    /// @duckdb/node-bindings-linux-x64 and -arm64 1.5.6-r.1 ship it, and DuckDB.NET.Bindings.Full
    /// 1.5.6.1 bundles it byte for byte).
    /// </summary>
    private static readonly Dictionary<Architecture, string> OfficialSha256 = new()
    {
        [Architecture.X64] = "3f4962cdd266eab2b479a5b5a4a6d063d279b2954ae814ed00385d553b747633",
        [Architecture.Arm64] = "23686593dba4ec22c6e581bb1c843b3964e84c4bc4d0063d8b4daddd2e20e30a",
    };

    [Fact]
    public void LibraryBesideTheBinaries_IsTheOfficialRelease()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "libduckdb.so");
        Assert.True(File.Exists(path), $"{path} is missing");
        using var file = File.OpenRead(path);
        Assert.Equal(OfficialSha256[RuntimeInformation.ProcessArchitecture], Convert.ToHexStringLower(SHA256.HashData(file)));
        Assert.Equal("v1.5.6", DuckDbDatabase.LibraryVersion);
    }

    [Fact]
    public void BuildOutput_CarriesOnlyThisPlatformsLibrary()
    {
        // The package holds libduckdb for win, osx and linux (about 330 MB); none but ours is copied.
        // runtimes/ may exist for other packages' natives (ParquetSharp's, where a test project uses it), but only
        // for this platform.
        var runtimes = Path.Combine(AppContext.BaseDirectory, "runtimes");
        if (Directory.Exists(runtimes))
        {
            var thisPlatform = $"linux-{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}";
            Assert.Equal([thisPlatform], Directory.GetDirectories(runtimes).Select(Path.GetFileName));
        }
        var libraries = Directory.GetFiles(AppContext.BaseDirectory, "*duckdb*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".dll", StringComparison.Ordinal) && !f.EndsWith(".pdb", StringComparison.Ordinal))
            .Select(Path.GetFileName);
        Assert.Equal(["libduckdb.so"], libraries);
    }
}
