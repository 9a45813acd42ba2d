using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DuckDB.NET.Native;

namespace GrafanaProfiles.Store.DuckDb;

/// <summary>
/// Where the <c>duckdb</c> imports of this assembly and of DuckDB.NET.Bindings (its
/// <see cref="NativeMethods"/>) load libduckdb from. A normal build has <c>libduckdb.so</c> beside
/// the binaries (build/DuckDb.targets copies it from the package DuckDB.NET.Bindings.Full) and the
/// runtime's default probing finds it. The Grafana plugin folder holds one single-file executable per architecture
/// (<c>gpx_grafana_profiles_linux_amd64</c>, <c>…_linux_arm64</c>) side by side, so two libraries
/// cannot share that name: each lives in <c>lib/linux_&lt;arch&gt;/libduckdb.so</c>
/// (build/package-plugin.sh) and the process loads the one of its own architecture. Both assemblies
/// resolve to the same file, so they share one loaded library and its handles.
/// </summary>
internal static class DuckDbLibraryResolver
{
    public const string LibraryName = "duckdb";

    private const string FileName = "libduckdb.so";

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "The resolver must be in place before the first DuckDB call of any type in this assembly; it only adds a probing location.")]
    internal static void Register()
    {
        NativeLibrary.SetDllImportResolver(typeof(DuckDbLibraryResolver).Assembly, Resolve);
        // Every DuckDB call of the package starts from a type of this assembly (DuckDbDatabase first),
        // so this runs before the package's first call too.
        NativeLibrary.SetDllImportResolver(typeof(NativeMethods).Assembly, Resolve);
    }

    /// <summary>The plugin folder's name of this process's architecture (Grafana's <c>&lt;os&gt;_&lt;arch&gt;</c>), or null for one without a pinned library.</summary>
    public static string? PlatformFolder(Architecture architecture) => architecture switch
    {
        Architecture.X64 => "linux_amd64",
        Architecture.Arm64 => "linux_arm64",
        _ => null,
    };

    /// <summary>The architecture-specific library below <paramref name="baseDirectory"/>, when the beside-the-binaries one is absent.</summary>
    public static string? PlatformLibraryPath(string baseDirectory, Architecture architecture)
    {
        if (File.Exists(Path.Combine(baseDirectory, FileName)) || PlatformFolder(architecture) is not { } folder)
        {
            return null;
        }
        var path = Path.Combine(baseDirectory, "lib", folder, FileName);
        return File.Exists(path) ? path : null;
    }

    private static IntPtr Resolve(string libraryName, System.Reflection.Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != LibraryName || PlatformLibraryPath(AppContext.BaseDirectory, RuntimeInformation.ProcessArchitecture) is not { } path)
        {
            // Default probing: beside the binaries, then the system's loader.
            return IntPtr.Zero;
        }
        return NativeLibrary.Load(path);
    }
}
