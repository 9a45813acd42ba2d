using System.Runtime.Versioning;
using System.Text.Json;
using System.Text.RegularExpressions;
using Google.Protobuf;
using GrafanaProfiles.Backend.HostTests.Support;
using GrafanaProfiles.Schema.PluginV2;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Backend.HostTests.Packaging;

/// <summary>
/// The plugin folder that build/package-plugin.sh makes (<c>GP_PLUGIN_DIR</c>, default
/// <c>&lt;repo&gt;/dist</c>), checked against the rules of Grafana's plugin validator
/// (grafana/plugin-validator: metadatavalid, typesuffix, backendbinary, binarypermissions,
/// backenddebug, logos, screenshots, metadatapaths, unsafesvg, modulejs, jssourcemap, license,
/// readme, changelog, version) and our own (ELF machine of each file, one libduckdb per platform,
/// module.js an AMD module with Grafana's packages left outside), then the packaged executable is
/// started as Grafana starts it and answers over real profiles.
/// </summary>
[Collection(DemoProfilesCollection.Name)]
[UnsupportedOSPlatform("windows")]
public sealed partial class PluginFolderTests(DemoProfilesFixture data)
{
    /// <summary>ELF e_machine values.</summary>
    private const int X86_64 = 62;
    private const int AArch64 = 183;

    /// <summary>grafana/plugin-validator backendbinary: the suffixes Grafana runs.</summary>
    private static readonly string[] ExecutableSuffixes = ["_linux_amd64", "_linux_arm64", "_darwin_amd64", "_darwin_arm64", "_windows_amd64.exe"];

    private static readonly (string Arch, int Machine)[] Platforms = [("amd64", X86_64), ("arm64", AArch64)];

    private static string PluginDir
    {
        get
        {
            var dir = Environment.GetEnvironmentVariable("GP_PLUGIN_DIR") is { Length: > 0 } configured
                ? Path.GetFullPath(configured)
                : Path.Combine(RepoPaths.Root, "dist");
            Assert.True(File.Exists(Path.Combine(dir, "plugin.json")),
                $"The plugin folder {dir} does not exist or has no plugin.json. Build it with `bash build/package-plugin.sh` " +
                "(or point GP_PLUGIN_DIR at a built plugin folder).");
            return dir;
        }
    }

    private static JsonElement PluginJson() => JsonDocument.Parse(File.ReadAllText(Path.Combine(PluginDir, "plugin.json"))).RootElement.Clone();

    private static string Executable => PluginJson().GetProperty("executable").GetString()!;

    [Fact]
    public void PluginJson_FollowsGrafanasSchemaAndValidatorRules()
    {
        var json = PluginJson();
        var id = json.GetProperty("id").GetString()!;
        var type = json.GetProperty("type").GetString()!;
        Assert.True(PluginId().IsMatch(id), $"plugin.json id '{id}' does not match Grafana's pattern {PluginId()}.");
        Assert.True(id.EndsWith("-" + type, StringComparison.Ordinal), $"plugin.json id '{id}' must end with its type '{type}' (validator: typesuffix).");
        Assert.Equal("datasource", type);
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("name").GetString()), "plugin.json has no name.");

        var info = json.GetProperty("info");
        var version = info.GetProperty("version").GetString()!;
        Assert.True(SemVer().IsMatch(version), $"plugin.json info.version '{version}' is not a semantic version (validator: version).");
        Assert.False(string.IsNullOrWhiteSpace(info.GetProperty("author").GetProperty("name").GetString()), "plugin.json info.author.name is empty.");
        Assert.True(Date().IsMatch(info.GetProperty("updated").GetString()!), "plugin.json info.updated is not a YYYY-MM-DD date.");
        var dependency = json.GetProperty("dependencies").GetProperty("grafanaDependency").GetString()!;
        Assert.True(VersionRange().IsMatch(dependency), $"plugin.json dependencies.grafanaDependency '{dependency}' is not a version range such as '>=13.1.0'.");

        // backendbinary: alerting and an executable require backend; backend requires an executable.
        var backend = json.TryGetProperty("backend", out var b) && b.GetBoolean();
        Assert.True(backend, "plugin.json must say backend: true: the data source's queries run in the backend executable.");
        Assert.True(json.GetProperty("alerting").GetBoolean() && json.GetProperty("metrics").GetBoolean(), "plugin.json must declare alerting and metrics.");
        var executable = json.GetProperty("executable").GetString()!;
        Assert.True(ExecutableName().IsMatch(executable),
            $"plugin.json executable '{executable}' must be a bare gpx_ name without the _<os>_<arch> suffix Grafana adds.");
    }

    [Fact]
    public void PluginJson_LogosAndScreenshots_AreRelativePathsToSafeFilesThatExist()
    {
        var info = PluginJson().GetProperty("info");
        var paths = new List<string>
        {
            info.GetProperty("logos").GetProperty("small").GetString()!,
            info.GetProperty("logos").GetProperty("large").GetString()!,
        };
        if (info.TryGetProperty("screenshots", out var screenshots))
        {
            paths.AddRange(screenshots.EnumerateArray().Select(s => s.GetProperty("path").GetString()!));
        }
        foreach (var path in paths)
        {
            Assert.False(string.IsNullOrWhiteSpace(path), "plugin.json names an empty logo or screenshot path (validator: logos, screenshots).");
            Assert.False(path.StartsWith('.') || path.StartsWith('/') || path.Contains("://", StringComparison.Ordinal),
                $"plugin.json path '{path}' must be relative to plugin.json, not starting with '.' or '/' (validator: metadatapaths).");
            var file = Path.Combine(PluginDir, path);
            Assert.True(File.Exists(file), $"plugin.json names {path}, which is not in the plugin folder.");
        }
        foreach (var svg in Directory.EnumerateFiles(PluginDir, "*.svg", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(svg);
            Assert.False(UnsafeSvg().IsMatch(text), $"{Path.GetRelativePath(PluginDir, svg)} has a script, an event handler or an external reference (validator: unsafesvg).");
        }
    }

    [Fact]
    public void Executables_ForLinuxAmd64AndArm64_AreElfOfTheirMachineWithMode0755()
    {
        foreach (var (arch, machine) in Platforms)
        {
            var path = Path.Combine(PluginDir, $"{Executable}_linux_{arch}");
            Assert.True(File.Exists(path), $"{Path.GetFileName(path)} is missing: Grafana on linux/{arch} runs <executable>_linux_{arch}.");
            Assert.True(ElfMachine(path) == machine, $"{Path.GetFileName(path)} is ELF machine {ElfMachine(path)}, expected {machine} (linux/{arch}).");
            Assert.True(File.GetUnixFileMode(path) == Mode0755,
                $"{Path.GetFileName(path)} has mode {Convert.ToString((int)File.GetUnixFileMode(path), 8)}; the validator requires exactly 0755 (binarypermissions).");
        }
    }

    [Fact]
    public void Executables_EveryFileNamedLikeTheExecutable_HasAGrafanaSuffixAndMode0755()
    {
        var named = Directory.EnumerateFiles(PluginDir, Executable + "*", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(named);
        foreach (var path in named)
        {
            var name = Path.GetRelativePath(PluginDir, path);
            Assert.True(ExecutableSuffixes.Any(s => name == Executable + s),
                $"{name} is named like the executable but is not <executable> plus one of {string.Join(", ", ExecutableSuffixes)} in the folder's root.");
            Assert.True(File.GetUnixFileMode(path) == Mode0755, $"{name} has mode {Convert.ToString((int)File.GetUnixFileMode(path), 8)}; the validator requires exactly 0755 (binarypermissions).");
        }
    }

    [Fact]
    public void DuckDb_ExactlyOneLibraryPerPlatform_OfThatPlatformsMachine()
    {
        var libraries = Directory.EnumerateFiles(PluginDir, "*duckdb*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(PluginDir, p)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Platforms.Select(p => $"lib/linux_{p.Arch}/libduckdb.so").Order(StringComparer.Ordinal), libraries);
        foreach (var (arch, machine) in Platforms)
        {
            var path = Path.Combine(PluginDir, "lib", $"linux_{arch}", "libduckdb.so");
            Assert.True(ElfMachine(path) == machine, $"lib/linux_{arch}/libduckdb.so is ELF machine {ElfMachine(path)}, expected {machine}.");
        }
    }

    [Fact]
    public void ModuleJs_IsAnAmdModuleWithGrafanasSharedPackagesOutsideAndItsSourceMap()
    {
        var module = File.ReadAllText(Path.Combine(PluginDir, "module.js"));
        var define = AmdDefine().Match(module);
        Assert.True(define.Success, "module.js is not an AMD module: it must start (after comments) with define([...], ...) as Grafana's SystemJS loader expects.");
        var dependencies = Regex.Matches(define.Groups["deps"].Value, "\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        foreach (var shared in new[] { "react", "@grafana/data", "@grafana/runtime", "@grafana/ui" })
        {
            Assert.True(dependencies.Contains(shared), $"module.js does not take '{shared}' from Grafana (its define() lists {string.Join(", ", dependencies)}).");
        }
        // React's own code (react.production / react-dom.production) carries its error decoder URL and
        // react-dom's fiber keys; the JSX runtime shim that calls the external React does not.
        foreach (var marker in new[] { "reactjs.org/docs/error-decoder", "react.dev/errors/", "__reactFiber$", "__reactContainer$" })
        {
            Assert.False(module.Contains(marker, StringComparison.Ordinal), $"module.js bundles React itself ('{marker}' found); react and react-dom must stay external.");
        }

        var map = JsonDocument.Parse(File.ReadAllText(Path.Combine(PluginDir, "module.js.map"))).RootElement;
        Assert.Equal(3, map.GetProperty("version").GetInt32());
        Assert.Contains(map.GetProperty("sources").EnumerateArray(), s => s.GetString()!.Contains("module.ts", StringComparison.Ordinal));
    }

    [Fact]
    public void Documents_ReadmeChangelogAndAnAcceptedLicense_ArePresent()
    {
        foreach (var file in new[] { "README.md", "CHANGELOG.md", "LICENSE" })
        {
            var path = Path.Combine(PluginDir, file);
            Assert.True(File.Exists(path) && new FileInfo(path).Length > 0, $"{file} is missing or empty in the plugin folder.");
        }
        var license = File.ReadAllText(Path.Combine(PluginDir, "LICENSE"));
        Assert.True(license.Contains("Apache License", StringComparison.Ordinal) || license.Contains("GNU AFFERO GENERAL PUBLIC LICENSE", StringComparison.Ordinal),
            "LICENSE is neither Apache-2.0 nor AGPL-3.0, the licenses Grafana's validator accepts.");
    }

    [Fact]
    public void Folder_HoldsOnlyWhatThePluginNeeds()
    {
        var unexpected = Directory.EnumerateFiles(PluginDir, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(PluginDir, p))
            .Where(p => !AllowedFile().IsMatch(p))
            .ToList();
        Assert.True(unexpected.Count == 0,
            $"The plugin folder holds files that do not belong in it (debug symbols, build leftovers, standalone.txt/pid.txt, partial copies): {string.Join(", ", unexpected)}.");
    }

    [Fact]
    public async Task PackagedExecutable_UnderGoPluginsClient_IsHealthyOverRealData()
    {
        var executable = Path.Combine(PluginDir, $"{Executable}_linux_amd64");
        var request = new CheckHealthRequest { PluginContext = data.Client().Context() };

        var result = await GoPluginHost.RunAsync("/pluginv2.Diagnostics/CheckHealth", request.ToByteArray(), executable);

        Assert.Equal("", result.GetProperty("error").GetString());
        Assert.Equal("SERVING", result.GetProperty("health").GetString());
        Assert.Equal("", result.GetProperty("callError").GetString());
        var health = CheckHealthResponse.Parser.ParseFrom(Convert.FromBase64String(result.GetProperty("response").GetString()!));
        Assert.True(health.Status == CheckHealthResponse.Types.HealthStatus.Ok, $"CheckHealth of the packaged plugin: {health.Status}: {health.Message}");
        Assert.True(result.GetProperty("exited").GetBoolean(), "The packaged plugin did not exit when go-plugin's client killed it.");
    }

    [Fact]
    public async Task PackagedExecutable_OverGrafanasHandshake_AnswersAFlameGraphWithRealFunctionNames()
    {
        await using var plugin = await PackagedPlugin.StartAsync(Path.Combine(PluginDir, $"{Executable}_linux_amd64"));
        var client = new PluginClient(plugin.Client, DemoProfilesFixture.ProvisionedUid, new { dataDirectory = data.DataDirectory });

        var health = await client.CheckHealthAsync();
        Assert.True(health.Status == CheckHealthResponse.Types.HealthStatus.Ok, $"CheckHealth: {health.Status}: {health.Message}");
        var query = PluginClient.Query("A", "profile", new { labelSelector = "{service_name=\"shop\", version=\"v1\"}", profileTypeId = DemoProfilesFixture.Cpu },
            DemoProfilesFixture.From, DemoProfilesFixture.To);
        var frame = Assert.Single(await client.FramesAsync(query));

        var names = frame.EnumTexts("label");
        Assert.Equal("total", names[0]);
        // The hottest functions of tests/testdata/pprof/go-cpu.pb.gz (go-cpu.cpu.top.tsv).
        Assert.Contains("main.fibonacci", names);
        Assert.Contains("crypto/sha256.block", names);
        Assert.Equal(6 * 4_020_000_000L, frame.Longs("value")[0]);
    }

    private const UnixFileMode Mode0755 =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>e_machine of an ELF file (little endian, offset 18); fails when the file is no ELF.</summary>
    private static int ElfMachine(string path)
    {
        Span<byte> header = stackalloc byte[20];
        using (var file = File.OpenRead(path))
        {
            file.ReadExactly(header);
        }
        Assert.True(header[..4].SequenceEqual("\u007fELF"u8), $"{Path.GetFileName(path)} is not an ELF file.");
        Assert.True(header[4] == 2 && header[5] == 1, $"{Path.GetFileName(path)} is not a 64-bit little-endian ELF file.");
        return header[18] | (header[19] << 8);
    }

    [GeneratedRegex(@"^[0-9a-z]+\-([0-9a-z]+\-)?(app|panel|datasource)$")]
    private static partial Regex PluginId();

    [GeneratedRegex(@"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")]
    private static partial Regex SemVer();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}$")]
    private static partial Regex Date();

    [GeneratedRegex(@"^\s*(>=|>|<=|<|=|~|\^)?\s*\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\s*(,|\|\||\s)\s*(>=|>|<=|<|=|~|\^)?\s*\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)*\s*$")]
    private static partial Regex VersionRange();

    [GeneratedRegex(@"^gpx_[a-z0-9_]+$")]
    private static partial Regex ExecutableName();

    [GeneratedRegex(@"<script|\son[a-z]+\s*=|javascript:|<foreignObject|(xlink:)?href\s*=\s*[""'](?!#)", RegexOptions.IgnoreCase)]
    private static partial Regex UnsafeSvg();

    [GeneratedRegex(@"^\s*(?:/\*[\s\S]*?\*/\s*|//[^\n]*\n\s*)*define\(\s*(?:""[^""]*""\s*,\s*)?\[(?<deps>[^\]]*)\]")]
    private static partial Regex AmdDefine();

    /// <summary>What a plugin folder holds: Grafana's files, webpack's chunks and maps, images, the executables and their libraries.</summary>
    [GeneratedRegex(@"^(plugin\.json|README\.md|CHANGELOG\.md|LICENSE|MANIFEST\.txt|module\.js(\.map|\.LICENSE\.txt)?|[0-9A-Za-z_.-]+\.js(\.map|\.LICENSE\.txt)?|img/[0-9A-Za-z_.-]+\.(svg|png|jpg|jpeg|gif|webp)|gpx_[a-z0-9_]+_(linux_amd64|linux_arm64|darwin_amd64|darwin_arm64|windows_amd64\.exe)|lib/linux_(amd64|arm64)/libduckdb\.so)$")]
    private static partial Regex AllowedFile();
}
