using Google.Protobuf;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;

namespace GrafanaProfiles.Store.Tests.Pprof;

/// <summary>Rules and limits, each shown with a small profile built with Google.Protobuf.</summary>
public sealed partial class PprofDecoderTests
{
    private static PprofProfileBuilder CpuProfile() =>
        new PprofProfileBuilder(("samples", "count"), ("cpu", "nanoseconds")).Period("cpu", "nanoseconds", 10_000_000);

    private static string[] FrameNames(ProfileBatch batch, ulong stackId) => [.. batch.IndexStacks()[stackId].Select(f => batch.IndexFunctions()[f].Name)];

    private static ProfileRejectedException Rejected(byte[] profile, PprofDecodeOptions options) =>
        Assert.Throws<ProfileRejectedException>(() => PprofDecoder.Decode(profile, options));

    [Fact]
    public void Decode_InlinedFrames_ExpandRootFirst()
    {
        var b = CpuProfile();
        var main = b.Frame("main");
        // One location: handler inlined into serve (pprof lists the inlined callee first).
        var inlined = b.Location(b.Function("handler"), b.Function("serve"));
        var leaf = b.Frame("hash");
        b.Sample([leaf, inlined, main], 1, 10_000_000);

        var batch = PprofDecoder.Decode(b.ToBytes(), Options);

        var row = Assert.Single(batch.Profiles[0].Samples);
        Assert.Equal(["main", "serve", "handler", "hash"], FrameNames(batch, row.StackId));
    }

    [Fact]
    public void Decode_SameStackAndSpan_SummedIntoOneRowAndZerosSkipped()
    {
        var b = CpuProfile();
        var main = b.Frame("main");
        var work = b.Frame("work");
        b.Sample([work, main], 1, 10);
        b.Sample([work, main], 2, 20);
        b.Sample([main], 0, 0);
        b.Sample([main], 3, 0);

        var batch = PprofDecoder.Decode(b.ToBytes(), Options);

        var samples = batch.Profiles.Single(p => p.ProfileType == "process_cpu:samples:count:cpu:nanoseconds");
        var cpu = batch.Profiles.Single(p => p.ProfileType == "process_cpu:cpu:nanoseconds:cpu:nanoseconds");
        Assert.Equal([3L, 3L], samples.Samples.Select(s => s.Value));
        Assert.Equal(30, Assert.Single(cpu.Samples).Value);
        Assert.Equal(["main", "work"], FrameNames(batch, cpu.Samples[0].StackId));
        Assert.Equal(2, batch.IndexStacks().Count);
    }

    [Fact]
    public void Decode_SampleTypeWithZeroTotal_GivesNoProfile()
    {
        var b = CpuProfile();
        b.Sample([b.Frame("main")], 5, 0);

        var batch = PprofDecoder.Decode(b.ToBytes(), Options);

        Assert.Equal("process_cpu:samples:count:cpu:nanoseconds", Assert.Single(batch.Profiles).ProfileType);
    }

    [Fact]
    public void Decode_StringLabels_SplitSeriesAndSampleLabelsWin()
    {
        var b = CpuProfile();
        var main = b.Frame("main");
        b.Label(b.Sample([main], 1, 10), "region", "eu");
        b.Label(b.Sample([main], 1, 10), "region", "us");
        var third = b.Sample([main], 1, 10);
        b.Label(third, "region", "eu").Label(third, "env", "canary");
        b.Sample([main], 1, 10);
        var options = Options with { Labels = LabelSet.From([new("env", "prod"), new("otel.scope.name", "lib")]) };

        var batch = PprofDecoder.Decode(b.ToBytes(), options);

        var cpu = batch.Profiles.Where(p => p.ProfileType.StartsWith("process_cpu:cpu:", StringComparison.Ordinal)).Select(p => p.Labels.ToString()).ToList();
        Assert.Equal(
            [
                "{env=\"prod\", otel.scope.name=\"lib\", region=\"eu\"}",
                "{env=\"prod\", otel.scope.name=\"lib\", region=\"us\"}",
                "{env=\"canary\", otel.scope.name=\"lib\", region=\"eu\"}",
                "{env=\"prod\", otel.scope.name=\"lib\"}",
            ],
            cpu);
    }

    [Fact]
    public void Decode_DuplicateStringsInTable_GroupAsOneSeries()
    {
        var b = CpuProfile();
        var main = b.Frame("main");
        b.Label(b.Sample([main], 1, 10), "region", "eu");
        // A second copy of "region" and "eu" in the string table (writers need not deduplicate).
        var sample = b.Sample([main], 1, 10);
        b.Profile.StringTable.Add("region");
        b.Profile.StringTable.Add("eu");
        sample.Label.Add(new Schema.Pprof.Label { Key = b.Profile.StringTable.Count - 2, Str = b.Profile.StringTable.Count - 1 });

        var batch = PprofDecoder.Decode(b.ToBytes(), Options);

        var cpu = Assert.Single(batch.Profiles, p => p.ProfileType.StartsWith("process_cpu:cpu:", StringComparison.Ordinal));
        Assert.Equal(20, Assert.Single(cpu.Samples).Value);
    }

    [Fact]
    public void Decode_SpanIdLabel_GoesToRowsAndIdsAreDropped()
    {
        var b = CpuProfile();
        var main = b.Frame("main");
        var first = b.Sample([main], 1, 10);
        b.Label(first, "span_id", "00000000000000ff").Label(first, "profile_id", "p-1").Label(first, "trace_id", "0123456789abcdef0123456789abcdef");
        b.Label(b.Sample([main], 1, 10), "span_id", "00000000000000FF");
        b.Label(b.Sample([main], 1, 10), "span_id", "0000000000000001");
        b.Sample([main], 1, 10);

        var batch = PprofDecoder.Decode(b.ToBytes(), Options);

        var cpu = Assert.Single(batch.Profiles, p => p.ProfileType.StartsWith("process_cpu:cpu:", StringComparison.Ordinal));
        Assert.Empty(cpu.Labels);
        Assert.Equal([(0xFFUL, 20L), (1UL, 10L), (0UL, 10L)], cpu.Samples.Select(s => (s.SpanId, s.Value)));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("00000000000000fg")]
    [InlineData("00000000000000ff0")]
    public void Decode_MalformedSpanId_Rejected(string spanId)
    {
        var b = CpuProfile();
        b.Label(b.Sample([b.Frame("main")], 1, 10), "span_id", spanId);

        var error = Rejected(b.ToBytes(), Options);

        Assert.Equal(RejectReason.InvalidProfile, error.Reason);
        Assert.Contains($"the span_id label of sample 0 is '{spanId}', which is not 16 hexadecimal digits", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_NumericLabels_AreNotSeriesLabels()
    {
        var b = CpuProfile();
        b.NumericLabel(b.Sample([b.Frame("main")], 1, 10), "bytes", 512, "bytes");

        var batch = PprofDecoder.Decode(b.ToBytes(), Options);

        Assert.All(batch.Profiles, p => Assert.Empty(p.Labels));
    }

    [Fact]
    public void Decode_TooManySamples_Rejected()
    {
        var b = CpuProfile();
        var main = b.Frame("main");
        for (var i = 0; i < 3; i++)
        {
            b.Sample([main], 1, 10);
        }
        var options = Options with { Limits = new IngestLimits { MaxSamplesPerProfile = 2 } };

        var error = Rejected(b.ToBytes(), options);

        Assert.Equal(RejectReason.TooManySamples, error.Reason);
        Assert.Contains("The profile has 3 samples, over the limit max_samples_per_profile=2", error.Message, StringComparison.Ordinal);
        Assert.Single(PprofDecoder.Decode(b.ToBytes(), Options with { Limits = new IngestLimits { MaxSamplesPerProfile = 3 } }).Profiles, p => p.ProfileType.Contains(":cpu:nanoseconds:cpu", StringComparison.Ordinal));
    }

    [Fact]
    public void Decode_StackDeeperThanLimit_KeepsFramesNearestTheRoot()
    {
        var b = CpuProfile();
        var root = b.Frame("root");
        var inlined = b.Location(b.Function("inner"), b.Function("outer"));
        var leaf = b.Frame("leaf");
        b.Sample([leaf, inlined, root], 1, 10);
        var options = Options with { Limits = new IngestLimits { MaxStackDepth = 2 } };

        var batch = PprofDecoder.Decode(b.ToBytes(), options);

        // Four frames (the inlined location is two); the limit counts frames, not locations.
        Assert.Equal(["root", "outer"], FrameNames(batch, batch.Profiles[0].Samples[0].StackId));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(6)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(40)]
    [InlineData(1000)]
    public void Decode_DeepStacksMixingInlinedAndPlainLocations_KeepTheRootmostFramesUpToTheLimit(int limit)
    {
        var b = CpuProfile();
        // Root first: root, a, [b c] (one location, inlined), d, [e f g], leaf1 … leaf30.
        var root = b.Frame("root");
        var a = b.Frame("a");
        var bc = b.Location(b.Function("c"), b.Function("b"));
        var d = b.Frame("d");
        var efg = b.Location(b.Function("g"), b.Function("f"), b.Function("e"));
        var leaves = Enumerable.Range(1, 30).Select(i => b.Frame($"leaf{i}")).ToArray();
        b.Sample([.. leaves.Reverse(), efg, d, bc, a, root], 1, 10);
        var options = Options with { Limits = new IngestLimits { MaxStackDepth = limit } };

        var batch = PprofDecoder.Decode(b.ToBytes(), options);

        string[] all = ["root", "a", "b", "c", "d", "e", "f", "g", .. Enumerable.Range(1, 30).Select(i => $"leaf{i}")];
        Assert.Equal(all.Take(limit), FrameNames(batch, batch.Profiles[0].Samples[0].StackId));
    }

    [Fact]
    public void Decode_UndefinedLocationBeyondTheDepthLimit_StillRejected()
    {
        var b = CpuProfile();
        var root = b.Frame("root");
        var leaf = b.Frame("leaf");
        b.Sample([99_999, leaf, root], 1, 10);
        var options = Options with { Limits = new IngestLimits { MaxStackDepth = 1 } };

        var error = Rejected(b.ToBytes(), options);

        Assert.Contains("references location 99999, which the profile does not define", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_TooManyLabels_Rejected()
    {
        var b = CpuProfile();
        var sample = b.Sample([b.Frame("main")], 1, 10);
        b.Label(sample, "a", "1").Label(sample, "b", "2");
        var options = Options with { Labels = LabelSet.From([new("env", "prod")]), Limits = new IngestLimits { MaxLabelsPerSeries = 2 } };

        var error = Rejected(b.ToBytes(), options);

        Assert.Equal(RejectReason.TooManyLabels, error.Reason);
        Assert.Contains("has 3 labels, over the limit max_labels_per_series=2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_SampleWithMoreLabelsThanASeriesMayHave_RejectedEarly()
    {
        var b = CpuProfile();
        var sample = b.Sample([b.Frame("main")], 1, 10);
        for (var i = 0; i < 10_000; i++)
        {
            b.Label(sample, $"label_{i}", "v");
        }

        var error = Rejected(b.ToBytes(), Options);

        Assert.Equal(RejectReason.TooManyLabels, error.Reason);
        Assert.Contains("Sample 0 has more than 30 distinct labels, over the limit max_labels_per_series=30", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_TooManySampleTypes_Rejected()
    {
        var b = new PprofProfileBuilder([.. Enumerable.Range(0, IngestLimits.Default.MaxSampleTypes + 1).Select(i => ($"type_{i}", "count"))]);

        var error = Rejected(b.ToBytes(), Options);

        Assert.Equal(RejectReason.InvalidProfile, error.Reason);
        Assert.Contains("it has 65 sample types, over the limit max_sample_types=64", error.Message, StringComparison.Ordinal);
        // The limit is a setting.
        Assert.Equal(3, PprofDecoder.Decode(CpuProfileWithTypes(3), Options with { Limits = IngestLimits.Default with { MaxSampleTypes = 3 } })
            .Profiles.Select(p => p.ProfileType).Distinct().Count());
        Assert.Contains("max_sample_types=2", Rejected(CpuProfileWithTypes(3), Options with { Limits = IngestLimits.Default with { MaxSampleTypes = 2 } }).Message, StringComparison.Ordinal);
    }

    private static byte[] CpuProfileWithTypes(int types)
    {
        var b = new PprofProfileBuilder([.. Enumerable.Range(0, types).Select(i => ($"type_{i}", "count"))]);
        b.Sample([b.Frame("main")], [.. Enumerable.Repeat(1L, types)]);
        return b.ToBytes();
    }

    [Fact]
    public void Decode_LabelValueTooLong_RejectedNamingLabelAndLimit()
    {
        var b = CpuProfile();
        b.Label(b.Sample([b.Frame("main")], 1, 10), "pod", new string('x', 3000));

        var error = Rejected(b.ToBytes(), Options);

        Assert.Equal(RejectReason.LabelValueTooLong, error.Reason);
        Assert.Contains("label value of 'pod' is 3000 bytes, over the limit max_label_value_length=2048", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_LabelNameTooLong_Rejected()
    {
        var b = CpuProfile();
        b.Label(b.Sample([b.Frame("main")], 1, 10), new string('n', 20), "v");
        var options = Options with { Limits = new IngestLimits { MaxLabelNameLength = 10 } };

        var error = Rejected(b.ToBytes(), options);

        Assert.Equal(RejectReason.LabelNameTooLong, error.Reason);
        Assert.Contains("is 20 bytes, over the limit max_label_name_length=10", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1abc")]
    [InlineData("a-b")]
    [InlineData("")]
    [InlineData("día")]
    public void Decode_InvalidLabelName_Rejected(string name)
    {
        var b = CpuProfile();
        var sample = b.Sample([b.Frame("main")], 1, 10);
        // The empty name is string 0; add it by index.
        sample.Label.Add(new Schema.Pprof.Label { Key = b.String(name), Str = b.String("v") });

        var error = Rejected(b.ToBytes(), Options);

        Assert.Equal(RejectReason.InvalidLabelName, error.Reason);
        Assert.Contains($"The label name '{name}' is not valid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_InvalidRequestLabel_Rejected()
    {
        var b = CpuProfile();
        b.Sample([b.Frame("main")], 1, 10);
        var options = Options with { Labels = LabelSet.From([new("bad-name", "v")]) };

        var error = Rejected(b.ToBytes(), options);

        Assert.Equal(RejectReason.InvalidLabelName, error.Reason);
        Assert.Contains("labels of the request", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_LongSymbols_KeepTheirEnd()
    {
        var b = CpuProfile();
        b.Sample([b.Location(b.Function("github.com/acme/shop/cart.(*Cart).Checkout", "/src/github.com/acme/shop/cart/cart.go"))], 1, 10);
        var options = Options with { Limits = new IngestLimits { MaxSymbolLength = 16 } };

        var batch = PprofDecoder.Decode(b.ToBytes(), options);

        var function = Assert.Single(batch.IndexFunctions().Values);
        Assert.Equal("(*Cart).Checkout", function.Name);
        Assert.Equal("cart/cart.go", function.Filename[^12..]);
        Assert.Equal(16, function.Filename.Length);
    }

    [Fact]
    public void Decode_LocationWithoutLines_NamedByAddressAndMapping()
    {
        var b = CpuProfile();
        b.Profile.Mapping.Add(new Schema.Pprof.Mapping { Id = 1, Filename = b.String("/usr/lib/libfoo.so"), MemoryStart = 0x400000, MemoryLimit = 0x500000 });
        b.Profile.Location.Add(new Schema.Pprof.Location { Id = 1, MappingId = 1, Address = 0x4a5f20 });
        b.Profile.Location.Add(new Schema.Pprof.Location { Id = 2, Address = 0x10 });
        b.Sample([1, 2], 1, 10);

        var batch = PprofDecoder.Decode(b.ToBytes(), Options);

        Assert.Equal(["0x10", "0x4a5f20 [libfoo.so]"], FrameNames(batch, batch.Profiles[0].Samples[0].StackId));
        Assert.Equal("/usr/lib/libfoo.so", batch.IndexFunctions().Values.Single(f => f.Name.StartsWith("0x4a", StringComparison.Ordinal)).Filename);
    }

    [Fact]
    public void Decode_NoPeriodType_UsesSampleTypeAsPeriod()
    {
        var b = new PprofProfileBuilder(("exceptions", "count"));
        b.Sample([b.Frame("main")], 100);

        var batch = PprofDecoder.Decode(b.ToBytes(), Options);

        Assert.Equal("exceptions:exceptions:count:exceptions:count", Assert.Single(batch.Profiles).ProfileType);
    }

    [Fact]
    public void Decode_MemoryProfileWithoutSpacePeriod_GetsPyroscopesSpaceBytesPeriod()
    {
        // Node.js heap profiles have no period type, or name it after the sample type.
        var b = new PprofProfileBuilder(("alloc_space", "bytes"));
        b.Sample([b.Frame("main")], 100);

        var batch = PprofDecoder.Decode(b.ToBytes(), Options);

        Assert.Equal("memory:alloc_space:bytes:space:bytes", Assert.Single(batch.Profiles).ProfileType);
    }

    [Fact]
    public void Decode_ProfileName_OverridesDefaultName()
    {
        var b = CpuProfile();
        b.Sample([b.Frame("main")], 1, 10);

        var batch = PprofDecoder.Decode(b.ToBytes(), Options with { ProfileName = "my_cpu" });

        Assert.All(batch.Profiles, p => Assert.StartsWith("my_cpu:", p.ProfileType, StringComparison.Ordinal));
    }

    [Fact]
    public void Decode_EmptySampleTypeName_RejectedAsInvalidProfileType()
    {
        var b = new PprofProfileBuilder(("", "count"));
        b.Sample([b.Frame("main")], 1);

        var error = Rejected(b.ToBytes(), Options);

        Assert.Equal(RejectReason.InvalidProfileType, error.Reason);
    }

    [Fact]
    public void Decode_NoTimeInProfile_UsesClock()
    {
        var b = CpuProfile();
        b.Profile.TimeNanos = 0;
        b.Sample([b.Frame("main")], 1, 10);
        var now = new DateTimeOffset(2024, 6, 1, 12, 0, 0, TimeSpan.Zero);

        var batch = PprofDecoder.Decode(b.ToBytes(), Options with { Clock = new FixedClock(now) });

        Assert.Equal((now - DateTimeOffset.UnixEpoch).Ticks * 100, batch.Profiles[0].TimeNanos);
    }

    [Fact]
    public void Decode_UntilBeforeFrom_Rejected()
    {
        var b = CpuProfile();
        b.Sample([b.Frame("main")], 1, 10);

        var error = Rejected(b.ToBytes(), Options with { FromUnixNanos = 2_000, UntilUnixNanos = 1_000 });

        Assert.Equal(RejectReason.InvalidProfile, error.Reason);
        Assert.Contains("negative duration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_UnpackedRepeatedFields_SameAsPacked()
    {
        var b = CpuProfile();
        var main = b.Frame("main");
        var work = b.Frame("work");
        b.Sample([work, main], 2, 20);
        var packed = b.ToBytes();
        b.Profile.Sample.Clear();
        // The same sample written with one tag per element (proto2 style, as some writers do).
        var sample = new MemoryStream();
        var output = new CodedOutputStream(sample);
        foreach (var id in new ulong[] { work, main })
        {
            output.WriteTag(1, WireFormat.WireType.Varint);
            output.WriteUInt64(id);
        }
        foreach (var value in new long[] { 2, 20 })
        {
            output.WriteTag(2, WireFormat.WireType.Varint);
            output.WriteInt64(value);
        }
        output.Flush();
        var unpacked = Concat(b.ToBytes(), Field(2, sample.ToArray()));

        AssertSameBatch(PprofDecoder.Decode(packed, Options), PprofDecoder.Decode(unpacked, Options));
    }

    [Fact]
    public void Decode_UnknownFieldsOfEveryWireType_Skipped()
    {
        var b = CpuProfile();
        b.Sample([b.Frame("main")], 1, 10);
        var plain = b.ToBytes();
        var unknown = new MemoryStream();
        var output = new CodedOutputStream(unknown);
        output.WriteTag(100, WireFormat.WireType.Varint);
        output.WriteUInt64(ulong.MaxValue);
        output.WriteTag(101, WireFormat.WireType.Fixed64);
        output.WriteFixed64(7);
        output.WriteTag(102, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFromUtf8("unknown"));
        output.WriteTag(103, WireFormat.WireType.Fixed32);
        output.WriteFixed32(7);
        output.WriteTag(104, WireFormat.WireType.StartGroup);
        output.WriteTag(1, WireFormat.WireType.Varint);
        output.WriteUInt64(1);
        output.WriteTag(105, WireFormat.WireType.StartGroup);
        output.WriteTag(105, WireFormat.WireType.EndGroup);
        output.WriteTag(104, WireFormat.WireType.EndGroup);
        // A known field with a wire type the schema does not give it (time_nanos as bytes).
        output.WriteTag(9, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFromUtf8("x"));
        output.Flush();
        var extra = unknown.ToArray();

        // Unknown fields at the top level and inside a sample.
        var profile = b.Profile.Clone();
        var sampleBytes = Concat(profile.Sample[0].ToByteArray(), extra);
        profile.Sample.Clear();
        var decorated = Concat(extra, profile.ToByteArray(), Field(2, sampleBytes), extra);

        AssertSameBatch(PprofDecoder.Decode(plain, Options), PprofDecoder.Decode(decorated, Options));
    }

    [Fact]
    public void Decode_SparseIds_ResolvedThroughDictionary()
    {
        var b = CpuProfile();
        b.Sample([b.Frame("work"), b.Frame("main")], 1, 10);
        var dense = b.ToBytes();
        // Renumber ids 1000, 1001, ... in reverse table order.
        var functionIds = b.Profile.Function.ToDictionary(f => f.Id, f => 1000 + (ulong)b.Profile.Function.Count - f.Id);
        var locationIds = b.Profile.Location.ToDictionary(l => l.Id, l => 5000 + l.Id * 7);
        foreach (var f in b.Profile.Function)
        {
            f.Id = functionIds[f.Id];
        }
        foreach (var l in b.Profile.Location)
        {
            l.Id = locationIds[l.Id];
            foreach (var line in l.Line)
            {
                line.FunctionId = functionIds[line.FunctionId];
            }
        }
        foreach (var s in b.Profile.Sample)
        {
            var ids = s.LocationId.Select(id => locationIds[id]).ToList();
            s.LocationId.Clear();
            s.LocationId.Add(ids);
        }

        AssertSameBatch(PprofDecoder.Decode(dense, Options), PprofDecoder.Decode(b.ToBytes(), Options));
    }

    [Fact]
    public void Decode_DuplicateLocationId_Rejected()
    {
        var b = CpuProfile();
        b.Sample([b.Frame("main")], 1, 10);
        b.Profile.Location.Add(new Schema.Pprof.Location { Id = 1 });

        var error = Rejected(b.ToBytes(), Options);

        Assert.Contains("location id 1 is defined twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_InvalidUtf8String_Rejected()
    {
        var b = CpuProfile();
        b.Sample([b.Frame("main")], 1, 10);
        var bytes = b.ToBytes();
        var at = bytes.AsSpan().IndexOf("main"u8);
        bytes[at] = 0xFF;

        var error = Rejected(bytes, Options);

        Assert.Equal(RejectReason.InvalidProfile, error.Reason);
        Assert.Contains("is not valid UTF-8", error.Message, StringComparison.Ordinal);
    }

    private static byte[] Field(int number, byte[] message)
    {
        var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(number, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(message));
        output.Flush();
        return stream.ToArray();
    }

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
