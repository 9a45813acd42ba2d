using System.Text;
using Google.Protobuf;
using GrafanaProfiles.Collector.Ingest.Push;
using GrafanaProfiles.Collector.Ingest.Tests.Support;
using GrafanaProfiles.Schema.Pyroscope.Push.V1;
using GrafanaProfiles.Schema.Pyroscope.Types.V1;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Collector.Ingest.Tests.Push;

public sealed class PushDecoderTests
{
    private static readonly IngestLimits Limits = IngestLimits.Default;

    private static RawProfileSeries Series(byte[][] profiles, params (string Name, string Value)[] labels)
    {
        var series = new RawProfileSeries();
        series.Labels.AddRange(labels.Select(l => new LabelPair { Name = l.Name, Value = l.Value }));
        series.Samples.AddRange(profiles.Select((p, i) => new RawSample { RawProfile = ByteString.CopyFrom(p), ID = $"00000000-0000-0000-0000-00000000000{i}" }));
        return series;
    }

    /// <summary>Two series from real profiles: Go CPU (gzipped) for one, Go and Node heap (one raw) for the other.</summary>
    private static PushRequest MultiSeries()
    {
        var request = new PushRequest();
        request.Series.Add(Series([TestData.Pprof("go-cpu.pb.gz")],
            ("__name__", "process_cpu"), ("service_name", "checkout"), ("env", "prod"), ("__session_id__", "1f2e3d4c5b6a7988"), ("empty", "")));
        request.Series.Add(Series([TestData.Gunzip(TestData.Pprof("go-heap.pb.gz")), TestData.Pprof("node-heap.pb.gz")],
            ("service_name", "checkout"), ("__name__", "memory"), ("otel.scope.name", "com.grafana.pyroscope/go")));
        request.Series[1].Annotations.Add(new ProfileAnnotation { Key = "throttled", Value = "x" });
        return request;
    }

    /// <summary>As the door runs them: its one Content-Encoding step, then the push decoder.</summary>
    private static PushDecodeResult Decode(string contentType, byte[] body, string? encoding = null, IngestLimits? limits = null)
    {
        using var decoded = ContentEncoding.Decode(encoding, body, limits ?? Limits);
        return PushDecoder.Decode(contentType, decoded.Body, limits ?? Limits, StoppedClock.Default);
    }

    [Fact]
    public void Binary_MultiSeries_EveryRawProfileDecodedWithItsSeriesLabels()
    {
        var result = Decode("application/proto", MultiSeries().ToByteArray());

        Assert.Equal(PushCodec.Proto, result.Codec);
        Assert.Empty(result.Rejected);
        Assert.Null(result.Error);
        Assert.Equal([(0, 0), (1, 0), (1, 1)], result.Profiles.Select(p => (p.Series, p.Sample)));
        var cpu = result.Profiles[0].Batch;
        Assert.Equal(["process_cpu:cpu:nanoseconds:cpu:nanoseconds", "process_cpu:samples:count:cpu:nanoseconds"],
            cpu.Profiles.Select(p => p.ProfileType).Distinct().Order(StringComparer.Ordinal));
        Assert.All(cpu.Profiles, p =>
        {
            Assert.Equal("checkout", p.ServiceName);
            Assert.Equal("prod", p.Labels.Get("env"));
            Assert.Null(p.Labels.Get("__session_id__"));
            Assert.Null(p.Labels.Get("empty"));
            Assert.Null(p.Labels.Get("__name__"));
        });
        Assert.All(result.Profiles[1].Batch.Profiles.Concat(result.Profiles[2].Batch.Profiles), p =>
        {
            Assert.StartsWith("memory:", p.ProfileType, StringComparison.Ordinal);
            Assert.EndsWith(":space:bytes", p.ProfileType, StringComparison.Ordinal);
            Assert.Equal("com.grafana.pyroscope/go", p.Labels.Get("otel.scope.name"));
        });
        Assert.Equal("00000000-0000-0000-0000-000000000001", result.Profiles[2].ProfileId);
    }

    [Fact]
    public void Binary_SameAsThePprofDecoderAndLogRecordsReplay()
    {
        var result = Decode("application/proto", MultiSeries().ToByteArray());

        var direct = PprofDecoder.Decode(TestData.Pprof("go-cpu.pb.gz"), new PprofDecodeOptions
        {
            ServiceName = "checkout",
            Labels = LabelSet.From([new("env", "prod")]),
            ProfileName = "process_cpu",
            Clock = StoppedClock.Default,
        });
        BatchAssert.Equal(direct, result.Profiles[0].Batch);
        foreach (var profile in result.Profiles)
        {
            Assert.Equal(WalRecordKind.Pprof, profile.WalKind);
            BatchAssert.Equal(profile.Batch, PprofWalCodec.Decode(profile.WalPayload.Span));
        }
    }

    [Fact]
    public void Json_ProtobufJsonMapping_SameBatchesAsBinary()
    {
        var request = MultiSeries();
        var json = JsonFormatter.Default.Format(request);
        Assert.Contains("\"rawProfile\"", json, StringComparison.Ordinal);

        var fromJson = Decode("application/json", Encoding.UTF8.GetBytes(json));
        var fromBinary = Decode("application/proto", request.ToByteArray());

        Assert.Equal(PushCodec.Json, fromJson.Codec);
        Assert.Equal(fromBinary.Profiles.Count, fromJson.Profiles.Count);
        for (var i = 0; i < fromBinary.Profiles.Count; i++)
        {
            BatchAssert.Equal(fromBinary.Profiles[i].Batch, fromJson.Profiles[i].Batch);
        }
    }

    [Fact]
    public void Json_OriginalFieldNamesUnknownFieldsAndUrlSafeBase64_Accepted()
    {
        var profile = TestData.Pprof("go-goroutine.pb.gz");
        var base64Url = Convert.ToBase64String(profile).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var json = $$$"""
            {"series": [{
              "labels": [{"name": "service_name", "value": "api", "extra": true}, {"name": "__name__", "value": "goroutines"}],
              "samples": [{"raw_profile": "{{{base64Url}}}", "ID": "abc", "future": {"nested": [1, 2]}}],
              "annotations": [{"key": "k", "value": "v"}]
            }], "unknownTopLevel": "ignored"}
            """;
        var result = Decode("application/json; charset=utf-8", Encoding.UTF8.GetBytes(json));

        var pushed = Assert.Single(result.Profiles);
        Assert.Equal("abc", pushed.ProfileId);
        Assert.Equal("goroutines:goroutine:count:goroutine:count", pushed.Batch.Profiles[0].ProfileType);
        Assert.Equal("api", pushed.Batch.Profiles[0].ServiceName);
    }

    [Fact]
    public void Binary_UnknownFields_Ignored()
    {
        var request = new PushRequest();
        request.Series.Add(Series([TestData.Pprof("go-goroutine.pb.gz")], ("service_name", "api")));
        var known = request.ToByteArray();
        // Field 15 (varint 7) and field 16 (bytes "x"), as a newer Pyroscope client might add.
        var withUnknown = known.Concat(new byte[] { 15 << 3, 7, (16 << 3) | 2, 1, 1, (byte)'x' }).ToArray();
        Assert.Single(Decode("application/proto", withUnknown).Profiles);
    }

    [Fact]
    public void Labels_NoServiceNameOrName_FallbackServiceAndNameFromThePeriodType()
    {
        var request = new PushRequest();
        request.Series.Add(Series([TestData.Pprof("go-mutex.pb.gz")], ("team", "core")));
        var profile = Decode("application/proto", request.ToByteArray()).Profiles[0].Batch.Profiles[0];
        Assert.Equal("unknown_service", profile.ServiceName);
        Assert.StartsWith("mutex:", profile.ProfileType, StringComparison.Ordinal);
        Assert.Equal(LabelSet.From([new("team", "core")]), profile.Labels);
    }

    [Fact]
    public void Labels_Duplicate_OnlyThatSeriesRejected()
    {
        var request = MultiSeries();
        request.Series.Add(Series([TestData.Pprof("go-goroutine.pb.gz")], ("service_name", "a"), ("env", "x"), ("env", "y")));
        var result = Decode("application/proto", request.ToByteArray());

        Assert.Equal(3, result.Profiles.Count);
        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(RejectReason.InvalidLabelName, rejected.Reason);
        Assert.Contains("series 2", rejected.Message, StringComparison.Ordinal);
        Assert.Contains("'env' appears more than once", rejected.Message, StringComparison.Ordinal);
        Assert.Equal("1 of 4 profiles were rejected. The other 3 were accepted. " + rejected.Message, result.Error!.Message);
    }

    [Fact]
    public void Labels_InvalidName_RejectedByTheStoreRule()
    {
        var request = new PushRequest();
        request.Series.Add(Series([TestData.Pprof("go-goroutine.pb.gz")], ("service_name", "a"), ("bad-name", "x")));
        var result = Decode("application/proto", request.ToByteArray());
        Assert.Equal(RejectReason.InvalidLabelName, Assert.Single(result.Rejected).Reason);
        Assert.Contains("series 0 (service_name=a) sample 0", result.Rejected[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RawProfile_Malformed_RejectedAloneNamingSeriesAndSample()
    {
        var request = MultiSeries();
        request.Series[1].Samples.Add(new RawSample { RawProfile = ByteString.CopyFrom(TestData.Pprof("malformed/truncated.pb.gz")) });
        request.Series[1].Samples.Add(new RawSample());
        var result = Decode("application/proto", request.ToByteArray());

        Assert.Equal(3, result.Profiles.Count);
        Assert.Equal(2, result.Rejected.Count);
        Assert.All(result.Rejected, e => Assert.Equal(RejectReason.InvalidProfile, e.Reason));
        Assert.StartsWith("series 1 (service_name=checkout, __name__=memory) sample 2: ", result.Rejected[0].Message, StringComparison.Ordinal);
        Assert.StartsWith("series 1 (service_name=checkout, __name__=memory) sample 3: The profile is empty", result.Rejected[1].Message, StringComparison.Ordinal);
        Assert.Equal(RejectReason.InvalidProfile, result.Error!.Reason);
        Assert.StartsWith("2 of 5 profiles were rejected. The other 3 were accepted.", result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RawProfile_OverLimit_Rejected()
    {
        var result = Decode("application/proto", MultiSeries().ToByteArray(), limits: Limits with { MaxDecompressedBytes = 20_000 });
        Assert.Contains(result.Rejected, e => e.Reason == RejectReason.DecompressedTooLarge);
    }

    [Theory]
    [InlineData("application/proto", new byte[] { 0x0A, 0x05, 0x01 })]
    [InlineData("application/proto", new byte[] { 0x0F })]
    [InlineData("application/json", new byte[] { (byte)'{', (byte)'"' })]
    [InlineData("application/json", new byte[] { (byte)'[', (byte)']' })]
    [InlineData("application/json", new byte[] { (byte)'{', 0xFF, (byte)'}' })]
    public void Envelope_Malformed_InvalidRequest(string contentType, byte[] body)
    {
        var e = Assert.Throws<ProfileRejectedException>(() => Decode(contentType, body));
        Assert.Equal(RejectReason.InvalidRequest, e.Reason);
        Assert.Equal(ConnectCode.InvalidArgument, ConnectError.CodeFor(e.Reason));
    }

    /// <summary>
    /// Bodies an outside test sent: invalid UTF-8 in a property name or in rawProfile, and lone
    /// surrogate escapes. Each is the sender's error (400 naming JSON), never a 500.
    /// </summary>
    public static TheoryData<byte[]> InvalidText => [
        [.. "{\""u8, 0xFF, 0xFE, .. "\": 1}"u8],
        [.. """{"series": [{"samples": [{"rawProfile": "AAA"""u8, 0xC3, 0x28, .. "\"}]}]}"u8],
        """{"x": "\udfff"}"""u8.ToArray(),
        """{"\ud800": 1}"""u8.ToArray(),
        """{"series": [{"labels": [{"name": "service_name", "value": "a\udc00b"}], "samples": [{"rawProfile": "AAAA"}]}]}"""u8.ToArray(),
    ];

    [Theory]
    [MemberData(nameof(InvalidText))]
    public void Json_InvalidUtf8OrLoneSurrogate_InvalidRequestNamingJson(byte[] body)
    {
        var e = Assert.Throws<ProfileRejectedException>(() => Decode("application/json", body));
        Assert.Equal(RejectReason.InvalidRequest, e.Reason);
        Assert.Contains("JSON", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_WrongValueType_InvalidRequestNamingJson()
    {
        var e = Assert.Throws<ProfileRejectedException>(() => Decode("application/json", """{"series": [{"samples": [{"raw_profile": 12}]}]}"""u8.ToArray()));
        Assert.Equal(RejectReason.InvalidRequest, e.Reason);
        Assert.Contains("JSON", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("""{"series": [{"labels": [{"name": "service_name", "value": "a"}]}]}""")]
    public void Envelope_NoProfiles_InvalidRequest(string json)
    {
        var e = Assert.Throws<ProfileRejectedException>(() => Decode("application/json", Encoding.UTF8.GetBytes(json.Length == 0 ? "{}" : json)));
        Assert.Contains("no profiles", e.Message, StringComparison.Ordinal);
        Assert.Throws<ProfileRejectedException>(() => Decode("application/proto", []));
    }

    [Theory]
    [InlineData("application/proto", true, PushCodec.Proto)]
    [InlineData("Application/Proto", true, PushCodec.Proto)]
    [InlineData("application/json", true, PushCodec.Json)]
    [InlineData("application/json; charset=utf-8", true, PushCodec.Json)]
    [InlineData("application/json; charset=latin1", false, PushCodec.Proto)]
    [InlineData("application/connect+proto", false, PushCodec.Proto)]
    [InlineData("application/grpc", false, PushCodec.Proto)]
    [InlineData("text/plain", false, PushCodec.Proto)]
    [InlineData(null, false, PushCodec.Proto)]
    public void ContentType_OnlyConnectUnaryCodecs(string? contentType, bool supported, PushCodec codec)
    {
        Assert.Equal(supported, PushDecoder.TryGetCodec(contentType, out var actual));
        Assert.Equal(codec, actual);
        if (!supported && contentType is not null)
        {
            var e = Assert.Throws<ProfileRejectedException>(() => Decode(contentType, MultiSeries().ToByteArray()));
            Assert.Equal(RejectReason.UnsupportedFormat, e.Reason);
        }
    }

    [Fact]
    public void ContentEncoding_Gzip_AsPyroscopeRsSendsIt()
    {
        // pyroscope-rs (the Python, Ruby and Rust SDKs): application/proto, Content-Encoding: gzip, one series per upload.
        var pprof = Profiles.Build("cpu", "nanoseconds", [("main", "src/main.rs"), ("work", "src/lib.rs")], [([1, 0], 30_000_000)], timeNanos: 1_714_557_600_000_000_000);
        var request = new PushRequest();
        request.Series.Add(Series([pprof], ("__name__", "process_cpu"), ("service_name", "rust.app"), ("otel.scope.name", "com.grafana.pyroscope/rust"),
            ("otel.scope.version", "2.0.0"), ("process.runtime.name", "rust")));
        var result = Decode("application/proto", TestData.Gzip(request.ToByteArray()), "gzip");

        var profile = Assert.Single(Assert.Single(result.Profiles).Batch.Profiles);
        Assert.Equal(("rust.app", "process_cpu:cpu:nanoseconds:cpu:nanoseconds", 30_000_000L, 1_714_557_600_000_000_000L),
            (profile.ServiceName, profile.ProfileType, profile.Total, profile.TimeNanos));
        Assert.Equal("rust", profile.Labels.Get("process.runtime.name"));
    }

    [Fact]
    public void ContentEncoding_OverRequestLimitCorruptOrUnknown_Rejected()
    {
        var gz = TestData.Gzip(MultiSeries().ToByteArray());
        var tooLarge = Assert.Throws<ProfileRejectedException>(() => Decode("application/proto", gz, "gzip", Limits with { MaxRequestBytes = 1000 }));
        Assert.Equal(RejectReason.DecompressedTooLarge, tooLarge.Reason);
        Assert.Contains("max_request_bytes=1000", tooLarge.Message, StringComparison.Ordinal);

        var plainTooLarge = Assert.Throws<ProfileRejectedException>(() => Decode("application/proto", MultiSeries().ToByteArray(), null, Limits with { MaxRequestBytes = 1000 }));
        Assert.Equal(RejectReason.DecompressedTooLarge, plainTooLarge.Reason);

        var corrupt = gz.ToArray();
        corrupt[20] ^= 0xFF;
        Assert.Equal(RejectReason.InvalidRequest, Assert.Throws<ProfileRejectedException>(() => Decode("application/proto", corrupt, "gzip")).Reason);

        var brotli = Assert.Throws<ProfileRejectedException>(() => Decode("application/proto", gz, "br"));
        Assert.Equal(RejectReason.UnsupportedFormat, brotli.Reason);
        // The Connect code in the body; the HTTP status is the one table's, as for every API.
        Assert.Equal((ConnectCode.Unimplemented, 415), (ConnectError.CodeFor(brotli.Reason), Rejections.HttpStatus(brotli.Reason)));
    }

    [Fact]
    public void ContentEncoding_GzipBomb_StopsAtTheLimit()
    {
        var bomb = TestData.Gzip(new byte[64 * 1024 * 1024]);
        var e = Assert.Throws<ProfileRejectedException>(() => Decode("application/proto", bomb, "gzip", Limits with { MaxRequestBytes = 1024 * 1024 }));
        Assert.Equal(RejectReason.DecompressedTooLarge, e.Reason);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("1", true)]
    [InlineData("2", false)]
    public void ProtocolVersion_AbsentOrOne(string? value, bool ok)
    {
        if (ok)
        {
            PushDecoder.CheckProtocolVersion(value);
            return;
        }
        var e = Assert.Throws<ProfileRejectedException>(() => PushDecoder.CheckProtocolVersion(value));
        Assert.Contains("Connect-Protocol-Version must be \"1\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SuccessResponse_EmptyPushResponsePerCodec()
    {
        Assert.Equal(("application/proto", 0), (PushDecoder.SuccessResponse(PushCodec.Proto).ContentType, PushDecoder.SuccessResponse(PushCodec.Proto).Body.Length));
        var json = PushDecoder.SuccessResponse(PushCodec.Json);
        Assert.Equal(("application/json", "{}"), (json.ContentType, Encoding.UTF8.GetString(json.Body)));
        // Both parse as an empty PushResponse.
        Assert.Equal(new PushResponse(), PushResponse.Parser.ParseFrom(PushDecoder.SuccessResponse(PushCodec.Proto).Body));
        Assert.Equal(new PushResponse(), JsonParser.Default.Parse<PushResponse>("{}"));
    }
}
