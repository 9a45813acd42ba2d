using System.Diagnostics;
using System.Text;
using GrafanaProfiles.Backend.HostTests.Support;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Backend.HostTests.Resources;

[Collection(PluginCollection.Name)]
public class ResourceTests(PluginFixture fixture)
{
    private static long Ms(DateTime t) => new DateTimeOffset(t).ToUnixTimeMilliseconds();

    private static string Range => $"from={Ms(PluginFixture.T0.AddHours(-1))}&to={Ms(PluginFixture.T0.AddHours(3))}";

    [Fact]
    public async Task ProfileTypes_ListsTypesWithLabels()
    {
        var types = await fixture.Client().ResourceJsonAsync($"profileTypes?{Range}");

        var cpu = types.EnumerateArray().Single(t => t.GetProperty("id").GetString() == PluginFixture.Cpu);
        Assert.Equal("process_cpu - cpu", cpu.GetProperty("label").GetString());
    }

    [Fact]
    public async Task LabelNames_OfTenant_NeverShowOtherTenants()
    {
        var names = (await fixture.Client().ResourceJsonAsync($"labelNames?{Range}")).EnumerateArray().Select(n => n.GetString()).ToList();

        Assert.Contains("service_name", names);
        Assert.Contains("version", names);
        Assert.Contains("pod", names);
        var services = (await fixture.Client().ResourceJsonAsync($"labelValues?label=service_name&{Range}")).EnumerateArray().Select(n => n.GetString()).ToList();
        Assert.Equal(["api", "checkout"], services);
    }

    [Fact]
    public async Task LabelValues_FilteredBySelector()
    {
        var selector = Uri.EscapeDataString("{service_name=\"checkout\", version=\"v2\"}");

        var pods = await fixture.Client().ResourceJsonAsync($"labelValues?label=pod&query={selector}&{Range}");

        Assert.Equal(["pod-a", "pod-b"], pods.EnumerateArray().Select(n => n.GetString()));
    }

    [Fact]
    public async Task LabelValues_BadSelector_Is400WithTheCaret()
    {
        var (code, headers, body, _) = await fixture.Client().ResourceAsync($"labelValues?label=pod&query={Uri.EscapeDataString("{pod=~}")}&{Range}");

        Assert.Equal(400, code);
        Assert.Equal("application/json", headers["Content-Type"]);
        Assert.Contains("^", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownResource_Is404ListingThePaths()
    {
        var (code, _, body, _) = await fixture.Client().ResourceAsync("nothing-here");

        Assert.Equal(404, code);
        Assert.Contains("labelNames", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Functions_CompletesNamesContainingTheText_PrefixFirst()
    {
        var names = await fixture.Client().ResourceJsonAsync($"functions?search=json&{Range}");

        Assert.Contains("json.encode", names.EnumerateArray().Select(n => n.GetString()));
        Assert.All(names.EnumerateArray(), n => Assert.Contains("json", n.GetString()!, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Functions_LimitAboveItsMaximum_Is400NamingIt()
    {
        var (code, _, body, _) = await fixture.Client().ResourceAsync($"functions?limit=99999999&{Range}");

        Assert.Equal(400, code);
        Assert.Contains("limit", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SqlSchema_DescribesTheViewsAndMacros()
    {
        var schema = await fixture.Client().ResourceJsonAsync("sqlSchema");

        var tables = schema.GetProperty("tables").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.Contains("samples", tables.Keys);
        Assert.Contains("stacks", tables.Keys);
        Assert.Contains("functions", tables.Keys);
        var columns = tables["samples"].GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Contains("stack_id", columns);
        Assert.Contains("labels", columns);
        Assert.Contains(schema.GetProperty("macros").EnumerateArray(), m => m.GetProperty("syntax").GetString()!.StartsWith("$__timeFilter", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LargeBody_IsStreamedInChunks_AndReassembles()
    {
        var (code, _, body, messages) = await fixture.Client().ResourceAsync($"pprof?query={Uri.EscapeDataString("{service_name=\"api\"}")}&from={Ms(PluginFixture.T0.AddHours(1))}&to={Ms(PluginFixture.T0.AddHours(2))}");

        Assert.Equal(200, code);
        Assert.Equal(1 + (body.Length - 1) / (1024 * 1024), messages);
        Assert.Equal(0x1f, body[0]);
        Assert.Equal(0x8b, body[1]);
    }

    [Fact]
    public async Task Pprof_ExportOfASelection_OpensInGoToolPprof_WithTheSameTotals()
    {
        var selector = Uri.EscapeDataString("{service_name=\"checkout\", version=\"v2\"}");
        var (code, headers, body, _) = await fixture.Client().ResourceAsync(
            $"pprof?query={selector}&profileTypeId={Uri.EscapeDataString(PluginFixture.Cpu)}&{Range}");

        Assert.Equal(200, code);
        Assert.Equal("application/octet-stream", headers["Content-Type"]);
        Assert.Contains("attachment", headers["Content-Disposition"], StringComparison.Ordinal);
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "export.pb.gz");
        await File.WriteAllBytesAsync(path, body);
        var top = GoPprofTop(path);
        // v2: 6 windows × 2 pods × (50 + 90 + 20).
        Assert.Contains("json.encode", top, StringComparison.Ordinal);
        Assert.Matches(@"json\.encode", top);
        Assert.Contains("1920ns total", top.Replace(",", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private static string GoPprofTop(string path)
    {
        var start = new ProcessStartInfo("go") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "tool", "pprof", "-top", "-nodecount=0", path })
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["HOME"] = Path.GetTempPath();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("go is required (test.sh installs golang-go).");
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"go tool pprof failed: {stderr}");
        return stdout;
    }
}
