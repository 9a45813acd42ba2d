using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest.Tests.Otlp;

/// <summary>IngestLimits applied per profile: rejections name the limit and the value seen; truncations keep what matters.</summary>
public sealed partial class OtlpProfilesDecoderTests
{
    [Fact]
    public void Decode_MoreSamplesThanTheLimit_TooManySamples()
    {
        var p = BuildOneProfile();
        p.Profile.Samples.Add(OtlpRequestBuilder.Sample(p.Stack, 1));
        p.Profile.Samples.Add(OtlpRequestBuilder.Sample(p.Stack, 1));

        var e = Assert.Throws<ProfileRejectedException>(() => Decode(p.B.Request, IngestLimits.Default with { MaxSamplesPerProfile = 2 }));

        Assert.Equal(RejectReason.TooManySamples, e.Reason);
        Assert.Equal(OnlyProfile + "The profile has 3 samples, over the limit max_samples_per_profile=2. Send shorter profiles (a shorter reporting interval) or raise the limit.", e.Message);
        Assert.Equal(1, Decode(p.B.Request, IngestLimits.Default with { MaxSamplesPerProfile = 3 }).AcceptedProfiles);
    }

    [Fact]
    public void Decode_StackDeeperThanTheLimit_KeepsTheFramesNearestTheRoot()
    {
        var b = new OtlpRequestBuilder();
        // Leaf first: f0 is the leaf, f9 the root; the location of f4 inlines f4a into f4.
        var locations = Enumerable.Range(0, 10)
            .Select(i => i == 4 ? b.Location(0, 0, (b.Function("f4a"), 1), (b.Function("f4"), 1)) : b.Location(0, 0, (b.Function($"f{i}"), 1)))
            .ToArray();
        b.Profile(b.Scope(), "cpu", "nanoseconds").Samples.Add(OtlpRequestBuilder.Sample(b.Stack(locations), 1));

        var depth5 = Decode(b.Request, IngestLimits.Default with { MaxStackDepth = 5 }).Batch;
        var depth7 = Decode(b.Request, IngestLimits.Default with { MaxStackDepth = 7 }).Batch;
        var full = Decode(b.Request).Batch;

        Assert.Equal(["f9", "f8", "f7", "f6", "f5"], Frames(depth5, depth5.Profiles[0].Samples[0]));
        Assert.Equal(["f9", "f8", "f7", "f6", "f5", "f4", "f4a"], Frames(depth7, depth7.Profiles[0].Samples[0]));
        Assert.Equal(11, Frames(full, full.Profiles[0].Samples[0]).Length);
        OtlpTestData.AssertComplete(depth5);
    }

    [Fact]
    public void Decode_StackDeeperThanTheLimit_LocationsPastItStillChecked()
    {
        var b = new OtlpRequestBuilder();
        var root = b.Location(0, 0, (b.Function("root"), 1));
        b.Profile(b.Scope(), "cpu", "nanoseconds").Samples.Add(OtlpRequestBuilder.Sample(b.Stack(500, root), 1));

        var e = Assert.Throws<ProfileRejectedException>(() => Decode(b.Request, IngestLimits.Default with { MaxStackDepth = 1 }));

        Assert.Contains("location_indices[0] is 500, out of range", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_SymbolLongerThanTheLimit_KeepsItsEndOnACharacterBoundary()
    {
        var b = new OtlpRequestBuilder();
        var name = "github.com/very/long/package/path.(*Type).Méthode";
        var function = b.Function(name, name, "/a/b/c/file.go");
        b.Profile(b.Scope(), "cpu", "nanoseconds").Samples.Add(OtlpRequestBuilder.Sample(b.Stack(b.Location(0, 0, (function, 1))), 1));

        // "Méthode" is 8 UTF-8 bytes ('é' is 2); the last 9 bytes start at a character, the last 6
        // start inside 'é', whose second byte is dropped.
        var nine = Decode(b.Request, IngestLimits.Default with { MaxSymbolLength = 9 }).Batch.IndexFunctions().Values.Single();
        var six = Decode(b.Request, IngestLimits.Default with { MaxSymbolLength = 6 }).Batch.IndexFunctions().Values.Single();

        Assert.Equal(".Méthode", nine.Name);
        Assert.Equal("thode", six.Name);
        Assert.Equal("c/file.go", nine.Filename);
        Assert.Equal(nine.Name, nine.SystemName);
    }

    [Fact]
    public void Decode_MoreLabelsThanTheLimit_TooManyLabels()
    {
        var b = new OtlpRequestBuilder();
        var stack = b.Stack(b.Location(0, 0, (b.Function("main"), 1)));
        b.Profile(b.Scope(("a", "1"), ("b", "2")), "cpu", "nanoseconds").Samples.Add(OtlpRequestBuilder.Sample(stack, 1, b.Attribute("c", "3")));

        var e = Assert.Throws<ProfileRejectedException>(() => Decode(b.Request, IngestLimits.Default with { MaxLabelsPerSeries = 2 }));

        Assert.Equal(RejectReason.TooManyLabels, e.Reason);
        Assert.Contains("has 3 labels, over the limit max_labels_per_series=2 (resource, scope, profile and samples[0] attributes)", e.Message, StringComparison.Ordinal);
        Assert.Single(Decode(b.Request, IngestLimits.Default with { MaxLabelsPerSeries = 3 }).Batch.Profiles);
    }

    [Fact]
    public void Decode_LabelNameLongerThanTheLimit_LabelNameTooLong()
    {
        var b = new OtlpRequestBuilder();
        var stack = b.Stack(b.Location(0, 0, (b.Function("main"), 1)));
        b.Profile(b.Scope(), "cpu", "nanoseconds").Samples.Add(OtlpRequestBuilder.Sample(stack, 1, b.Attribute("abcdefghij", "v")));

        var e = Assert.Throws<ProfileRejectedException>(() => Decode(b.Request, IngestLimits.Default with { MaxLabelNameLength = 9 }));

        Assert.Equal(RejectReason.LabelNameTooLong, e.Reason);
        Assert.Contains("The label name 'abcdefghij' is 10 bytes, over the limit max_label_name_length=9 (attribute_table[1].key_strindex)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_LabelValueLongerThanTheLimit_LabelValueTooLong()
    {
        var b = new OtlpRequestBuilder();
        var stack = b.Stack(b.Location(0, 0, (b.Function("main"), 1)));
        var profile = b.Profile(b.Scope(), "cpu", "nanoseconds");
        profile.AttributeIndices.Add(b.Attribute("pod", "0123456789"));
        profile.Samples.Add(OtlpRequestBuilder.Sample(stack, 1));

        var e = Assert.Throws<ProfileRejectedException>(() => Decode(b.Request, IngestLimits.Default with { MaxLabelValueLength = 8 }));

        Assert.Equal(RejectReason.LabelValueTooLong, e.Reason);
        Assert.Contains("The label value of 'pod' is 10 bytes, over the limit max_label_value_length=8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_ServiceNameLongerThanTheLabelValueLimit_LabelValueTooLong()
    {
        var b = new OtlpRequestBuilder();
        var stack = b.Stack(b.Location(0, 0, (b.Function("main"), 1)));
        b.Profile(b.Scope(("service.name", "a-rather-long-service")), "cpu", "nanoseconds").Samples.Add(OtlpRequestBuilder.Sample(stack, 1));

        var e = Assert.Throws<ProfileRejectedException>(() => Decode(b.Request, IngestLimits.Default with { MaxLabelValueLength = 8 }));

        Assert.Equal(RejectReason.LabelValueTooLong, e.Reason);
        Assert.Contains("The label value of 'service_name' is 21 bytes", e.Message, StringComparison.Ordinal);
    }
}
