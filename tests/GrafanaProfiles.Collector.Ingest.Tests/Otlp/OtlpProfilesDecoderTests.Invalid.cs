using System.Text;
using Google.Protobuf;
using GrafanaProfiles.Collector.Ingest.Otlp;
using GrafanaProfiles.Schema.Otlp.Common.V1;
using GrafanaProfiles.Schema.Otlp.Profiles.V1Development;
using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest.Tests.Otlp;

/// <summary>Invalid input: each broken reference named with its table and index, partial success, whole-request rejections.</summary>
public sealed partial class OtlpProfilesDecoderTests
{
    private const string OnlyProfile = "The request's only profile was rejected: resource_profiles[0].scope_profiles[0].profiles[0]: ";

    /// <summary>A one-profile request whose every table is used, with the indices of what it uses.</summary>
    private sealed record OneProfile(OtlpRequestBuilder B, Profile Profile, int Mapping, int Function, int Location, int Bare, int Stack, int Attribute, int Link);

    private static OneProfile BuildOneProfile()
    {
        var b = new OtlpRequestBuilder();
        var mapping = b.Mapping("/usr/bin/app");
        var function = b.Function("main", "main", "main.go", 1);
        var location = b.Location(mapping, 0x10, (function, 3));
        var bare = b.Location(mapping, 0x20);
        var stack = b.Stack(bare, location);
        var attribute = b.Attribute("thread.name", "w");
        var link = b.Link(new byte[16], [1, 2, 3, 4, 5, 6, 7, 8]);
        var profile = b.Profile(b.Scope(("service.name", "svc")), "cpu", "nanoseconds", "cpu", "nanoseconds", 10);
        var sample = OtlpRequestBuilder.Sample(stack, 5, attribute);
        sample.LinkIndex = link;
        profile.Samples.Add(sample);
        profile.AttributeIndices.Add(b.Attribute("profile.attr", "x"));
        return new OneProfile(b, profile, mapping, function, location, bare, stack, attribute, link);
    }

    public static TheoryData<string> BrokenReferences() =>
    [
        "stack_index", "negative stack_index", "location_indices", "function_index", "mapping_index", "name_strindex",
        "filename_strindex", "attribute_indices", "key_strindex", "string_value_strindex", "link_index",
        "profile attribute_indices", "sample_type", "period_type", "resource key_strindex",
    ];

    [Theory]
    [MemberData(nameof(BrokenReferences))]
    public void Decode_IndexOutOfRange_RejectedNamingTheFieldTableAndIndex(string field)
    {
        var p = BuildOneProfile();
        var d = p.B.Dictionary;
        var expected = field switch
        {
            "stack_index" => Set(() => p.Profile.Samples[0].StackIndex = 99, "samples[0].stack_index is 99, out of range: dictionary.stack_table has 2 entries."),
            "negative stack_index" => Set(() => p.Profile.Samples[0].StackIndex = -1, "samples[0].stack_index is -1, out of range: dictionary.stack_table"),
            "location_indices" => Set(() => d.StackTable[p.Stack].LocationIndices[1] = 42, $"stack_table[{p.Stack}].location_indices[1] is 42, out of range: dictionary.location_table has 3 entries."),
            "function_index" => Set(() => d.LocationTable[p.Location].Lines[0].FunctionIndex = 77, $"location_table[{p.Location}].lines[0].function_index is 77, out of range: dictionary.function_table has 2 entries."),
            "mapping_index" => Set(() => d.LocationTable[p.Bare].MappingIndex = 55, $"location_table[{p.Bare}].mapping_index is 55, out of range: dictionary.mapping_table"),
            "name_strindex" => Set(() => d.FunctionTable[p.Function].NameStrindex = 999, $"function_table[{p.Function}].name_strindex is 999, out of range: dictionary.string_table"),
            "filename_strindex" => Set(() => d.MappingTable[p.Mapping].FilenameStrindex = 999, $"mapping_table[{p.Mapping}].filename_strindex is 999, out of range: dictionary.string_table"),
            "attribute_indices" => Set(() => p.Profile.Samples[0].AttributeIndices[0] = 66, "samples[0].attribute_indices[0] is 66, out of range: dictionary.attribute_table has 3 entries."),
            "key_strindex" => Set(() => d.AttributeTable[p.Attribute].KeyStrindex = 999, $"attribute_table[{p.Attribute}].key_strindex is 999, out of range: dictionary.string_table"),
            "string_value_strindex" => Set(() => d.AttributeTable[p.Attribute].Value = new AnyValue { StringValueStrindex = 999 }, $"attribute_table[{p.Attribute}].value.string_value_strindex is 999, out of range: dictionary.string_table"),
            "link_index" => Set(() => p.Profile.Samples[0].LinkIndex = 33, "samples[0].link_index is 33, out of range: dictionary.link_table has 2 entries."),
            "profile attribute_indices" => Set(() => p.Profile.AttributeIndices[0] = 44, "profile.attribute_indices[0] is 44, out of range: dictionary.attribute_table"),
            "sample_type" => Set(() => p.Profile.SampleType.TypeStrindex = 999, "sample_type.type_strindex is 999, out of range: dictionary.string_table"),
            "period_type" => Set(() => p.Profile.PeriodType.UnitStrindex = 999, "period_type.unit_strindex is 999, out of range: dictionary.string_table"),
            "resource key_strindex" => Set(() => p.B.Request.ResourceProfiles[0].Resource.Attributes.Add(new KeyValue { KeyStrindex = 999, Value = new AnyValue { StringValue = "v" } }),
                "resource.attributes[1].key_strindex is 999, out of range: dictionary.string_table"),
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        var e = Assert.Throws<ProfileRejectedException>(() => Decode(p.B.Request));

        Assert.Equal(RejectReason.InvalidProfile, e.Reason);
        Assert.StartsWith(OnlyProfile + expected, e.Message, StringComparison.Ordinal);

        static string Set(Action mutate, string message)
        {
            mutate();
            return message;
        }
    }

    [Fact]
    public void Decode_OneInvalidProfileOfTwo_PartialSuccessAndOnlyTheValidOneStored()
    {
        var b = new OtlpRequestBuilder();
        var scope = b.Scope(("service.name", "svc"));
        b.Profile(scope, "cpu", "nanoseconds").Samples.Add(OtlpRequestBuilder.Sample(b.Stack(b.Location(0, 0, (b.Function("good"), 1))), 5));
        var bad = b.Profile(scope, "cpu", "nanoseconds");
        // Its first sample resolves a stack of its own before the second breaks.
        bad.Samples.Add(OtlpRequestBuilder.Sample(b.Stack(b.Location(0, 0, (b.Function("only in the bad profile"), 1))), 1));
        bad.Samples.Add(OtlpRequestBuilder.Sample(99, 1));

        var result = Decode(b.Request);

        Assert.Equal(1, result.AcceptedProfiles);
        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(new OtlpRejectedProfile("resource_profiles[0].scope_profiles[0].profiles[1]", RejectReason.InvalidProfile,
            "samples[1].stack_index is 99, out of range: dictionary.stack_table has 3 entries."), rejected);
        Assert.Equal(new OtlpPartialSuccess(1, "1 of 2 profiles were rejected: resource_profiles[0].scope_profiles[0].profiles[1]: samples[1].stack_index is 99, out of range: dictionary.stack_table has 3 entries."),
            result.PartialSuccess);
        Assert.Equal(["good"], result.Batch.IndexFunctions().Values.Select(f => f.Name));
        Assert.Equal(5, Assert.Single(result.Batch.Profiles).Total);
        OtlpTestData.AssertComplete(result.Batch);
    }

    [Fact]
    public void Decode_InvalidResourceAttribute_RejectsThatResourcesProfilesOnly()
    {
        var b = new OtlpRequestBuilder();
        var stack = b.Stack(b.Location(0, 0, (b.Function("main"), 1)));
        var badScope = b.Scope(("service.name", "bad"), ("pod", new string('x', 3000)));
        b.Profile(badScope, "cpu", "nanoseconds").Samples.Add(OtlpRequestBuilder.Sample(stack, 1));
        b.Profile(badScope, "cpu", "nanoseconds").Samples.Add(OtlpRequestBuilder.Sample(stack, 2));
        b.Profile(b.Scope(("service.name", "good")), "cpu", "nanoseconds").Samples.Add(OtlpRequestBuilder.Sample(stack, 4));

        var result = Decode(b.Request);

        Assert.Equal(["good"], result.Batch.Profiles.Select(p => p.ServiceName));
        Assert.Equal(["resource_profiles[0].scope_profiles[0].profiles[0]", "resource_profiles[0].scope_profiles[0].profiles[1]"], result.Rejected.Select(r => r.Path));
        Assert.All(result.Rejected, r => Assert.Equal(RejectReason.LabelValueTooLong, r.Reason));
        Assert.All(result.Rejected, r => Assert.Contains("max_label_value_length=2048 (resource.attributes[1].key)", r.Message, StringComparison.Ordinal));
        Assert.StartsWith("2 of 3 profiles were rejected: ", result.PartialSuccess!.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_ManyRejections_MessageQuotesTheFirstFive()
    {
        var b = new OtlpRequestBuilder();
        var scope = b.Scope();
        for (var i = 0; i < 8; i++)
        {
            b.Profile(scope, "cpu", "nanoseconds").Samples.Add(OtlpRequestBuilder.Sample(100 + i, 1));
        }

        var e = Assert.Throws<ProfileRejectedException>(() => Decode(b.Request));

        Assert.StartsWith("All 8 profiles of the request were rejected: resource_profiles[0].scope_profiles[0].profiles[0]: samples[0].stack_index is 100", e.Message, StringComparison.Ordinal);
        Assert.Contains("profiles[4]: samples[0].stack_index is 104", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("is 105", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("; and 3 more.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_StringTableZeroNotEmpty_RequestRejected()
    {
        var p = BuildOneProfile();
        p.B.Dictionary.StringTable[0] = "oops";

        var e = Assert.Throws<ProfileRejectedException>(() => Decode(p.B.Request));

        Assert.Equal(RejectReason.InvalidProfile, e.Reason);
        Assert.Equal("dictionary.string_table[0] is 'oops', but it must be the empty string (OTLP: index 0 of every dictionary table is the zero value).", e.Message);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("application/grpc")]
    [InlineData("application/jsonl")]
    [InlineData("application/octet-stream")]
    public void Decode_UnsupportedContentType_UnsupportedMediaType(string? contentType)
    {
        var e = Assert.Throws<ProfileRejectedException>(() => OtlpProfilesDecoder.Decode(contentType!, Array.Empty<byte>(), IngestLimits.Default, Clock));

        Assert.Equal(RejectReason.UnsupportedMediaType, e.Reason);
        Assert.Contains("application/x-protobuf", e.Message, StringComparison.Ordinal);
        Assert.Equal(415, Rejections.HttpStatus(e.Reason));
    }

    [Theory]
    [InlineData("application/x-protobuf", OtlpEncoding.Protobuf)]
    [InlineData("application/protobuf", OtlpEncoding.Protobuf)]
    [InlineData("Application/X-Protobuf", OtlpEncoding.Protobuf)]
    [InlineData("application/json", OtlpEncoding.Json)]
    [InlineData("application/json; charset=utf-8", OtlpEncoding.Json)]
    [InlineData(" application/json ;charset=UTF-8", OtlpEncoding.Json)]
    public void TryGetEncoding_SupportedMediaTypes_WithParameters(string contentType, OtlpEncoding expected)
    {
        Assert.True(OtlpProfilesDecoder.TryGetEncoding(contentType, out var encoding));
        Assert.Equal(expected, encoding);
    }

    [Theory]
    [InlineData(new byte[] { 0x0a, 0x05, 0x01 })]
    [InlineData(new byte[] { 0x0a })]
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff })]
    [InlineData(new byte[] { 0x0f })]
    public void Decode_MalformedProtobuf_RequestRejected(byte[] body)
    {
        var e = Assert.Throws<ProfileRejectedException>(() => OtlpProfilesDecoder.Decode(Protobuf, body, IngestLimits.Default, Clock));

        Assert.Equal(RejectReason.InvalidProfile, e.Reason);
        Assert.StartsWith($"The body ({body.Length} bytes) is not a binary OTLP ExportProfilesServiceRequest: ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "is not an OTLP/JSON ExportProfilesServiceRequest")]
    [InlineData("{", "is not an OTLP/JSON ExportProfilesServiceRequest")]
    [InlineData("[]", "is not an OTLP/JSON ExportProfilesServiceRequest")]
    [InlineData("{\"resourceProfiles\":{}}", "is not an OTLP/JSON ExportProfilesServiceRequest")]
    [InlineData("{\"resourceProfiles\":[{\"scopeProfiles\":[{\"profiles\":[{\"profileId\":\"zz\"}]}]}]}", "profileId is 'zz': OTLP/JSON writes trace, span and profile ids as hexadecimal strings")]
    [InlineData("{\"dictionary\":{\"linkTable\":[{\"spanId\":\"AQIDBAUGBwg=\"}]}}", "spanId is 'AQIDBAUGBwg=': OTLP/JSON writes trace, span and profile ids as hexadecimal strings")]
    [InlineData("{\"dictionary\":{\"linkTable\":[{\"traceId\":\"abc\"}]}}", "traceId is 'abc'")]
    public void Decode_MalformedJson_RequestRejected(string json, string expected)
    {
        var e = Assert.Throws<ProfileRejectedException>(() => OtlpProfilesDecoder.Decode(Json, Encoding.UTF8.GetBytes(json), IngestLimits.Default, Clock));

        Assert.Equal(RejectReason.InvalidProfile, e.Reason);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_JsonDeeperThanLimit_RequestRejected()
    {
        var json = "{\"resourceProfiles\":[{\"resource\":{\"attributes\":[{\"key\":\"k\",\"value\":"
            + string.Concat(Enumerable.Repeat("{\"arrayValue\":{\"values\":[", 100)) + "{}" + string.Concat(Enumerable.Repeat("]}}", 100)) + "}]}}]}";

        var e = Assert.Throws<ProfileRejectedException>(() => OtlpProfilesDecoder.Decode(Json, Encoding.UTF8.GetBytes(json), IngestLimits.Default, Clock));

        Assert.Equal(RejectReason.InvalidProfile, e.Reason);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(16)]
    public void Decode_LinkSpanIdNotEightBytes_ProfileRejected(int length)
    {
        var p = BuildOneProfile();
        p.B.Dictionary.LinkTable[p.Link].SpanId = ByteString.CopyFrom(new byte[length]);

        var e = Assert.Throws<ProfileRejectedException>(() => Decode(p.B.Request));

        Assert.Equal(OnlyProfile + $"dictionary.link_table[{p.Link}].span_id is {length} bytes: a span id is 8 bytes.", e.Message);
    }

    [Fact]
    public void Decode_SpanIdAttributeNotHex_ProfileRejected()
    {
        var p = BuildOneProfile();
        p.Profile.Samples[0].LinkIndex = 0;
        p.Profile.Samples[0].AttributeIndices.Add(p.B.Attribute("span_id", "not-a-span"));

        var e = Assert.Throws<ProfileRejectedException>(() => Decode(p.B.Request));

        Assert.Contains("The span_id attribute (attribute_table[", e.Message, StringComparison.Ordinal);
        Assert.Contains("is 'not-a-span', which is not 16 hexadecimal digits.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_NoSampleType_InvalidProfileType()
    {
        var p = BuildOneProfile();
        p.Profile.SampleType = null;

        var e = Assert.Throws<ProfileRejectedException>(() => Decode(p.B.Request));

        Assert.Equal(RejectReason.InvalidProfileType, e.Reason);
        Assert.Equal(OnlyProfile + "The profile has no sample_type: set it to the type and unit of its values, for example cpu/nanoseconds.", e.Message);
    }

    [Theory]
    [InlineData("", "nanoseconds", "sample type")]
    [InlineData("cpu", "", "sample unit")]
    [InlineData("a:b", "count", "sample type")]
    public void Decode_UnusableSampleType_InvalidProfileType(string type, string unit, string part)
    {
        var p = BuildOneProfile();
        p.Profile.SampleType.TypeStrindex = p.B.String(type);
        p.Profile.SampleType.UnitStrindex = p.B.String(unit);
        p.Profile.PeriodType = null;

        var e = Assert.Throws<ProfileRejectedException>(() => Decode(p.B.Request));

        Assert.Equal(RejectReason.InvalidProfileType, e.Reason);
        Assert.Contains($"The {part} of the profile is", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_SampleWithoutValuesOrTimestamps_ProfileRejected()
    {
        var p = BuildOneProfile();
        p.Profile.Samples[0].Values.Clear();

        var e = Assert.Throws<ProfileRejectedException>(() => Decode(p.B.Request));

        Assert.Equal(OnlyProfile + "samples[0] has neither values nor timestamps_unix_nano: a sample needs at least one observation.", e.Message);
    }

    [Fact]
    public void Decode_ValuesOverflow_ProfileRejected()
    {
        var p = BuildOneProfile();
        p.Profile.Samples[0].Values.Add(long.MaxValue);

        var e = Assert.Throws<ProfileRejectedException>(() => Decode(p.B.Request));

        Assert.Equal(OnlyProfile + "The values of samples[0] overflow a 64-bit integer when summed.", e.Message);
    }

    [Fact]
    public void Decode_CountTimesPeriodOverflows_ProfileRejected()
    {
        var b = new OtlpRequestBuilder();
        var stack = b.Stack(b.Location(0, 0, (b.Function("main"), 1)));
        b.Profile(b.Scope(), "samples", "count", "cpu", "nanoseconds", long.MaxValue / 2).Samples.Add(OtlpRequestBuilder.Sample(stack, 3));

        var e = Assert.Throws<ProfileRejectedException>(() => Decode(b.Request));

        Assert.Contains("samples[0]: its count 3 times the period", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_TimePastInt64_ProfileRejected()
    {
        var p = BuildOneProfile();
        p.Profile.TimeUnixNano = ulong.MaxValue;

        var e = Assert.Throws<ProfileRejectedException>(() => Decode(p.B.Request));

        Assert.Contains("time_unix_nano (18446744073709551615)", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Every prefix of a valid body either decodes or is rejected, never anything else.</summary>
    [Theory]
    [InlineData(Protobuf)]
    [InlineData(Json)]
    public void Decode_BodyCutAtEveryByte_DecodesOrRejects(string contentType)
    {
        var request = SmallRequest.Build().Request;
        var body = contentType == Json ? Encoding.UTF8.GetBytes(OtlpJson.Format(request)) : request.ToByteArray();
        var outcomes = new HashSet<string>();

        for (var length = 0; length <= body.Length; length++)
        {
            try
            {
                var result = OtlpProfilesDecoder.Decode(contentType, body.AsMemory(0, length), IngestLimits.Default, Clock);
                OtlpTestData.AssertComplete(result.Batch);
                outcomes.Add(result.PartialSuccess is null ? "decoded" : "partial");
            }
            catch (ProfileRejectedException e)
            {
                outcomes.Add(e.Reason.ToString());
            }
        }

        Assert.Contains("decoded", outcomes);
        Assert.Contains(nameof(RejectReason.InvalidProfile), outcomes);
    }

    /// <summary>Random corruption of a valid body either decodes or is rejected, never anything else.</summary>
    [Theory]
    [InlineData(Protobuf)]
    [InlineData(Json)]
    public void Decode_RandomlyCorruptedBody_DecodesOrRejects(string contentType)
    {
        var request = SmallRequest.Build().Request;
        var original = contentType == Json ? Encoding.UTF8.GetBytes(OtlpJson.Format(request)) : request.ToByteArray();
        var random = new Random(20260102);
        var rejected = 0;

        for (var round = 0; round < 2000; round++)
        {
            var body = (byte[])original.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                body[random.Next(body.Length)] = (byte)random.Next(256);
            }
            try
            {
                OtlpTestData.AssertComplete(OtlpProfilesDecoder.Decode(contentType, body, IngestLimits.Default, Clock).Batch);
            }
            catch (ProfileRejectedException)
            {
                rejected++;
            }
        }

        Assert.InRange(rejected, 1, 2000);
    }
}
