using System.Text;
using GrafanaProfiles.Collector.Ingest.Pyroscope;
using GrafanaProfiles.Collector.Ingest.Tests.Support;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Collector.Ingest.Tests.Pyroscope;

/// <summary>Folded and lines bodies, the name parameter, profile types and labels.</summary>
public sealed class PyroscopeIngestTests
{
    private static readonly IngestLimits Limits = IngestLimits.Default;

    internal static PyroscopeIngestResult Ingest(string query, string body, string? contentType = null, IngestLimits? limits = null) =>
        Ingest(query, Encoding.UTF8.GetBytes(body), contentType, limits);

    internal static PyroscopeIngestResult Ingest(string query, byte[] body, string? contentType = null, IngestLimits? limits = null) =>
        PyroscopeIngest.Decode(Query(query), contentType, body, limits ?? Limits, StoppedClock.Default);

    internal static Dictionary<string, string> Query(string query) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query).ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);

    internal static ProfileRejectedException Rejected(string query, string body, string? contentType = null, IngestLimits? limits = null) =>
        Assert.Throws<ProfileRejectedException>(() => Ingest(query, body, contentType, limits));

    [Fact]
    public void Folded_PyroscopeRsPythonUpload_CpuNanosecondsPerSampleFromSampleRate()
    {
        var body = TestData.Read("pyroscope/pyspy-cpu.folded");
        var result = Ingest("name=my.python.app.cpu{env=staging,region=us-west-1}&from=1714557600&until=1714557610&format=folded&sampleRate=100&spyName=pyspy", body);

        var profile = Assert.Single(result.Batch.Profiles);
        Assert.Equal("process_cpu:cpu:nanoseconds:cpu:nanoseconds", profile.ProfileType);
        Assert.Equal("my.python.app", profile.ServiceName);
        Assert.Equal(LabelSet.From([new("env", "staging"), new("region", "us-west-1"), new("pyroscope_spy", "pyspy")]), profile.Labels);
        Assert.Equal(1_714_557_600L * 1_000_000_000, profile.TimeNanos);
        Assert.Equal(10L * 1_000_000_000, profile.DurationNanos);
        // Counts as written, each sample 1e9/100 ns; frames with spaces keep them.
        var expected = Encoding.UTF8.GetString(body).Split('\n')
            .Select(l => (Stack: l[..l.LastIndexOf(' ')], Count: long.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)))
            .ToDictionary(l => l.Stack, l => l.Count * 10_000_000);
        Assert.Equal(expected, BatchAssert.Folded(result.Batch, profile));
        Assert.Equal(FoldedWalCodecKind, (byte)result.WalKind);
        var function = result.Batch.IndexFunctions().Values.Single(f => f.Name == "app.py:22 - fib");
        Assert.Equal(new FunctionInfo("app.py:22 - fib", "app.py:22 - fib", "", 0), function);
    }

    private const byte FoldedWalCodecKind = 2;

    [Fact]
    public void Folded_RbspyUploadWithCrlfTrailingSpacesAndEmptyLines_ReadsEveryStack()
    {
        var result = Ingest("name=ruby.app.cpu&format=folded&spyName=rbspy&sampleRate=100", TestData.Read("pyroscope/rbspy-cpu.folded"));

        var profile = Assert.Single(result.Batch.Profiles);
        Assert.Equal(4, profile.Samples.Count);
        Assert.Equal((210 + 95 + 61 + 40) * 10_000_000L, profile.Total);
        var flat = BatchAssert.FlatByLeaf(result.Batch, profile.ProfileType);
        Assert.Equal(610_000_000, flat["digest.rb:25 - hexdigest"]);
        Assert.Equal("ruby.app", profile.ServiceName);
        Assert.Equal("rbspy", profile.Labels.Get("pyroscope_spy"));
    }

    [Fact]
    public void Folded_EbpfStyleStacks_KernelFramesKeptAsWritten()
    {
        var result = Ingest("name=host.cpu{node=worker-1}&spyName=ebpfspy&sampleRate=97", TestData.Read("pyroscope/ebpf-cpu.folded"));

        var profile = Assert.Single(result.Batch.Profiles);
        // 1e9 / 97 = 10309278 ns per sample (integer division, as Pyroscope).
        Assert.Equal((58 + 23 + 7 + 12 + 140) * 10_309_278L, profile.Total);
        Assert.Contains(result.Batch.IndexFunctions().Values, f => f.Name == "do_syscall_64_[k]");
        Assert.Equal("swapper/0", result.Batch.IndexFunctions()[result.Batch.IndexStacks()[profile.Samples[^1].StackId][0]].Name);
    }

    [Fact]
    public void Folded_NoFormatParameter_IsTheDefault()
    {
        var result = Ingest("name=app", "a;b;c 3\n");
        var profile = Assert.Single(result.Batch.Profiles);
        Assert.Equal("process_cpu:cpu:nanoseconds:cpu:nanoseconds", profile.ProfileType);
        Assert.Equal("app", profile.ServiceName);
        Assert.Equal(3 * 10_000_000L, profile.Total);
        // No from/until: the window is [now, now).
        Assert.Equal((StoppedClock.InstantNanos, 0L), (profile.TimeNanos, profile.DurationNanos));
    }

    [Fact]
    public void Folded_SameStackOnSeveralLines_SumsAndKeepsRootFirst()
    {
        var result = Ingest("name=app.cpu&sampleRate=0", "main;work;leaf 2\nmain;work;leaf 3\nmain;other 1\n");
        var profile = Assert.Single(result.Batch.Profiles);
        // sampleRate=0: counts stay samples.
        Assert.Equal("process_cpu:samples:count:cpu:nanoseconds", profile.ProfileType);
        Assert.Equal(new Dictionary<string, long> { ["main;work;leaf"] = 5, ["main;other"] = 1 }, BatchAssert.Folded(result.Batch, profile));
    }

    [Fact]
    public void Folded_EmptyFramesAndZeroCounts_AreSkipped()
    {
        var result = Ingest("name=app.cpu&sampleRate=0", "main;;work; 4\nmain;idle 0\n");
        var profile = Assert.Single(result.Batch.Profiles);
        Assert.Equal(new Dictionary<string, long> { ["main;work"] = 4 }, BatchAssert.Folded(result.Batch, profile));
    }

    [Theory]
    [InlineData("main;work", "no count")]
    [InlineData("main;work x", "the count 'x'")]
    [InlineData("main;work -3", "the count '-3'")]
    [InlineData("main;work 99999999999999999999", "the count")]
    public void Folded_BadLine_RejectedNamingTheLine(string line, string expected)
    {
        var e = Rejected("name=app.cpu", "ok 1\n" + line + "\n");
        Assert.Equal(RejectReason.InvalidProfile, e.Reason);
        Assert.Contains("line 2", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Folded_InvalidUtf8_Rejected()
    {
        var e = Assert.Throws<ProfileRejectedException>(() => Ingest("name=app.cpu", [(byte)'a', 0xFF, (byte)' ', (byte)'1']));
        Assert.Equal(RejectReason.InvalidProfile, e.Reason);
        Assert.Contains("offset 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lines_EachLineOneSample()
    {
        var result = Ingest("name=app.cpu&format=lines&sampleRate=100", "main;work\nmain;work\r\nmain;idle\n\n");
        var profile = Assert.Single(result.Batch.Profiles);
        Assert.Equal(new Dictionary<string, long> { ["main;work"] = 20_000_000, ["main;idle"] = 10_000_000 }, BatchAssert.Folded(result.Batch, profile));
    }

    [Theory]
    [InlineData("app.cpu", "process_cpu:cpu:nanoseconds:cpu:nanoseconds", "app")]
    [InlineData("app.itimer", "process_cpu:cpu:nanoseconds:cpu:nanoseconds", "app")]
    [InlineData("app.wall", "wall:wall:nanoseconds:cpu:nanoseconds", "app")]
    [InlineData("app.milliseconds", "wall:wall:nanoseconds:cpu:nanoseconds", "app")]
    [InlineData("my.app.inuse_space", "memory:inuse_space:bytes:space:bytes", "my.app")]
    [InlineData("my.app.inuse_objects", "memory:inuse_objects:count:space:bytes", "my.app")]
    [InlineData("my.app.alloc_space", "memory:alloc_space:bytes:space:bytes", "my.app")]
    [InlineData("my.app.alloc_objects", "memory:alloc_objects:count:space:bytes", "my.app")]
    [InlineData("app.goroutines", "goroutine:goroutines:count:goroutines:count", "app")]
    [InlineData("app.mutex_count", "mutex:contentions:count:contentions:count", "app")]
    [InlineData("app.mutex_duration", "mutex:delay:nanoseconds:contentions:count", "app")]
    [InlineData("app.block_count", "block:contentions:count:contentions:count", "app")]
    [InlineData("app.block_duration", "block:delay:nanoseconds:contentions:count", "app")]
    [InlineData("app.lock_count", "block:contentions:count:contentions:count", "app")]
    [InlineData("app.lock_duration", "block:delay:nanoseconds:contentions:count", "app")]
    [InlineData("app.exceptions", "exceptions:samples:count:samples:count", "app")]
    [InlineData("app.alloc_in_new_tlab_bytes", "memory:alloc_in_new_tlab_bytes:bytes:space:bytes", "app")]
    [InlineData("app.live", "memory:live:count:space:bytes", "app")]
    [InlineData("a/b-c_d", "process_cpu:cpu:nanoseconds:cpu:nanoseconds", "a/b-c_d")]
    public void Name_Suffix_SelectsProfileTypeAndService(string name, string type, string service)
    {
        var profile = Assert.Single(Ingest("name=" + Uri.EscapeDataString(name), "a;b 1").Batch.Profiles);
        Assert.Equal((type, service), (profile.ProfileType, profile.ServiceName));
    }

    [Fact]
    public void Name_SuffixScalesOnlyTimeTypes()
    {
        Assert.Equal(7, Ingest("name=app.alloc_objects&sampleRate=100", "a;b 7").Batch.Profiles[0].Total);
        Assert.Equal(70_000_000, Ingest("name=app.wall&sampleRate=100", "a;b 7").Batch.Profiles[0].Total);
    }

    [Fact]
    public void Name_UnknownSuffix_RejectedListingTheKnownOnes()
    {
        var e = Rejected("name=my.awesome.app", "a 1");
        Assert.Equal(RejectReason.InvalidProfileType, e.Reason);
        Assert.Contains("'.app'", e.Message, StringComparison.Ordinal);
        Assert.Contains("inuse_space", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Name_LabelsWithSpacesDotsAndOddValues_ReadAsPyroscopeDoes()
    {
        var profile = Assert.Single(Ingest("name=" + Uri.EscapeDataString("app.cpu{ env = prod ,otel.scope.name=com.grafana.pyroscope/go,url=/a?b=c, empty=,}"), "a 1").Batch.Profiles);
        Assert.Equal("prod", profile.Labels.Get("env"));
        Assert.Equal("com.grafana.pyroscope/go", profile.Labels.Get("otel.scope.name"));
        Assert.Equal("/a?b=c", profile.Labels.Get("url"));
        // An empty value is no label.
        Assert.Null(profile.Labels.Get("empty"));
    }

    [Fact]
    public void Name_ServiceNameLabel_WinsAndKeepsAppName()
    {
        var profile = Assert.Single(Ingest("name=" + Uri.EscapeDataString("my.app.cpu{service_name=checkout}"), "a 1").Batch.Profiles);
        Assert.Equal("checkout", profile.ServiceName);
        Assert.Equal("my.app", profile.Labels.Get("app_name"));
        Assert.Null(profile.Labels.Get("service_name"));
    }

    [Fact]
    public void Name_PrivateLabels_Dropped()
    {
        var profile = Assert.Single(Ingest("name=" + Uri.EscapeDataString("app.cpu{__session_id__=abc,__delta__=false,keep=1}"), "a 1").Batch.Profiles);
        Assert.Equal(LabelSet.From([new("keep", "1"), new("pyroscope_spy", "unknown")]), profile.Labels);
    }

    [Fact]
    public void Name_ProfileIdLabel_NothingStoredAsPyroscopeIgnoresLegacySpanProfiles()
    {
        var result = Ingest("name=" + Uri.EscapeDataString("app.cpu{profile_id=abc}"), "a 1");
        Assert.False(result.HasProfiles);
        Assert.Contains("profile_id", result.NotStoredReason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "is missing")]
    [InlineData("{env=prod}", "no application name")]
    [InlineData("app{env=prod", "does not close")]
    [InlineData("app{env}", "has no value")]
    [InlineData("app{=x}", "no name")]
    [InlineData("app{en-v=x}", "'en-v'")]
    [InlineData("app{a=b}tail", "text after")]
    [InlineData("ap p.cpu", "the character ' '")]
    [InlineData(".cpu", "no application name before '.cpu'")]
    public void Name_Invalid_RejectedNamingTheParameter(string name, string expected)
    {
        var e = Rejected("name=" + Uri.EscapeDataString(name), "a 1");
        Assert.Equal(RejectReason.InvalidRequest, e.Reason);
        Assert.Contains("parameter 'name'", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Name_LabelNameStartingWithDigit_RejectedByTheStoreRule()
    {
        var e = Rejected("name=" + Uri.EscapeDataString("app{1abc=x}"), "a 1");
        Assert.Equal(RejectReason.InvalidLabelName, e.Reason);
    }

    [Fact]
    public void Name_TooManyLabels_RejectedNamingTheLimit()
    {
        var labels = string.Join(",", Enumerable.Range(0, 31).Select(i => $"l{i}=v"));
        var e = Rejected("name=" + Uri.EscapeDataString("app{" + labels + "}"), "a 1");
        Assert.Equal(RejectReason.TooManyLabels, e.Reason);
        Assert.Contains("max_labels_per_series=30", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc", 100)]
    [InlineData("-1", 100)]
    [InlineData("0", 0)]
    [InlineData("97", 97)]
    public void SampleRate_InvalidOrNegative_DefaultsTo100(string value, int expected) =>
        Assert.Equal(expected, Ingest("name=app.cpu&sampleRate=" + value, "a 1").Request.SampleRate);

    [Fact]
    public void Parameters_Defaults_AsPyroscope()
    {
        var request = Ingest("name=app.cpu&units=&aggregationType=", "a 1").Request;
        Assert.Equal(("unknown", "samples", "sum", 100, PyroscopeFormat.Folded), (request.SpyName, request.Units, request.AggregationType, request.SampleRate, request.Format));
    }

    [Theory]
    [InlineData("units=furlongs", "parameter 'units'")]
    [InlineData("aggregationType=max", "parameter 'aggregationType'")]
    [InlineData("from=20261", "parameter 'from': '20261' is not a time")]
    [InlineData("until=yesterday", "parameter 'until'")]
    [InlineData("from=1714557610&until=1714557600", "until (1714557600) is before from")]
    [InlineData("from=9999-12-31T00:00:00Z&until=now", "parameter 'from': '9999-12-31T00:00:00Z' is outside the times a profile can have: 1677-09-21T00:12:43Z to 2262-04-11T23:47:16Z")]
    [InlineData("from=0001-01-01T00:00:00Z", "parameter 'from': '0001-01-01T00:00:00Z' is outside the times")]
    [InlineData("from=now-1h&until=2300-01-01T00:00:00Z", "parameter 'until': '2300-01-01T00:00:00Z' is outside the times")]
    public void Parameters_Invalid_RejectedNamingTheParameter(string parameter, string expected)
    {
        var e = Rejected("name=app.cpu&" + parameter, "a 1");
        Assert.Equal(RejectReason.InvalidRequest, e.Reason);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("format=trie", null, "trie")]
    [InlineData("format=tree", null, "tree")]
    [InlineData("format=jfr", null, "Java Flight Recorder")]
    [InlineData("format=speedscope", null, "speedscope")]
    [InlineData("", "binary/octet-stream+trie", "trie")]
    [InlineData("", "binary/octet-stream+tree", "tree")]
    [InlineData("format=collapsed", null, "'collapsed'")]
    public void Format_NotRead_RejectedAsUnsupported(string parameter, string? contentType, string expected)
    {
        var e = Rejected("name=app.cpu&" + parameter, "a 1", contentType);
        Assert.Equal(RejectReason.UnsupportedFormat, e.Reason);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Equal(415, Rejections.HttpStatus(e.Reason));
    }

    [Fact]
    public void Body_Empty_AcceptedWithNothingStored()
    {
        var result = Ingest("name=app.cpu", "");
        Assert.False(result.HasProfiles);
        Assert.Equal("the body is empty", result.NotStoredReason);
    }

    [Fact]
    public void Limits_DistinctStacksOverLimit_TooManySamples()
    {
        var body = string.Join("\n", Enumerable.Range(0, 11).Select(i => $"main;f{i} 1"));
        var e = Rejected("name=app.cpu", body, limits: Limits with { MaxSamplesPerProfile = 10 });
        Assert.Equal(RejectReason.TooManySamples, e.Reason);
        Assert.Contains("max_samples_per_profile=10", e.Message, StringComparison.Ordinal);
        // The same stack many times is one sample.
        Assert.Single(Ingest("name=app.cpu", string.Concat(Enumerable.Repeat("main;f 1\n", 100)), limits: Limits with { MaxSamplesPerProfile = 1 }).Batch.Profiles[0].Samples);
    }

    [Fact]
    public void Limits_DeepStack_KeepsTheFramesNearestTheRoot()
    {
        var result = Ingest("name=app.cpu&sampleRate=0", "a;b;c;d;e 1", limits: Limits with { MaxStackDepth = 3 });
        Assert.Equal(new Dictionary<string, long> { ["a;b;c"] = 1 }, BatchAssert.Folded(result.Batch, result.Batch.Profiles[0]));
    }

    [Fact]
    public void Limits_LongFrameName_KeepsItsEnd()
    {
        var result = Ingest("name=app.cpu&sampleRate=0", "main;" + new string('x', 20) + "tail 1", limits: Limits with { MaxSymbolLength = 8 });
        Assert.Contains(result.Batch.IndexFunctions().Values, f => f.Name == "xxxxtail");
    }

    [Fact]
    public void Limits_BodyOverMaxDecompressedBytes_Rejected()
    {
        var e = Rejected("name=app.cpu", "main;work 1\n", limits: Limits with { MaxDecompressedBytes = 5 });
        Assert.Equal(RejectReason.DecompressedTooLarge, e.Reason);
        Assert.Equal(413, Rejections.HttpStatus(e.Reason));
    }

    [Fact]
    public void ContentEncoding_Gzip_Undone()
    {
        var body = TestData.Gzip(TestData.Read("pyroscope/pyspy-cpu.folded"));
        // The door's one Content-Encoding step, then the decoder.
        using var decoded = ContentEncoding.Decode("gzip", body, Limits);
        var result = PyroscopeIngest.Decode(Query("name=app.cpu&spyName=pyspy"), "binary/octet-stream", decoded.Body, Limits, StoppedClock.Default);
        Assert.Equal(6, result.Batch.Profiles[0].Samples.Count);
    }
}
