using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GrafanaProfiles.Backend.HostTests.Support;
using GrafanaProfiles.Schema.PluginV2;
using GrafanaProfiles.TestSupport;

namespace GrafanaProfiles.Backend.HostTests.Packaging;

/// <summary>
/// provisioning/: the data source Grafana gets and the dashboards a team opens on day one. Each
/// dashboard is read as Grafana reads it, its variables are resolved the way the data source's
/// variable support resolves them (resources and SQL through the plugin) over real profiles, and
/// every panel's every target goes through the real plugin executable.
/// </summary>
[Collection(DemoProfilesCollection.Name)]
public sealed partial class ProvisioningTests(DemoProfilesFixture data)
{
    private const string PluginType = "grafana-profiles-datasource";

    private static readonly string[] VariableQueryTypes = ["profileTypes", "labelNames", "labelValues", "sql"];

    private static string Provisioning => Path.Combine(RepoPaths.Root, "provisioning");

    public static TheoryData<string> Dashboards()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Provisioning, "dashboards"), "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Provisioning, file));
        }
        return data;
    }

    [Fact]
    public async Task DataSource_ProvisionedSettings_AreHealthyOverRealData()
    {
        var yaml = File.ReadAllLines(Path.Combine(Provisioning, "datasources", "grafana-profiles.yaml"));
        Assert.Contains(yaml, l => l.Trim() == $"type: {PluginType}");
        Assert.Contains(yaml, l => l.Trim() == $"uid: {DemoProfilesFixture.ProvisionedUid}");
        var jsonData = JsonData(yaml);
        Assert.Equal("/var/lib/grafana-profiles", jsonData["dataDirectory"]!.GetValue<string>());
        Assert.True(jsonData.Count >= 7, "The provisioned data source should write out its settings (tenant, defaultProfileType, queryTimeout, memoryLimit, rowLimit, minStep, useRollups).");
        // A boolean, as the config editor's switch writes it (a quoted "true" would be ignored by the backend).
        Assert.True(jsonData["useRollups"]!.GetValue<bool>(), "The provisioned data source should write out useRollups: true (the default).");

        // The same settings with the data directory of this test's store.
        jsonData["dataDirectory"] = data.DataDirectory;
        var client = new PluginClient(data.Plugin.Client, "provisioned", jsonData);
        var health = await client.CheckHealthAsync();

        Assert.True(health.Status == CheckHealthResponse.Types.HealthStatus.Ok, $"CheckHealth with the provisioned settings: {health.Status}: {health.Message}");
    }

    [Fact]
    public void Dashboards_AProviderLoadsThemAndEveryDayOneDashboardIsThere()
    {
        var provider = File.ReadAllText(Path.Combine(Provisioning, "dashboards", "grafana-profiles.yaml"));
        Assert.Contains("path: /etc/grafana/provisioning/dashboards/grafana-profiles", provider, StringComparison.Ordinal);
        var uids = Directory.EnumerateFiles(Path.Combine(Provisioning, "dashboards"), "*.json", SearchOption.AllDirectories)
            .Select(f => Load(Path.GetRelativePath(Provisioning, f))["uid"]!.GetValue<string>()).ToList();
        Assert.Equal(["gp-on-call", "gp-release-comparison", "gp-service-overview", "gp-sql-examples"], uids.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void Dashboard_PanelsVariablesAndReferences_AreWellFormed(string file)
    {
        var dashboard = Load(file);
        Assert.False(string.IsNullOrWhiteSpace(dashboard["title"]?.GetValue<string>()), $"{file} has no title.");
        var variables = dashboard["templating"]!["list"]!.AsArray().Select(v => v!.AsObject()).ToList();
        var names = variables.Select(v => v["name"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        Assert.True(names.Contains("service") && names.Contains("profile_type"), $"{file} must have the variables service and profile_type; it has {string.Join(", ", names)}.");
        foreach (var variable in variables)
        {
            var name = variable["name"]!.GetValue<string>();
            Assert.True(VariableName().IsMatch(name), $"{file}: variable name '{name}' is not a valid Grafana variable name.");
            if (variable["type"]!.GetValue<string>() != "query")
            {
                continue;
            }
            AssertOurDataSource(variable["datasource"], $"{file}: variable {name}");
            var query = variable["query"] as JsonObject ?? throw new Xunit.Sdk.XunitException($"{file}: variable {name} has no query object (the data source's VariableQuery).");
            var type = query["type"]?.GetValue<string>();
            Assert.True(type is not null && VariableQueryTypes.Contains(type), $"{file}: variable {name} has query type '{type}', not one of {string.Join(", ", VariableQueryTypes)}.");
            Assert.True(type != "labelValues" || query["label"] is not null, $"{file}: variable {name} lists label values without naming the label.");
            Assert.True(type != "sql" || query["rawSql"] is not null, $"{file}: SQL variable {name} has no rawSql.");
            AssertReferencesDefined(file, $"variable {name}", query, names);
        }

        var panels = Panels(dashboard).ToList();
        Assert.NotEmpty(panels);
        Assert.Equal(panels.Count, panels.Select(p => p["id"]!.GetValue<int>()).Distinct().Count());
        foreach (var panel in panels)
        {
            var title = panel["title"]!.GetValue<string>();
            AssertOurDataSource(panel["datasource"], $"{file}: panel '{title}'");
            var targets = panel["targets"]!.AsArray();
            Assert.True(targets.Count > 0, $"{file}: panel '{title}' has no query.");
            foreach (var target in targets.Select(t => t!.AsObject()))
            {
                AssertOurDataSource(target["datasource"], $"{file}: panel '{title}' target {target["refId"]}");
                Assert.False(target["queryType"] is null, $"{file}: panel '{title}' target {target["refId"]} has no queryType.");
                AssertReferencesDefined(file, $"panel '{title}'", target, names);
            }
            AssertReferencesDefined(file, $"panel '{title}' title", panel["title"]!, names);
        }
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public async Task Dashboard_EveryPanelTarget_AnswersThroughThePluginOverRealProfiles(string file)
    {
        var dashboard = Load(file);
        var client = data.Client();
        var values = await ResolveVariablesAsync(client, dashboard);
        var ran = 0;
        foreach (var panel in Panels(dashboard))
        {
            var title = panel["title"]!.GetValue<string>();
            var panelType = panel["type"]!.GetValue<string>();
            // A repeated panel runs once per value of its variable, as Grafana repeats it.
            var repeat = panel["repeat"]?.GetValue<string>();
            var repetitions = repeat is null ? [values] : values[repeat].Select(v => new Dictionary<string, string[]>(values) { [repeat] = [v] }).ToList();
            Assert.NotEmpty(repetitions);
            foreach (var scope in repetitions)
            {
                foreach (var target in panel["targets"]!.AsArray().Select(t => t!.AsObject()))
                {
                    var frames = await RunAsync(client, target, scope, $"{file}: panel '{title}' target {target["refId"]}");
                    AssertPanelCanShow(panelType, frames, $"{file}: panel '{title}' ({Interpolate(title, scope)})");
                    ran++;
                }
            }
        }
        Assert.True(ran > 0, $"{file}: no target ran.");
    }

    [Fact]
    public async Task ReleaseComparison_FunctionsThatGotSlower_LeadWithTheRealRegression()
    {
        var dashboard = Load(Path.Combine("dashboards", "grafana-profiles", "release-comparison.json"));
        var client = data.Client();
        var values = await ResolveVariablesAsync(client, dashboard);
        Assert.Equal(["v1"], values["baseline"]);
        Assert.Equal(["v2"], values["comparison"]);
        var panel = Panels(dashboard).Single(p => p["title"]!.GetValue<string>().StartsWith("Functions that got slower", StringComparison.Ordinal));
        var frameIndex = panel["options"]!["frameIndex"]!.GetValue<int>();

        var frames = await RunAsync(client, panel["targets"]![0]!.AsObject(), values, "changes table");

        var changes = frames[frameIndex];
        Assert.Equal("changes", changes.Name);
        // v2 spends 2 s more per profile in encoding/json.Marshal (DemoProfilesFixture).
        Assert.Equal("encoding/json.Marshal", changes.Strings("function")[0]);
    }

    [Fact]
    public void Dashboards_RecordingRuleTargets_NameMetricsTheComposeCollectorRecords()
    {
        var recorded = DemoProfilesFixture.RecordingRules().Rules.Select(r => r.MetricName).ToHashSet(StringComparer.Ordinal);
        var targets = Directory.EnumerateFiles(Path.Combine(Provisioning, "dashboards"), "*.json", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Provisioning, f))
            .SelectMany(file => Panels(Load(file)).SelectMany(p => p["targets"]!.AsArray().Select(t => (File: file, Panel: p, Target: t!.AsObject()))))
            .Where(t => t.Target["queryType"]!.GetValue<string>() == "recording_rule")
            .ToList();

        Assert.True(targets.Count >= 3, $"The provisioned dashboards should show the collector's recording rules; {targets.Count} recording_rule targets found.");
        foreach (var (file, panel, target) in targets)
        {
            var title = panel["title"]!.GetValue<string>();
            var metric = target["metricName"]?.GetValue<string>();
            Assert.True(metric is not null && recorded.Contains(metric),
                $"{file}: panel '{title}' reads metric '{metric}', which no rule of {DemoProfilesFixture.CollectorConfig} records ({string.Join(", ", recorded)}).");
            Assert.Equal("timeseries", panel["type"]!.GetValue<string>());
            var description = panel["description"]?.GetValue<string>() ?? "";
            Assert.True(description.Contains("recording rules", StringComparison.Ordinal) && description.Contains("alert", StringComparison.Ordinal),
                $"{file}: panel '{title}' should say that it comes from the collector's recording rules and can be alerted on: '{description}'.");
        }
    }

    [Fact]
    public async Task ServiceOverview_RecordedCpu_EqualsTheCpuOfTheProfilesPerService()
    {
        var dashboard = Load(Path.Combine("dashboards", "grafana-profiles", "service-overview.json"));
        var client = data.Client();
        var values = await ResolveVariablesAsync(client, dashboard);
        var recordedPanel = Panels(dashboard).Single(p => p["targets"]![0]!["metricName"]?.GetValue<string>() == "profiles_recorded_cpu_nanoseconds");
        var rawPanel = Panels(dashboard).Single(p => p["title"]!.GetValue<string>() == "CPU by service");

        var recorded = TotalsByService(await RunAsync(client, recordedPanel["targets"]![0]!.AsObject(), values, "recorded CPU"));
        var raw = TotalsByService(await RunAsync(client, rawPanel["targets"]![0]!.AsObject(), values, "CPU by service"));

        // shop (Go: 12 CPU profiles, and v2's extra 2 s in each of its 6; web's Node profiles are
        // samples and wall time, not process_cpu): the service's CPU of the hour, recorded as the
        // profiles were flushed, equals what the profiles hold.
        Assert.Equal(["shop"], recorded.Keys);
        Assert.True(recorded["shop"] > 6 * 2e9, $"shop's recorded CPU {recorded["shop"]} ns should include v2's 6 × 2 s in encoding/json.Marshal.");
        Assert.Equal(raw, recorded);
    }

    /// <summary>The sum of every value field's values over the range, per the field's <c>service_name</c> label.</summary>
    private static Dictionary<string, double> TotalsByService(IReadOnlyList<DecodedFrame> frames)
    {
        var totals = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var frame in frames)
        {
            foreach (var field in frame.Json.GetProperty("fields").EnumerateArray().Where(f => DecodedFrame.FieldLabels(f).Count > 0))
            {
                var service = DecodedFrame.FieldLabels(field)["service_name"];
                totals[service] = totals.GetValueOrDefault(service) + DecodedFrame.Doubles(field).Sum(v => v ?? 0);
            }
        }
        return totals;
    }

    private static async Task<IReadOnlyList<DecodedFrame>> RunAsync(PluginClient client, JsonObject target, IReadOnlyDictionary<string, string[]> scope, string what)
    {
        var json = JsonNode.Parse(Interpolate(target.ToJsonString(), scope, json: true))!.AsObject();
        json.Remove("datasource");
        var refId = json["refId"]!.GetValue<string>();
        var query = PluginClient.Query(refId, json["queryType"]!.GetValue<string>(), json, DemoProfilesFixture.From, DemoProfilesFixture.To);
        var response = (await client.QueryDataAsync(query)).Responses[refId];
        Assert.True(response.Status == 200 && response.Error.Length == 0, $"{what} failed: {response.Status} {response.ErrorSource}: {response.Error}\nquery: {json.ToJsonString()}");
        return ArrowFrames.Decode(response.Frames);
    }

    private static void AssertPanelCanShow(string panelType, IReadOnlyList<DecodedFrame> frames, string what)
    {
        Assert.True(frames.Count > 0 && frames.Any(f => f.Rows > 0), $"{what}: the query answered no rows over data that exists.");
        switch (panelType)
        {
            case "flamegraph":
                var flame = frames.First(f => f.Name == "response");
                Assert.True(flame.Rows > 1 && flame.FieldNames.Take(4).SequenceEqual(["level", "value", "self", "label"]), $"{what}: no flame graph frame ({string.Join(", ", flame.FieldNames)}).");
                break;
            case "timeseries":
                Assert.True(frames.All(f => f.FieldNames.Contains("time") || f.FieldNames.Contains("Time")), $"{what}: a series frame has no time field.");
                break;
            default:
                break;
        }
    }

    /// <summary>Each variable's values in order, as the data source's variable support finds them: the current value when offered, else the first by the variable's sort; "All" for include-all multi-value variables.</summary>
    private static async Task<Dictionary<string, string[]>> ResolveVariablesAsync(PluginClient client, JsonObject dashboard)
    {
        var values = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var range = $"from={Ms(DemoProfilesFixture.From)}&to={Ms(DemoProfilesFixture.To)}";
        foreach (var variable in dashboard["templating"]!["list"]!.AsArray().Select(v => v!.AsObject()))
        {
            var name = variable["name"]!.GetValue<string>();
            if (variable["type"]!.GetValue<string>() != "query")
            {
                continue;
            }
            var query = variable["query"]!.AsObject();
            var options = query["type"]!.GetValue<string>() switch
            {
                "profileTypes" => (await client.ResourceJsonAsync($"profileTypes?{range}")).EnumerateArray().Select(t => t.GetProperty("id").GetString()!).ToList(),
                "labelNames" => (await client.ResourceJsonAsync($"labelNames?query={Uri.EscapeDataString(Scoped(query, values))}&{range}")).EnumerateArray().Select(v => v.GetString()!).ToList(),
                "labelValues" => (await client.ResourceJsonAsync(
                    $"labelValues?label={Uri.EscapeDataString(query["label"]!.GetValue<string>())}&query={Uri.EscapeDataString(Scoped(query, values))}&{range}"))
                    .EnumerateArray().Select(v => v.GetString()!).ToList(),
                _ => await SqlVariableAsync(client, Interpolate(query["rawSql"]!.GetValue<string>(), values)),
            };
            Assert.True(options.Count > 0, $"Variable {name} has no values over the demo profiles.");
            var sort = variable["sort"]?.GetValue<int>() ?? 0;
            if (sort is 1 or 2)
            {
                options.Sort(StringComparer.Ordinal);
                if (sort == 2)
                {
                    options.Reverse();
                }
            }
            var current = variable["current"]?["value"];
            var multiAll = variable["includeAll"]?.GetValue<bool>() == true && current is JsonArray all && all.Any(v => v!.GetValue<string>() == "$__all");
            values[name] = multiAll ? [.. options]
                : current is JsonValue v && options.Contains(v.GetValue<string>()) ? [v.GetValue<string>()]
                : [options[0]];
        }
        return values;
    }

    private static async Task<List<string>> SqlVariableAsync(PluginClient client, string sql)
    {
        var query = PluginClient.Query("variable", "sql", new { rawSql = sql, format = "table" }, DemoProfilesFixture.From, DemoProfilesFixture.To);
        var frames = await client.FramesAsync(query);
        var frame = Assert.Single(frames);
        return [.. frame.FieldAt(0).GetProperty("values").EnumerateArray().Select(v => v.ToString())];
    }

    /// <summary>The variable query's selector with its profile type in front (<c>type{…}</c>), interpolated.</summary>
    private static string Scoped(JsonObject query, IReadOnlyDictionary<string, string[]> values)
    {
        var selector = Interpolate(query["labelSelector"]?.GetValue<string>() ?? "{}", values);
        var type = query["profileTypeId"] is { } t ? Interpolate(t.GetValue<string>(), values) : "";
        return type + (selector.Trim().Length == 0 ? "{}" : selector.Trim());
    }

    /// <summary>
    /// Grafana's template interpolation for what the dashboards use: <c>$name</c>, <c>${name}</c>,
    /// <c>${name:regex}</c> (RE2-escaped, alternatives for several values) and <c>${name:sqlstring}</c>
    /// (quoted literals). Built-ins (<c>$__interval</c>, macros) are left to the backend.
    /// </summary>
    private static string Interpolate(string text, IReadOnlyDictionary<string, string[]> values, bool json = false) =>
        VariableReference().Replace(text, m =>
        {
            var name = m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["bare"].Value;
            if (name.StartsWith("__", StringComparison.Ordinal))
            {
                return m.Value;
            }
            var found = values.TryGetValue(name, out var list) ? list : throw new Xunit.Sdk.XunitException($"Variable ${name} is used but not defined.");
            var format = m.Groups["format"].Success ? m.Groups["format"].Value : "";
            var result = format switch
            {
                "sqlstring" => string.Join(",", list.Select(v => "'" + v.Replace("'", "''", StringComparison.Ordinal) + "'")),
                "regex" => list.Length == 1 ? Re2Escape(list[0]) : "(" + string.Join("|", list.Select(Re2Escape)) + ")",
                "" => list.Length == 1 ? list[0] : throw new Xunit.Sdk.XunitException($"${name} has several values where one is expected; use a format or repeat the panel."),
                _ => throw new Xunit.Sdk.XunitException($"Format '{format}' of ${name} is not one the dashboards may use."),
            };
            return json ? JsonEncodedText.Encode(result).ToString() : result;
        });

    private static string Re2Escape(string value) => Re2Special().Replace(value, @"\$0");

    private static void AssertReferencesDefined(string file, string where, JsonNode node, HashSet<string> names)
    {
        foreach (Match m in VariableReference().Matches(node.ToJsonString()))
        {
            var name = m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["bare"].Value;
            Assert.True(name.StartsWith("__", StringComparison.Ordinal) || names.Contains(name), $"{file}: {where} uses ${name}, which is not a variable of the dashboard.");
        }
    }

    private static void AssertOurDataSource(JsonNode? node, string what)
    {
        Assert.True(node is JsonObject, $"{what} names no data source.");
        Assert.Equal(DemoProfilesFixture.ProvisionedUid, node!["uid"]?.GetValue<string>());
        Assert.Equal(PluginType, node["type"]?.GetValue<string>());
    }

    private static IEnumerable<JsonObject> Panels(JsonObject dashboard)
    {
        foreach (var panel in dashboard["panels"]!.AsArray().Select(p => p!.AsObject()))
        {
            if (panel["type"]!.GetValue<string>() == "row")
            {
                foreach (var inner in panel["panels"]?.AsArray().Select(p => p!.AsObject()) ?? [])
                {
                    yield return inner;
                }
                continue;
            }
            yield return panel;
        }
    }

    private static JsonObject Load(string relative) => JsonNode.Parse(File.ReadAllText(Path.Combine(Provisioning, relative)))!.AsObject();

    /// <summary>The <c>jsonData:</c> block of the data source YAML as JSON (scalars only, as that block holds).</summary>
    private static JsonObject JsonData(string[] yaml)
    {
        var result = new JsonObject();
        var start = Array.FindIndex(yaml, l => l.Trim() == "jsonData:");
        Assert.True(start >= 0, "The provisioned data source has no jsonData.");
        var indent = yaml[start].Length - yaml[start].TrimStart().Length;
        foreach (var line in yaml.Skip(start + 1))
        {
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }
            if (line.Length - line.TrimStart().Length <= indent)
            {
                break;
            }
            var (key, value) = (line.Trim().Split(':', 2)[0], line.Trim().Split(':', 2)[1].Trim());
            result[key] = long.TryParse(value, out var number) ? JsonValue.Create(number)
                : value is "true" or "false" ? JsonValue.Create(value == "true")
                : JsonValue.Create(value.Trim('"'));
        }
        return result;
    }

    private static long Ms(DateTime time) => new DateTimeOffset(time).ToUnixTimeMilliseconds();

    [GeneratedRegex(@"\$\{(?<braced>\w+)(?::(?<format>\w+))?\}|\$(?<bare>[A-Za-z_]\w*)")]
    private static partial Regex VariableReference();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariableName();

    [GeneratedRegex(@"[\\.+*?()|\[\]{}^$]")]
    private static partial Regex Re2Special();
}
