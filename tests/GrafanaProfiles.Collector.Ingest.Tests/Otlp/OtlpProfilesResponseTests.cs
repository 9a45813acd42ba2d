using System.Text;
using System.Text.Json;
using Google.Protobuf;
using GrafanaProfiles.Collector.Ingest.Otlp;
using GrafanaProfiles.Schema.Otlp.Collector.Profiles.V1Development;
using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest.Tests.Otlp;

public sealed class OtlpProfilesResponseTests
{
    [Fact]
    public void Encode_NothingRejected_EmptyResponse()
    {
        Assert.Empty(OtlpProfilesResponse.Encode(null, OtlpEncoding.Protobuf));
        Assert.Equal("{}", Encoding.UTF8.GetString(OtlpProfilesResponse.Encode(null, OtlpEncoding.Json)));
    }

    [Fact]
    public void Encode_PartialSuccess_BothEncodingsCarryCountAndMessage()
    {
        var partial = new OtlpPartialSuccess(2, "2 of 3 profiles were rejected: …");

        var binary = ExportProfilesServiceResponse.Parser.ParseFrom(OtlpProfilesResponse.Encode(partial, OtlpEncoding.Protobuf));
        var json = Encoding.UTF8.GetString(OtlpProfilesResponse.Encode(partial, OtlpEncoding.Json));

        Assert.Equal(2, binary.PartialSuccess.RejectedProfiles);
        Assert.Equal(partial.ErrorMessage, binary.PartialSuccess.ErrorMessage);
        using var document = JsonDocument.Parse(json);
        var success = document.RootElement.GetProperty("partialSuccess");
        // OTLP/JSON: int64 may be written as a string (the protobuf JSON mapping does).
        Assert.Equal("2", success.GetProperty("rejectedProfiles").GetString());
        Assert.Equal(partial.ErrorMessage, success.GetProperty("errorMessage").GetString());
        Assert.Equal(binary, JsonParser.Default.Parse<ExportProfilesServiceResponse>(json));
    }

    [Fact]
    public void Encode_DecodeResult_UsesTheRequestsEncoding()
    {
        var clock = new FixedClock(DateTimeOffset.UnixEpoch);
        var b = new OtlpRequestBuilder();
        var scope = b.Scope();
        b.Profile(scope, "cpu", "nanoseconds").Samples.Add(OtlpRequestBuilder.Sample(b.Stack(b.Location(0, 0, (b.Function("main"), 1))), 1));
        b.Profile(scope, "cpu", "nanoseconds").Samples.Add(OtlpRequestBuilder.Sample(42, 1));
        var result = OtlpProfilesDecoder.Decode("application/json", Encoding.UTF8.GetBytes(OtlpJson.Format(b.Request)), IngestLimits.Default, clock);

        var body = Encoding.UTF8.GetString(OtlpProfilesResponse.Encode(result));

        Assert.Equal("application/json", OtlpProfilesResponse.ContentType(result.Encoding));
        var response = JsonParser.Default.Parse<ExportProfilesServiceResponse>(body);
        Assert.Equal(1, response.PartialSuccess.RejectedProfiles);
        Assert.Contains("samples[0].stack_index is 42", response.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void EncodeError_Status_InvalidArgumentWithTheMessage()
    {
        var binary = OtlpProfilesResponse.EncodeError("bad", OtlpEncoding.Protobuf);
        var json = Encoding.UTF8.GetString(OtlpProfilesResponse.EncodeError("bad \"quoted\"", OtlpEncoding.Json));

        // google.rpc.Status read by hand: field 1 (code) = 3, field 2 (message) = "bad".
        var input = new CodedInputStream(binary);
        Assert.Equal(WireFormat.MakeTag(1, WireFormat.WireType.Varint), input.ReadTag());
        Assert.Equal(3, input.ReadInt32());
        Assert.Equal(WireFormat.MakeTag(2, WireFormat.WireType.LengthDelimited), input.ReadTag());
        Assert.Equal("bad", input.ReadString());
        Assert.True(input.IsAtEnd);
        using var document = JsonDocument.Parse(json);
        Assert.Equal(3, document.RootElement.GetProperty("code").GetInt32());
        Assert.Equal("bad \"quoted\"", document.RootElement.GetProperty("message").GetString());
    }

    /// <summary>A refused OTLP request is answered with the one table's status, as every API's is (the collector answered these before too).</summary>
    [Theory]
    [InlineData(RejectReason.UnsupportedMediaType, 415)]
    [InlineData(RejectReason.DecompressedTooLarge, 413)]
    [InlineData(RejectReason.InvalidProfile, 422)]
    [InlineData(RejectReason.TooManySamples, 422)]
    [InlineData(RejectReason.InvalidProfileType, 400)]
    [InlineData(RejectReason.InvalidRequest, 400)]
    public void HttpStatus_Reasons(RejectReason reason, int status) => Assert.Equal(status, Rejections.HttpStatus(reason));

    [Fact]
    public void ContentType_Encodings()
    {
        Assert.Equal("application/x-protobuf", OtlpProfilesResponse.ContentType(OtlpEncoding.Protobuf));
        Assert.Equal("application/json", OtlpProfilesResponse.ContentType(OtlpEncoding.Json));
    }
}
