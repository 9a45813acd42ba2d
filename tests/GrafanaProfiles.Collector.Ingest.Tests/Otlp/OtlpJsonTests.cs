using System.Text;
using Google.Protobuf;
using GrafanaProfiles.Collector.Ingest.Otlp;
using GrafanaProfiles.Schema.Otlp.Common.V1;
using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest.Tests.Otlp;

/// <summary>OTLP/JSON: hex ids, 64-bit integers as numbers or strings, unknown fields ignored.</summary>
public sealed class OtlpJsonTests
{
    private static readonly TimeProvider Clock = new FixedClock(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

    /// <summary>Written by hand as an OTLP/JSON sender writes it (lowerCamelCase, hex ids, int64 as strings and numbers).</summary>
    private const string HandWritten = """
        {
          "resourceProfiles": [{
            "resource": { "attributes": [
              { "key": "service.name", "value": { "stringValue": "json-svc" } },
              { "key": "host.name", "value": { "stringValue": "node-\u0031" } }
            ] },
            "scopeProfiles": [{
              "scope": { "name": "hand", "version": "1" },
              "unknownScopeField": { "nested": [1, 2, 3] },
              "profiles": [{
                "sampleType": { "typeStrindex": 1, "unitStrindex": 2 },
                "periodType": { "typeStrindex": 1, "unitStrindex": 2 },
                "period": "10000000",
                "timeUnixNano": "1767323045000000000",
                "durationNano": 5000000000,
                "profileId": "0102030405060708090a0b0c0d0e0f10",
                "samples": [
                  { "stackIndex": 1, "values": ["30", 12], "linkIndex": 1, "attributeIndices": [1] },
                  { "stackIndex": 1, "values": [8] }
                ]
              }]
            }]
          }],
          "dictionary": {
            "stringTable": ["", "cpu", "nanoseconds", "main", "work", "thread.name", "w1", "/bin/app"],
            "functionTable": [{}, { "nameStrindex": 3 }, { "nameStrindex": 4 }],
            "mappingTable": [{}, { "filenameStrindex": 7 }],
            "locationTable": [{}, { "mappingIndex": 1, "address": "4096", "lines": [{ "functionIndex": 1, "line": "3" }] },
                                  { "mappingIndex": 1, "address": 8192, "lines": [{ "functionIndex": 2 }] }],
            "stackTable": [{}, { "locationIndices": [2, 1] }],
            "attributeTable": [{}, { "keyStrindex": 5, "value": { "stringValueStrindex": 6 } }],
            "linkTable": [
              { "traceId": "00000000000000000000000000000000", "spanId": "0000000000000000" },
              { "traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "EEE19B7EC3C1B174" }
            ]
          }
        }
        """;

    [Fact]
    public void Decode_HandWrittenJson_HexIdsAndInt64AsStringsOrNumbers()
    {
        var result = OtlpProfilesDecoder.Decode("application/json", Encoding.UTF8.GetBytes(HandWritten), IngestLimits.Default, Clock);

        var batch = result.Batch;
        Assert.Equal(OtlpEncoding.Json, result.Encoding);
        Assert.Equal(2, batch.Profiles.Count);
        var linked = batch.Profiles.Single(p => p.Labels.Get("thread.name") == "w1");
        var row = Assert.Single(linked.Samples);
        Assert.Equal(42, row.Value);
        Assert.Equal(0xeee19b7ec3c1b174UL, row.SpanId);
        Assert.Equal(8, batch.Profiles.Single(p => p.Labels.Get("thread.name") is null).Total);
        Assert.All(batch.Profiles, p =>
        {
            Assert.Equal("json-svc", p.ServiceName);
            Assert.Equal("node-1", p.Labels.Get("host.name"));
            Assert.Equal("process_cpu:cpu:nanoseconds:cpu:nanoseconds", p.ProfileType);
            Assert.Equal(1_767_323_045_000_000_000, p.TimeNanos);
            Assert.Equal(5_000_000_000, p.DurationNanos);
        });
        Assert.Equal(["main", "work"], batch.IndexStacks()[row.StackId].Select(f => batch.IndexFunctions()[f].Name));
    }

    [Fact]
    public void Decode_JsonWithByteOrderMark_Accepted()
    {
        var body = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(HandWritten)).ToArray();

        Assert.Equal(2, OtlpProfilesDecoder.Decode("application/json", body, IngestLimits.Default, Clock).Batch.Profiles.Count);
    }

    [Theory]
    [InlineData("\"node-\\u0031\"", "\"node-\\udfff\"")]
    [InlineData("\"host.name\"", "\"host\\ud800.name\"")]
    public void Decode_LoneSurrogateEscape_InvalidProfileNotAnError(string original, string replacement)
    {
        var body = Encoding.UTF8.GetBytes(HandWritten.Replace(original, replacement, StringComparison.Ordinal));
        Assert.NotEqual(HandWritten, Encoding.UTF8.GetString(body));

        var e = Assert.Throws<ProfileRejectedException>(() => OtlpProfilesDecoder.Decode("application/json", body, IngestLimits.Default, Clock));
        Assert.Equal(RejectReason.InvalidProfile, e.Reason);
        Assert.Contains("not valid Unicode", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_InvalidUtf8InAPropertyName_InvalidProfileNotAnError()
    {
        var text = Encoding.UTF8.GetBytes(HandWritten);
        var at = text.AsSpan().IndexOf("unknownScopeField"u8);
        text[at + 1] = 0xFF;

        var e = Assert.Throws<ProfileRejectedException>(() => OtlpProfilesDecoder.Decode("application/json", text, IngestLimits.Default, Clock));
        Assert.Equal(RejectReason.InvalidProfile, e.Reason);
        Assert.Contains("not valid Unicode", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseRequest_HexIds_BecomeTheirBytes()
    {
        var request = OtlpJson.ParseRequest(Encoding.UTF8.GetBytes(HandWritten));

        Assert.Equal(Convert.FromHexString("0102030405060708090a0b0c0d0e0f10"), request.ResourceProfiles[0].ScopeProfiles[0].Profiles[0].ProfileId.ToByteArray());
        Assert.Equal(Convert.FromHexString("5b8efff798038103d269b633813fc60c"), request.Dictionary.LinkTable[1].TraceId.ToByteArray());
        Assert.Equal(Convert.FromHexString("eee19b7ec3c1b174"), request.Dictionary.LinkTable[1].SpanId.ToByteArray());
    }

    [Fact]
    public void Format_Request_WritesIdsAsLowercaseHexAndBytesValuesAsBase64()
    {
        var b = SmallRequest.Build();
        b.Request.ResourceProfiles[0].Resource.Attributes.Add(new KeyValue { Key = "blob", Value = new AnyValue { BytesValue = ByteString.CopyFrom(1, 2, 3) } });

        var json = OtlpJson.Format(b.Request);

        Assert.Contains("\"spanId\":\"9a3c5e7f01b2d4e6\"", json, StringComparison.Ordinal);
        Assert.Contains("\"traceId\":\"0102030405060708090a0b0c0d0e0f10\"", json, StringComparison.Ordinal);
        Assert.Contains("\"profileId\":\"c0c1c2c3c4c5c6c7c8c9cacbcccdcecf\"", json, StringComparison.Ordinal);
        Assert.Contains("\"bytesValue\":\"AQID\"", json, StringComparison.Ordinal);
        Assert.Equal(b.Request, OtlpJson.ParseRequest(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void ParseRequest_ProtoFieldNames_AcceptedToo()
    {
        const string json = """{"resource_profiles":[{"scope_profiles":[{"profiles":[{"profile_id":"0a0b"}]}]}],"dictionary":{"link_table":[{"span_id":"0102030405060708"}]}}""";

        var request = OtlpJson.ParseRequest(Encoding.UTF8.GetBytes(json));

        Assert.Equal([0x0a, 0x0b], request.ResourceProfiles[0].ScopeProfiles[0].Profiles[0].ProfileId.ToByteArray());
        Assert.Equal(8, request.Dictionary.LinkTable[0].SpanId.Length);
    }

    [Fact]
    public void ParseRequest_EscapedStringsAndNames_Unescaped()
    {
        const string json = """{"dictionary":{"string\u0054able":["","a\"b\\c\u00e9\n"],"linkTable":[{"spanId":"\u0030102030405060708"}]}}""";

        var request = OtlpJson.ParseRequest(Encoding.UTF8.GetBytes(json));

        Assert.Equal(["", "a\"b\\cé\n"], request.Dictionary.StringTable);
        Assert.Equal(Convert.FromHexString("0102030405060708"), request.Dictionary.LinkTable[0].SpanId.ToByteArray());
    }
}
