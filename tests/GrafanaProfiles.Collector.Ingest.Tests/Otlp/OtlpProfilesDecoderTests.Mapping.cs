using Google.Protobuf;
using GrafanaProfiles.Collector.Ingest.Otlp;
using GrafanaProfiles.Schema.Otlp.Common.V1;
using GrafanaProfiles.Schema.Otlp.Profiles.V1Development;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Collector.Ingest.Tests.Otlp;

/// <summary>The mapping from OTLP to the store's model, on small hand-built requests.</summary>
public sealed partial class OtlpProfilesDecoderTests
{
    private static string[] Frames(ProfileBatch batch, SampleRow row) => [.. batch.IndexStacks()[row.StackId].Select(f => batch.IndexFunctions()[f].Name)];

    [Fact]
    public void Decode_EbpfStyleCpuProfile_CountsBecomeCpuNanoseconds()
    {
        var batch = Decode(SmallRequest.Build().Request).Batch;

        var cpu = batch.Profiles.Where(p => p.ProfileType == "process_cpu:cpu:nanoseconds:cpu:nanoseconds").ToList();
        // Three timestamps and one timestamp on worker-1, a value of 2 on worker-2: 6 samples of 50 ms.
        Assert.Equal(6 * SmallRequest.CpuPeriod, cpu.Sum(p => p.Total));
        Assert.Equal(4 * SmallRequest.CpuPeriod, cpu.Single(p => p.Labels.Get("thread.name") == "worker-1").Total);
        Assert.Equal(2 * SmallRequest.CpuPeriod, cpu.Single(p => p.Labels.Get("thread.name") == "worker-2").Total);
        var alloc = batch.Profiles.Where(p => p.ProfileType == "memory:alloc_space:bytes:space:bytes").ToList();
        Assert.Equal(1024 + 2048 + 4096, alloc.Sum(p => p.Total));
        // An integer attribute is a label too (as in Pyroscope), so it splits the series.
        Assert.Equal(["", "4096"], alloc.Select(p => p.Labels.Get("size.class") ?? "").Order(StringComparer.Ordinal));
        Assert.All(batch.Profiles, p => Assert.Equal((long)SmallRequest.TimeUnixNano, p.TimeNanos));
        Assert.All(batch.Profiles, p => Assert.Equal(5_000_000_000, p.DurationNanos));
    }

    [Theory]
    [InlineData("samples", "count", "cpu", "nanoseconds", 0, "process_cpu:samples:count:cpu:nanoseconds", 3)]
    [InlineData("samples", "count", "cpu", "nanoseconds", 10_000_000, "process_cpu:cpu:nanoseconds:cpu:nanoseconds", 30_000_000)]
    [InlineData("cpu", "nanoseconds", "cpu", "nanoseconds", 10_000_000, "process_cpu:cpu:nanoseconds:cpu:nanoseconds", 3)]
    [InlineData("samples", "count", "", "", 0, "process_cpu:samples:count:samples:count", 3)]
    [InlineData("off_cpu", "nanoseconds", "", "", 0, "off_cpu:off_cpu:nanoseconds:off_cpu:nanoseconds", 3)]
    [InlineData("inuse_space", "bytes", "inuse_space", "bytes", 524_288, "memory:inuse_space:bytes:space:bytes", 3)]
    [InlineData("wall", "nanoseconds", "wall", "nanoseconds", 1_000_000, "wall:wall:nanoseconds:wall:nanoseconds", 3)]
    [InlineData("contentions", "count", "contentions", "count", 1, "mutex:contentions:count:contentions:count", 3)]
    public void Decode_SampleAndPeriodTypes_PyroscopeProfileTypeIds(string type, string unit, string periodType, string periodUnit, long period, string expectedId, long expectedTotal)
    {
        var b = new OtlpRequestBuilder();
        var stack = b.Stack(b.Location(0, 0, (b.Function("main"), 1)));
        b.Profile(b.Scope(), type, unit, periodType, periodUnit, period).Samples.Add(OtlpRequestBuilder.Sample(stack, 3));

        var profile = Assert.Single(Decode(b.Request).Batch.Profiles);

        Assert.Equal(expectedId, profile.ProfileType);
        Assert.Equal(expectedTotal, profile.Total);
    }

    [Fact]
    public void Decode_Stacks_RootFirstInlinedAfterCallerUnsymbolizedByAddress()
    {
        var batch = Decode(SmallRequest.Build().Request).Batch;

        var stacks = batch.Profiles.SelectMany(p => p.Samples).Select(r => string.Join(";", Frames(batch, r))).ToHashSet();
        Assert.Contains("main.main;main.handle;main.parse;crypto/sha256.block", stacks);
        Assert.Contains("main.main;main.handle;main.parse;0x7f0000001234 [libc.so.6]", stacks);
        Assert.Contains("main.main", stacks);
        var memcpy = batch.IndexFunctions().Values.Single(f => f.Name.StartsWith("0x", StringComparison.Ordinal));
        Assert.Equal(new FunctionInfo("0x7f0000001234 [libc.so.6]", "", "/lib/x86_64-linux-gnu/libc.so.6", 0), memcpy);
        Assert.Contains(new FunctionInfo("main.parse", "main.parse", "/src/app/parse.go", 5), batch.IndexFunctions().Values);
        OtlpTestData.AssertComplete(batch);
    }

    [Fact]
    public void Decode_LineWithoutFunctionAndLocationWithoutMapping_AddressFrames()
    {
        var b = new OtlpRequestBuilder();
        var stack = b.Stack(b.Location(0, 0xabc), b.Location(0, 0xdef, (0, 0)), b.Location(0, 0x1, (b.Function("main"), 1)));
        b.Profile(b.Scope(), "cpu", "nanoseconds").Samples.Add(OtlpRequestBuilder.Sample(stack, 1));

        var batch = Decode(b.Request).Batch;

        Assert.Equal(["main", "0xdef", "0xabc"], Frames(batch, batch.Profiles.Single().Samples.Single()));
    }

    [Fact]
    public void Decode_Link_SetsSpanIdAndNoTraceLabel()
    {
        var batch = Decode(SmallRequest.Build().Request).Batch;

        var rows = batch.Profiles.SelectMany(p => p.Samples.Select(r => (Frames: string.Join(";", Frames(batch, r)), r.SpanId))).ToList();
        Assert.All(rows.Where(r => r.Frames.Contains("libc", StringComparison.Ordinal) && r.SpanId != 0), r => Assert.Equal(SmallRequest.SpanId, r.SpanId));
        Assert.Single(rows, r => r.SpanId == SmallRequest.SpanId);
        Assert.All(batch.Profiles, p => Assert.DoesNotContain(p.Labels, l => l.Key.Contains("trace", StringComparison.Ordinal) || l.Key.Contains("span", StringComparison.Ordinal)));
    }

    [Fact]
    public void Decode_SpanIdAttributeOnSample_ReadLikeThePprofLabel()
    {
        var b = new OtlpRequestBuilder();
        var stack = b.Stack(b.Location(0, 0, (b.Function("main"), 1)));
        var profile = b.Profile(b.Scope(), "cpu", "nanoseconds");
        profile.Samples.Add(OtlpRequestBuilder.Sample(stack, 1, b.Attribute("span_id", "00000000000000ff"), b.Attribute("trace_id", "abc"), b.Attribute("profile_id", "def")));

        var decoded = Assert.Single(Decode(b.Request).Batch.Profiles);

        Assert.Equal(0xffUL, decoded.Samples.Single().SpanId);
        Assert.Empty(decoded.Labels);
    }

    [Theory]
    [InlineData(new[] { "service.name", "checkout" }, "checkout")]
    [InlineData(new string[0], "unknown_service")]
    [InlineData(new[] { "process.executable.name", "bash" }, "unknown_service:bash")]
    [InlineData(new[] { "process.executable.name", "bash", "service.name", "api" }, "api")]
    [InlineData(new[] { "service.name", "" }, "unknown_service")]
    public void Decode_ResourceAttributes_ServiceNameOrPyroscopeFallback(string[] attributes, string expected)
    {
        var b = new OtlpRequestBuilder();
        var stack = b.Stack(b.Location(0, 0, (b.Function("main"), 1)));
        var pairs = attributes.Chunk(2).Select(p => (p[0], p[1])).ToArray();
        b.Profile(b.Scope(pairs), "cpu", "nanoseconds").Samples.Add(OtlpRequestBuilder.Sample(stack, 1));

        var profile = Assert.Single(Decode(b.Request).Batch.Profiles);

        Assert.Equal(expected, profile.ServiceName);
        Assert.Null(profile.Labels.Get("service.name"));
        Assert.Null(profile.Labels.Get("service_name"));
    }

    [Fact]
    public void Decode_SampleServiceName_SplitsSeriesByService()
    {
        var b = new OtlpRequestBuilder();
        var stack = b.Stack(b.Location(0, 0, (b.Function("main"), 1)));
        var profile = b.Profile(b.Scope(("service.name", "host-agent")), "cpu", "nanoseconds");
        profile.Samples.Add(OtlpRequestBuilder.Sample(stack, 1, b.Attribute("service.name", "a")));
        profile.Samples.Add(OtlpRequestBuilder.Sample(stack, 2, b.Attribute("service.name", "b")));
        profile.Samples.Add(OtlpRequestBuilder.Sample(stack, 4));

        var batch = Decode(b.Request).Batch;

        Assert.Equal([("a", 1L), ("b", 2L), ("host-agent", 4L)], batch.Profiles.Select(p => (p.ServiceName, p.Total)).Order());
        Assert.Equal(3, batch.Profiles.Select(p => p.SeriesId).Distinct().Count());
    }

    [Fact]
    public void Decode_AttributesAtEveryLevel_MoreSpecificWins()
    {
        var b = new OtlpRequestBuilder();
        var stack = b.Stack(b.Location(0, 0, (b.Function("main"), 1)));
        var scope = b.Scope(("level", "resource"), ("resource.only", "r"), ("env", "prod"));
        scope.Scope.Attributes.Add(new KeyValue { Key = "level", Value = new AnyValue { StringValue = "scope" } });
        scope.Scope.Attributes.Add(new KeyValue { KeyStrindex = b.String("scope.only"), Value = new AnyValue { StringValueStrindex = b.String("s") } });
        var profile = b.Profile(scope, "cpu", "nanoseconds");
        profile.AttributeIndices.Add(b.Attribute("level", "profile"));
        profile.AttributeIndices.Add(b.Attribute("profile.only", "p"));
        profile.Samples.Add(OtlpRequestBuilder.Sample(stack, 1, b.Attribute("level", "sample")));
        profile.Samples.Add(OtlpRequestBuilder.Sample(stack, 2));

        var batch = Decode(b.Request).Batch;

        Assert.Equal(2, batch.Profiles.Count);
        var sampleLevel = batch.Profiles.Single(p => p.Total == 1);
        var profileLevel = batch.Profiles.Single(p => p.Total == 2);
        Assert.Equal("sample", sampleLevel.Labels.Get("level"));
        Assert.Equal("profile", profileLevel.Labels.Get("level"));
        Assert.All(batch.Profiles, p =>
        {
            Assert.Equal("r", p.Labels.Get("resource.only"));
            Assert.Equal("s", p.Labels.Get("scope.only"));
            Assert.Equal("p", p.Labels.Get("profile.only"));
            Assert.Equal("prod", p.Labels.Get("env"));
        });
    }

    [Theory]
    [InlineData("k8s.pod.name", "k8s.pod.name")]
    [InlineData("container-id", "container_id")]
    [InlineData("http/route", "http_route")]
    [InlineData("1st", "_1st")]
    [InlineData(".hidden", "_.hidden")]
    [InlineData("größe", "gr__e")]
    [InlineData("_ok", "_ok")]
    public void Decode_AttributeKeys_SanitisedToTheLabelRule(string key, string expected)
    {
        var b = new OtlpRequestBuilder();
        var stack = b.Stack(b.Location(0, 0, (b.Function("main"), 1)));
        b.Profile(b.Scope((key, "v")), "cpu", "nanoseconds").Samples.Add(OtlpRequestBuilder.Sample(stack, 1));

        var profile = Assert.Single(Decode(b.Request).Batch.Profiles);

        Assert.Equal([new KeyValuePair<string, string>(expected, "v")], profile.Labels);
        Assert.True(LabelRules.IsValid(expected));
    }

    [Theory]
    [InlineData("__name__")]
    [InlineData("__profile_type__")]
    [InlineData("service_name")]
    [InlineData("service-name")]
    public void Decode_ReservedLabelNames_NoLabel(string key)
    {
        var b = new OtlpRequestBuilder();
        var stack = b.Stack(b.Location(0, 0, (b.Function("main"), 1)));
        b.Profile(b.Scope((key, "v"), ("service.name", "svc")), "cpu", "nanoseconds").Samples.Add(OtlpRequestBuilder.Sample(stack, 1, b.Attribute(key, "w")));

        var profile = Assert.Single(Decode(b.Request).Batch.Profiles);

        Assert.Empty(profile.Labels);
        Assert.Equal("svc", profile.ServiceName);
    }

    public static TheoryData<string, AnyValue, string?> AttributeValues() => new()
    {
        { "string", new AnyValue { StringValue = "x" }, "x" },
        { "int", new AnyValue { IntValue = -42 }, "-42" },
        { "bool", new AnyValue { BoolValue = true }, "true" },
        { "single-element array", new AnyValue { ArrayValue = new ArrayValue { Values = { new AnyValue { StringValue = "only" } } } }, "only" },
        { "empty string", new AnyValue { StringValue = "" }, null },
        { "double", new AnyValue { DoubleValue = 1.5 }, null },
        { "bytes", new AnyValue { BytesValue = ByteString.CopyFromUtf8("b") }, null },
        { "two-element array", new AnyValue { ArrayValue = new ArrayValue { Values = { new AnyValue { StringValue = "a" }, new AnyValue { StringValue = "b" } } } }, null },
        { "map", new AnyValue { KvlistValue = new KeyValueList { Values = { new KeyValue { Key = "k", Value = new AnyValue { StringValue = "v" } } } } }, null },
        { "no value", new AnyValue(), null },
    };

    [Theory]
    [MemberData(nameof(AttributeValues))]
    public void Decode_AttributeValueKinds_StringsIntegersBooleansBecomeLabels(string kind, AnyValue value, string? expected)
    {
        var b = new OtlpRequestBuilder();
        var stack = b.Stack(b.Location(0, 0, (b.Function("main"), 1)));
        b.Profile(b.Scope(), "cpu", "nanoseconds").Samples.Add(OtlpRequestBuilder.Sample(stack, 1, b.Attribute("attr", value)));

        var profile = Assert.Single(Decode(b.Request).Batch.Profiles);

        Assert.True(expected == profile.Labels.Get("attr"), $"{kind}: expected {expected ?? "no label"}, got {profile.Labels.Get("attr") ?? "no label"}");
    }

    [Fact]
    public void Decode_StringTableValue_ResolvedThroughTheDictionary()
    {
        var b = new OtlpRequestBuilder();
        var stack = b.Stack(b.Location(0, 0, (b.Function("main"), 1)));
        b.Profile(b.Scope(), "cpu", "nanoseconds").Samples.Add(OtlpRequestBuilder.Sample(stack, 1, b.Attribute("region", new AnyValue { StringValueStrindex = b.String("eu-west-1") })));

        Assert.Equal("eu-west-1", Assert.Single(Decode(b.Request).Batch.Profiles).Labels.Get("region"));
    }

    [Fact]
    public void Decode_SameAttributesAtDifferentIndices_OneSeries()
    {
        var b = new OtlpRequestBuilder();
        var stack = b.Stack(b.Location(0, 0, (b.Function("main"), 1)));
        var profile = b.Profile(b.Scope(), "cpu", "nanoseconds");
        var a = b.Attribute("a", "1");
        var c = b.Attribute("c", "2");
        // A duplicate entry of the same value, which senders should not write but may.
        b.Dictionary.AttributeTable.Add(b.Dictionary.AttributeTable[a].Clone());
        var aAgain = b.Dictionary.AttributeTable.Count - 1;
        profile.Samples.Add(OtlpRequestBuilder.Sample(stack, 1, a, c));
        profile.Samples.Add(OtlpRequestBuilder.Sample(stack, 2, c, aAgain));

        var decoded = Assert.Single(Decode(b.Request).Batch.Profiles);

        Assert.Equal(3, decoded.Samples.Single().Value);
    }

    [Fact]
    public void Decode_TimeZero_NowFromTheClock()
    {
        var b = new OtlpRequestBuilder();
        var stack = b.Stack(b.Location(0, 0, (b.Function("main"), 1)));
        b.Profile(b.Scope(), "cpu", "nanoseconds").Samples.Add(OtlpRequestBuilder.Sample(stack, 1));

        var profile = Assert.Single(Decode(b.Request).Batch.Profiles);

        Assert.Equal((Clock.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100, profile.TimeNanos);
        Assert.Equal(0, profile.DurationNanos);
    }

    [Fact]
    public void Decode_ValuesAndTimestamps_ValuesSummedTimestampsCountOne()
    {
        var b = new OtlpRequestBuilder();
        var f = b.Function("main");
        var profile = b.Profile(b.Scope(), "cpu", "nanoseconds");
        var values = OtlpRequestBuilder.Sample(b.Stack(b.Location(0, 0, (f, 1))), 5);
        values.Values.Add(7);
        values.TimestampsUnixNano.Add([1, 2]);
        var timestamps = new Sample { StackIndex = b.Stack(b.Location(0, 0, (b.Function("other"), 2))) };
        timestamps.TimestampsUnixNano.Add([1, 2, 3]);
        profile.Samples.Add(values);
        profile.Samples.Add(timestamps);

        var rows = Assert.Single(Decode(b.Request).Batch.Profiles).Samples;

        Assert.Equal([3L, 12L], rows.Select(r => r.Value).Order());
    }

    [Fact]
    public void Decode_EqualStacksAndSpans_SummedIntoOneRow()
    {
        var b = new OtlpRequestBuilder();
        var location = b.Location(0, 0, (b.Function("main"), 1));
        var profile = b.Profile(b.Scope(), "cpu", "nanoseconds");
        profile.Samples.Add(OtlpRequestBuilder.Sample(b.Stack(location), 1));
        // Another stack-table entry with the same locations is the same stack.
        b.Dictionary.StackTable.Add(b.Dictionary.StackTable[b.Stack(location)].Clone());
        profile.Samples.Add(OtlpRequestBuilder.Sample(b.Dictionary.StackTable.Count - 1, 2));

        var row = Assert.Single(Assert.Single(Decode(b.Request).Batch.Profiles).Samples);

        Assert.Equal(3, row.Value);
    }

    [Fact]
    public void Decode_ZeroValuedSamples_NoRowsNoSeriesNoOrphans()
    {
        var b = new OtlpRequestBuilder();
        var profile = b.Profile(b.Scope(), "cpu", "nanoseconds");
        profile.Samples.Add(OtlpRequestBuilder.Sample(b.Stack(b.Location(0, 0, (b.Function("kept"), 1))), 5));
        profile.Samples.Add(OtlpRequestBuilder.Sample(b.Stack(b.Location(0, 0, (b.Function("zero"), 1))), 0));
        profile.Samples.Add(OtlpRequestBuilder.Sample(b.Stack(b.Location(0, 0, (b.Function("zero too"), 1))), 0, b.Attribute("a", "b")));

        var batch = Decode(b.Request).Batch;

        Assert.Equal(5, Assert.Single(Assert.Single(batch.Profiles).Samples).Value);
        Assert.Equal(["kept"], batch.IndexFunctions().Values.Select(f => f.Name));
        OtlpTestData.AssertComplete(batch);
    }

    [Fact]
    public void Decode_ProfileWithoutSamples_AcceptedEmpty()
    {
        var b = new OtlpRequestBuilder();
        b.Profile(b.Scope(), "cpu", "nanoseconds");

        var result = Decode(b.Request);

        Assert.Equal(1, result.AcceptedProfiles);
        Assert.Empty(result.Batch.Profiles);
        Assert.Null(result.PartialSuccess);
    }

    [Theory]
    [InlineData(Protobuf, "")]
    [InlineData(Json, "{}")]
    [InlineData(Json, "{\"resourceProfiles\":[]}")]
    public void Decode_EmptyRequest_EmptyBatch(string contentType, string body)
    {
        var result = OtlpProfilesDecoder.Decode(contentType, System.Text.Encoding.UTF8.GetBytes(body), IngestLimits.Default, Clock);

        Assert.Empty(result.Batch.Profiles);
        Assert.Empty(result.Batch.IndexStacks());
        Assert.Equal(0, result.AcceptedProfiles);
        Assert.Null(result.PartialSuccess);
    }

    [Fact]
    public void Decode_DictionaryWithoutZeroEntries_IndexZeroStillMeansNotSet()
    {
        var b = new OtlpRequestBuilder();
        var stack = b.Stack(b.Location(0, 0x10, (b.Function("main"), 1)));
        b.Profile(b.Scope(), "cpu", "nanoseconds").Samples.Add(OtlpRequestBuilder.Sample(stack, 1));
        b.Request.ResourceProfiles[0].ScopeProfiles[0].Profiles[0].Samples.Add(new Sample { StackIndex = 0, Values = { 2 } });
        b.Dictionary.LinkTable.Clear();
        b.Dictionary.AttributeTable.Clear();
        b.Dictionary.MappingTable.Clear();

        var profile = Assert.Single(Decode(b.Request).Batch.Profiles);

        Assert.Equal(3, profile.Total);
    }
}
