using System.Text;
using GrafanaProfiles.Collector.Ingest.Pyroscope;
using GrafanaProfiles.Collector.Ingest.Tests.Support;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Collector.Ingest.Tests.Pyroscope;

/// <summary>pprof bodies: raw, gzipped, and the multipart uploads of the Go and Node.js SDKs.</summary>
public sealed class PyroscopeIngestPprofTests
{
    private static readonly IngestLimits Limits = IngestLimits.Default;

    /// <summary>What the Go SDK puts in the query (upstream/remote: q.Encode sorts the keys; units and aggregationType empty for most profiles).</summary>
    private const string GoSdkQuery = "aggregationType=&from=1714557600000000000&name=goapp%7B__session_id__%3D6f3b1c2d9e8a7b65%2Cotel.scope.name%3Dcom.grafana.pyroscope%2Fgo%2Cotel.scope.version%3Dv1.2.7%2Cprocess.runtime.name%3Dgo%2Cprocess.runtime.version%3Dgo1.22.1%7D&sampleRate=100&spyName=gospy&units=&until=1714557610000000000";

    /// <summary>Go's json.Marshal of the SDK's sampleTypeConfigHeap (keys sorted, empty fields left out).</summary>
    private const string GoHeapConfig = """{"alloc_objects":{"units":"objects"},"alloc_space":{"units":"bytes"},"inuse_objects":{"units":"objects","aggregation":"average"},"inuse_space":{"units":"bytes","aggregation":"average"}}""";

    private const string GoBlockConfig = """{"contentions":{"units":"lock_samples","display-name":"block_count"},"delay":{"units":"lock_nanoseconds","display-name":"block_duration"}}""";

    private const string GoMutexConfig = """{"contentions":{"units":"lock_samples","display-name":"mutex_count"},"delay":{"units":"lock_nanoseconds","display-name":"mutex_duration"}}""";

    private const string GoGoroutineConfig = """{"goroutine":{"units":"goroutines","aggregation":"average","display-name":"goroutines"}}""";

    private static PyroscopeIngestResult GoSdkUpload(string file, string? config)
    {
        var form = new GoMultipart().File("profile", "profile.pprof", TestData.Pprof(file));
        if (config is not null)
        {
            form.File("sample_type_config", "sample_type_config.json", Encoding.UTF8.GetBytes(config));
        }
        return PyroscopeIngest.Decode(PyroscopeIngestTests.Query(GoSdkQuery), form.ContentType, form.Close(), Limits, StoppedClock.Default);
    }

    [Theory]
    [InlineData("go-cpu.pb.gz", null, "process_cpu:cpu:nanoseconds:cpu:nanoseconds,process_cpu:samples:count:cpu:nanoseconds")]
    [InlineData("go-heap.pb.gz", GoHeapConfig, "memory:alloc_objects:count:space:bytes,memory:alloc_space:bytes:space:bytes,memory:inuse_objects:count:space:bytes,memory:inuse_space:bytes:space:bytes")]
    [InlineData("go-mutex.pb.gz", GoMutexConfig, "mutex:contentions:count:contentions:count,mutex:delay:nanoseconds:contentions:count")]
    [InlineData("go-mutex.pb.gz", GoBlockConfig, "block:contentions:count:contentions:count,block:delay:nanoseconds:contentions:count")]
    [InlineData("go-mutex.pb.gz", null, "mutex:contentions:count:contentions:count,mutex:delay:nanoseconds:contentions:count")]
    [InlineData("go-goroutine.pb.gz", GoGoroutineConfig, "goroutines:goroutine:count:goroutine:count")]
    [InlineData("go-goroutine.pb.gz", null, "goroutines:goroutine:count:goroutine:count")]
    public void GoSdkMultipart_DisplayNamesChooseTheProfileName(string file, string? config, string types)
    {
        var result = GoSdkUpload(file, config);

        Assert.Equal(types.Split(','), result.Batch.Profiles.Select(p => p.ProfileType).Distinct().Order(StringComparer.Ordinal));
        var profile = result.Batch.Profiles[0];
        Assert.Equal("goapp", profile.ServiceName);
        Assert.Equal("gospy", profile.Labels.Get("pyroscope_spy"));
        Assert.Equal("com.grafana.pyroscope/go", profile.Labels.Get("otel.scope.name"));
        Assert.Equal("go1.22.1", profile.Labels.Get("process.runtime.version"));
        // Pyroscope drops __session_id__ (max_sessions_per_series defaults to 0).
        Assert.Null(profile.Labels.Get("__session_id__"));
        Assert.Equal((1_714_557_600_000_000_000L, 10_000_000_000L), (profile.TimeNanos, profile.DurationNanos));
        Assert.Equal(WalRecordKind.Pprof, result.WalKind);
    }

    [Theory]
    [InlineData("go-cpu.pb.gz", null)]
    [InlineData("go-heap.pb.gz", GoHeapConfig)]
    [InlineData("go-mutex.pb.gz", GoBlockConfig)]
    public void GoSdkMultipart_SameBatchAsThePprofDecoderAndItsLogRecordReplaysIt(string file, string? config)
    {
        var result = GoSdkUpload(file, config);

        var name = result.Batch.Profiles[0].ProfileType.Split(':')[0];
        var direct = PprofDecoder.Decode(TestData.Pprof(file), new PprofDecodeOptions
        {
            ServiceName = "goapp",
            Labels = LabelSet.From([
                new("otel.scope.name", "com.grafana.pyroscope/go"), new("otel.scope.version", "v1.2.7"),
                new("process.runtime.name", "go"), new("process.runtime.version", "go1.22.1"), new("pyroscope_spy", "gospy")]),
            ProfileName = name,
            FromUnixNanos = 1_714_557_600_000_000_000,
            UntilUnixNanos = 1_714_557_610_000_000_000,
        });
        BatchAssert.Equal(direct, result.Batch);
        BatchAssert.Equal(result.Batch, PprofWalCodec.Decode(result.WalPayload.Span));
    }

    [Fact]
    public void NodeSdkUploads_RealCaptures_WallAndMemory()
    {
        var uploads = TestData.NodeSdkUploads().ToList();
        Assert.Contains(uploads, u => u.Name.StartsWith("node-sdk-wall", StringComparison.Ordinal));
        Assert.Contains(uploads, u => u.Name.StartsWith("node-sdk-heap", StringComparison.Ordinal));
        foreach (var upload in uploads)
        {
            var result = PyroscopeIngest.Decode(upload.Query, upload.ContentType, upload.Body, Limits, StoppedClock.Default);

            Assert.Equal(PyroscopeFormat.Pprof, result.Request.Format);
            Assert.True(result.HasProfiles, upload.Name);
            var expectedName = upload.Name.StartsWith("node-sdk-wall", StringComparison.Ordinal) ? "wall" : "memory";
            Assert.All(result.Batch.Profiles, p =>
            {
                Assert.StartsWith(expectedName + ":", p.ProfileType, StringComparison.Ordinal);
                Assert.Equal("nodeapp", p.ServiceName);
                Assert.Equal("nodespy", p.Labels.Get("pyroscope_spy"));
                Assert.Equal("test", p.Labels.Get("env"));
                Assert.Equal("com.grafana.pyroscope/nodejs", p.Labels.Get("otel.scope.name"));
                Assert.Equal(result.Request.FromUnixNanos, p.TimeNanos);
                Assert.Equal(result.Request.UntilUnixNanos - result.Request.FromUnixNanos, p.DurationNanos);
            });
            BatchAssert.Equal(result.Batch, PprofWalCodec.Decode(result.WalPayload.Span));
        }
    }

    [Fact]
    public void NodeSdkWall_MemoryTypesUseTheSpacePeriod()
    {
        var heap = TestData.NodeSdkUploads().First(u => u.Name.StartsWith("node-sdk-heap", StringComparison.Ordinal));
        var result = PyroscopeIngest.Decode(heap.Query, heap.ContentType, heap.Body, Limits, StoppedClock.Default);
        Assert.Equal(["memory:inuse_objects:count:space:bytes", "memory:inuse_space:bytes:space:bytes"],
            result.Batch.Profiles.Select(p => p.ProfileType).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void RawPprof_NodeCpuFromTestdata_WallProfileFullAppNameIsTheService()
    {
        var result = PyroscopeIngestTests.Ingest("name=" + Uri.EscapeDataString("my.node.app.cpu{env=prod}") + "&format=pprof&spyName=nodespy", TestData.Pprof("node-cpu.pb.gz"));

        // For pprof, name is only a prefix: the whole application name is the service, as in Pyroscope.
        Assert.All(result.Batch.Profiles, p => Assert.Equal("my.node.app.cpu", p.ServiceName));
        Assert.All(result.Batch.Profiles, p => Assert.StartsWith("wall:", p.ProfileType, StringComparison.Ordinal));
    }

    [Fact]
    public void RawPprof_NoFromOrUntil_KeepsTheProfilesOwnTime()
    {
        var profile = TestData.Pprof("go-cpu.pb.gz");
        var own = PprofDecoder.Decode(profile, new PprofDecodeOptions()).Profiles[0];
        var result = PyroscopeIngestTests.Ingest("name=app&format=pprof", profile);
        Assert.Equal((own.TimeNanos, own.DurationNanos), (result.Batch.Profiles[0].TimeNanos, result.Batch.Profiles[0].DurationNanos));
    }

    [Fact]
    public void RawPprof_Uncompressed_SameAsGzipped()
    {
        var gz = PyroscopeIngestTests.Ingest("name=app&format=pprof&from=1714557600", TestData.Pprof("go-heap.pb.gz"));
        var raw = PyroscopeIngestTests.Ingest("name=app&format=pprof&from=1714557600", TestData.Gunzip(TestData.Pprof("go-heap.pb.gz")));
        BatchAssert.Equal(gz.Batch, raw.Batch);
    }

    [Fact]
    public void RawPprof_OldPyroscopeRsUpload_GzipContentEncodingAndPyspyNames()
    {
        // pyroscope-rs before its push API: format=pprof, Content-Encoding: gzip, file names in functions.
        var profile = Profiles.Build("cpu", "nanoseconds",
            [("<module>", "app.py"), ("fib", "app.py"), ("run", "/usr/lib/python3.11/threading.py")],
            [([1, 0], 30_000_000), ([2], 10_000_000)]);
        var query = PyroscopeIngestTests.Query("name=" + Uri.EscapeDataString("py.app.cpu{env=prod}") + "&from=1714557600&until=1714557610&format=pprof&sampleRate=100&spyName=pyspy");
        // The door's one Content-Encoding step, then the decoder.
        using var body = ContentEncoding.Decode("gzip", TestData.Gzip(profile), Limits);
        var result = PyroscopeIngest.Decode(query, "binary/octet-stream", body.Body, Limits, StoppedClock.Default);

        var cpu = Assert.Single(result.Batch.Profiles);
        Assert.Equal("process_cpu:cpu:nanoseconds:cpu:nanoseconds", cpu.ProfileType);
        // pyspy: "file name", except for absolute paths (Pyroscope's FixFunctionNamesForScriptingLanguages).
        Assert.Equal(new Dictionary<string, long> { ["app.py <module>;app.py fib"] = 30_000_000, ["run"] = 10_000_000 }, BatchAssert.Folded(result.Batch, cpu));
        Assert.Equal(WalRecordKind.PprofWithFixes, result.WalKind);
        BatchAssert.Equal(result.Batch, WalDecoders.All.Decode(result.WalKind, result.WalPayload));
    }

    [Fact]
    public void RawPprof_Rbspy_EveryFunctionNamedWithItsFileAndMergedStacksSum()
    {
        // Two functions of one name in one file become one "file name" frame: their stacks merge.
        var profile = Profiles.Build("cpu", "nanoseconds", [("work", "/app/a.rb"), ("work", "/app/a.rb")],
            [([0], 5), ([1], 7)]);
        var result = PyroscopeIngestTests.Ingest("name=rb.app.cpu&format=pprof&spyName=rbspy", profile);
        var cpu = Assert.Single(result.Batch.Profiles);
        Assert.Equal(new Dictionary<string, long> { ["/app/a.rb work"] = 12 }, BatchAssert.Folded(result.Batch, cpu));
        Assert.Single(cpu.Samples);
    }

    [Fact]
    public void RawPprof_Dotnetspy_SampleTypeDashesAndZeroFunctionIdsFixed()
    {
        // The .NET profiler's shape: cpu first, then allocation types named with dashes.
        var profile = Profiles.Build([("cpu", "nanoseconds"), ("alloc-samples", "count")], [("Main", ""), ("Allocate", "")],
            [([1, 0], [0, 4])], zeroFunctionIds: true);
        var result = PyroscopeIngestTests.Ingest("name=dotnet.app&format=pprof&spyName=dotnetspy&from=1714557600", profile);

        var alloc = Assert.Single(result.Batch.Profiles);
        Assert.Equal("process_cpu:alloc_samples:count:cpu:nanoseconds", alloc.ProfileType);
        Assert.Equal(new Dictionary<string, long> { ["Main;Allocate"] = 4 }, BatchAssert.Folded(result.Batch, alloc));
        Assert.Equal(WalRecordKind.PprofWithFixes, result.WalKind);
        BatchAssert.Equal(result.Batch, WalDecoders.All.Decode(result.WalKind, result.WalPayload));
        // Without the spy the same profile is rejected by the decoder (function id 0).
        Assert.Throws<ProfileRejectedException>(() => PyroscopeIngestTests.Ingest("name=dotnet.app&format=pprof", profile));
    }

    [Fact]
    public void Form_PrevProfile_RejectedAsUnsupportedClientVersion()
    {
        var form = new GoMultipart().File("profile", "profile.pprof", TestData.Pprof("go-cpu.pb.gz")).File("prev_profile", "profile.pprof", TestData.Pprof("go-cpu.pb.gz"));
        var e = Assert.Throws<ProfileRejectedException>(() => PyroscopeIngest.Decode(PyroscopeIngestTests.Query("name=app"), form.ContentType, form.Close(), Limits, StoppedClock.Default));
        Assert.Equal(RejectReason.UnsupportedFormat, e.Reason);
        Assert.Contains("unsupported client version", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Form_NoProfilePart_RejectedNamingTheParts()
    {
        var form = new GoMultipart().File("pprof", "x", TestData.Pprof("go-cpu.pb.gz"));
        var e = Assert.Throws<ProfileRejectedException>(() => PyroscopeIngest.Decode(PyroscopeIngestTests.Query("name=app"), form.ContentType, form.Close(), Limits, StoppedClock.Default));
        Assert.Equal(RejectReason.InvalidRequest, e.Reason);
        Assert.Contains("no 'profile' part", e.Message, StringComparison.Ordinal);
        Assert.Contains("pprof", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{not json", "not valid JSON")]
    [InlineData("[1]", "not a JSON object")]
    [InlineData("""{"samples":{"sampled":"yes"}}""", "'sampled' of 'samples'")]
    public void Form_BadSampleTypeConfig_RejectedNamingThePart(string json, string expected)
    {
        var form = new GoMultipart().File("profile", "p", TestData.Pprof("go-cpu.pb.gz")).File("sample_type_config", "c.json", Encoding.UTF8.GetBytes(json));
        var e = Assert.Throws<ProfileRejectedException>(() => PyroscopeIngest.Decode(PyroscopeIngestTests.Query("name=app"), form.ContentType, form.Close(), Limits, StoppedClock.Default));
        Assert.Equal(RejectReason.InvalidRequest, e.Reason);
        Assert.Contains("sample_type_config", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Form_SampleTypeConfigKeysAnyCaseUnknownIgnored()
    {
        var form = new GoMultipart().File("profile", "p", TestData.Pprof("go-mutex.pb.gz"))
            .File("sample_type_config", "c.json", """{"contentions":{"Display-Name":"block_count","extra":1},"delay":null}"""u8.ToArray());
        var result = PyroscopeIngest.Decode(PyroscopeIngestTests.Query("name=app"), form.ContentType, form.Close(), Limits, StoppedClock.Default);
        Assert.All(result.Batch.Profiles, p => Assert.StartsWith("block:", p.ProfileType, StringComparison.Ordinal));
    }

    [Fact]
    public void Form_WithFormatPprof_StillReadAsAForm()
    {
        var form = new GoMultipart().File("profile", "p", TestData.Pprof("go-cpu.pb.gz"));
        var result = PyroscopeIngest.Decode(PyroscopeIngestTests.Query("name=app&format=pprof"), form.ContentType, form.Close(), Limits, StoppedClock.Default);
        Assert.Equal(PyroscopeFormat.PprofForm, result.Request.Format);
        Assert.True(result.HasProfiles);
    }

    [Fact]
    public void Form_MalformedBody_RejectedAsInvalidRequest()
    {
        var e = Assert.Throws<ProfileRejectedException>(() => PyroscopeIngest.Decode(PyroscopeIngestTests.Query("name=app"),
            "multipart/form-data; boundary=abc", "--abc\r\nContent-Disposition: form-data; name=\"profile\"\r\n\r\nunterminated"u8.ToArray(), Limits, StoppedClock.Default));
        Assert.Equal(RejectReason.InvalidRequest, e.Reason);
        var noBoundary = Assert.Throws<ProfileRejectedException>(() => PyroscopeIngest.Decode(PyroscopeIngestTests.Query("name=app"),
            "multipart/form-data", "x"u8.ToArray(), Limits, StoppedClock.Default));
        Assert.Contains("boundary", noBoundary.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("malformed/truncated.pb.gz")]
    [InlineData("malformed/garbage.pb.gz")]
    [InlineData("malformed/missing-function.pb.gz")]
    [InlineData("malformed/bad-wire-type.pb")]
    public void RawPprof_Malformed_InvalidProfile422(string file)
    {
        var e = Assert.Throws<ProfileRejectedException>(() => PyroscopeIngestTests.Ingest("name=app&format=pprof", TestData.Pprof(file)));
        Assert.Equal(RejectReason.InvalidProfile, e.Reason);
        Assert.Equal(422, Rejections.HttpStatus(e.Reason));
    }

    [Fact]
    public void RawPprof_Empty_AcceptedWithNothingStored()
    {
        var result = PyroscopeIngestTests.Ingest("name=app&format=pprof", []);
        Assert.False(result.HasProfiles);
        Assert.NotNull(result.NotStoredReason);
    }

    [Fact]
    public void RawPprof_OverDecompressedLimit_Rejected()
    {
        var e = Assert.Throws<ProfileRejectedException>(() => PyroscopeIngestTests.Ingest("name=app&format=pprof", TestData.Pprof("go-cpu.pb.gz"), limits: Limits with { MaxDecompressedBytes = 1000 }));
        Assert.Equal(RejectReason.DecompressedTooLarge, e.Reason);
    }

    [Fact]
    public void RawPprof_ProfileIdLabel_DroppedNotStoredAsSeriesLabel()
    {
        var result = PyroscopeIngestTests.Ingest("name=" + Uri.EscapeDataString("app{profile_id=123,env=a}") + "&format=pprof", TestData.Pprof("go-goroutine.pb.gz"));
        Assert.All(result.Batch.Profiles, p => Assert.Equal(LabelSet.From([new("env", "a"), new("pyroscope_spy", "unknown")]), p.Labels));
    }
}
