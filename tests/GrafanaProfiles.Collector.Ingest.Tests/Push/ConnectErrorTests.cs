using System.Text.Json;
using GrafanaProfiles.Collector.Ingest.Push;
using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest.Tests.Push;

public sealed class ConnectErrorTests
{
    [Fact]
    public void ToJson_CodeAndMessage_EscapedAsJson()
    {
        var json = ConnectError.ToJson(ConnectCode.InvalidArgument, "label \"env\" is\nbad… <x>");
        using var document = JsonDocument.Parse(json);
        Assert.Equal("invalid_argument", document.RootElement.GetProperty("code").GetString());
        Assert.Equal("label \"env\" is\nbad… <x>", document.RootElement.GetProperty("message").GetString());
        Assert.Equal(2, document.RootElement.EnumerateObject().Count());
    }

    [Theory]
    [InlineData(ConnectCode.Canceled, 499)]
    [InlineData(ConnectCode.Unknown, 500)]
    [InlineData(ConnectCode.InvalidArgument, 400)]
    [InlineData(ConnectCode.DeadlineExceeded, 504)]
    [InlineData(ConnectCode.NotFound, 404)]
    [InlineData(ConnectCode.AlreadyExists, 409)]
    [InlineData(ConnectCode.PermissionDenied, 403)]
    [InlineData(ConnectCode.ResourceExhausted, 429)]
    [InlineData(ConnectCode.FailedPrecondition, 400)]
    [InlineData(ConnectCode.Aborted, 409)]
    [InlineData(ConnectCode.OutOfRange, 400)]
    [InlineData(ConnectCode.Unimplemented, 501)]
    [InlineData(ConnectCode.Internal, 500)]
    [InlineData(ConnectCode.Unavailable, 503)]
    [InlineData(ConnectCode.DataLoss, 500)]
    [InlineData(ConnectCode.Unauthenticated, 401)]
    [InlineData("no_such_code", 500)]
    public void HttpStatusFor_TheProtocolTable(string code, int status) => Assert.Equal(status, ConnectError.HttpStatusFor(code));

    [Fact]
    public void CodeFor_EveryReason_HasACodeAndAStatus()
    {
        foreach (var reason in Enum.GetValues<RejectReason>())
        {
            var code = ConnectError.CodeFor(reason);
            var expected = reason switch
            {
                RejectReason.UnsupportedFormat or RejectReason.UnsupportedMediaType => ConnectCode.Unimplemented,
                RejectReason.Unauthorized => ConnectCode.Unauthenticated,
                RejectReason.RateLimited or RejectReason.SeriesLimit or RejectReason.Overloaded or RejectReason.BodyTooLarge => ConnectCode.ResourceExhausted,
                RejectReason.NotReady or RejectReason.StorageUnavailable => ConnectCode.Unavailable,
                _ => ConnectCode.InvalidArgument,
            };
            Assert.Equal(expected, code);
            // The status is the one table's, for the push API as for every other.
            Assert.InRange(Rejections.HttpStatus(reason), 400, 503);
        }
    }

    [Theory]
    [InlineData(400, ConnectCode.InvalidArgument)]
    [InlineData(413, ConnectCode.InvalidArgument)]
    [InlineData(415, ConnectCode.Unknown)]
    [InlineData(422, ConnectCode.Unknown)]
    [InlineData(429, ConnectCode.ResourceExhausted)]
    [InlineData(401, ConnectCode.Unauthenticated)]
    [InlineData(503, ConnectCode.Unavailable)]
    public void CodeForHttpStatus_AsPyroscopeIngestWritesErrors(int status, string code) => Assert.Equal(code, ConnectError.CodeForHttpStatus(status));
}
