using System.Text;
using System.Text.Json;
using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest.Push;

/// <summary>The Connect protocol's error codes (connectrpc.com/docs/protocol, "Error Codes").</summary>
public static class ConnectCode
{
    public const string Canceled = "canceled";
    public const string Unknown = "unknown";
    public const string InvalidArgument = "invalid_argument";
    public const string DeadlineExceeded = "deadline_exceeded";
    public const string NotFound = "not_found";
    public const string AlreadyExists = "already_exists";
    public const string PermissionDenied = "permission_denied";
    public const string ResourceExhausted = "resource_exhausted";
    public const string FailedPrecondition = "failed_precondition";
    public const string Aborted = "aborted";
    public const string OutOfRange = "out_of_range";
    public const string Unimplemented = "unimplemented";
    public const string Internal = "internal";
    public const string Unavailable = "unavailable";
    public const string DataLoss = "data_loss";
    public const string Unauthenticated = "unauthenticated";
}

/// <summary>
/// A Connect unary error response: HTTP status from the code, <c>Content-Type: application/json</c>
/// (whatever the request's codec), body <c>{"code": "...", "message": "..."}</c>.
/// </summary>
public static class ConnectError
{
    /// <summary>The Content-Type of every Connect unary error body.</summary>
    public const string ContentType = "application/json";

    /// <summary>The error body: <c>{"code":"invalid_argument","message":"..."}</c>.</summary>
    public static string ToJson(string code, string message)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("code", code);
            writer.WriteString("message", message);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    /// <summary>
    /// The Connect code in the error body of a refusal (its HTTP status is the one table's,
    /// <see cref="Rejections.HttpStatus"/>, as for every API; Connect clients read the code from the
    /// body). Everything the sender must change is invalid_argument (Pyroscope answers its
    /// validation errors, size limits included, with it); formats and encodings not read are
    /// unimplemented (as connect-go answers an unknown compression); limits that pass with time are
    /// resource_exhausted; missing credentials unauthenticated; a store not yet open, or one whose disk cannot keep data, unavailable.
    /// </summary>
    public static string CodeFor(RejectReason reason) => reason switch
    {
        RejectReason.UnsupportedFormat or RejectReason.UnsupportedMediaType => ConnectCode.Unimplemented,
        RejectReason.Unauthorized => ConnectCode.Unauthenticated,
        RejectReason.RateLimited or RejectReason.SeriesLimit or RejectReason.Overloaded or RejectReason.BodyTooLarge => ConnectCode.ResourceExhausted,
        RejectReason.NotReady or RejectReason.StorageUnavailable => ConnectCode.Unavailable,
        _ => ConnectCode.InvalidArgument,
    };

    /// <summary>The HTTP status of a Connect code (the protocol's table, as amended by its RFC 003).</summary>
    public static int HttpStatusFor(string code) => code switch
    {
        ConnectCode.Canceled => 499,
        ConnectCode.Unknown => 500,
        ConnectCode.InvalidArgument => 400,
        ConnectCode.DeadlineExceeded => 504,
        ConnectCode.NotFound => 404,
        ConnectCode.AlreadyExists => 409,
        ConnectCode.PermissionDenied => 403,
        ConnectCode.ResourceExhausted => 429,
        ConnectCode.FailedPrecondition => 400,
        ConnectCode.Aborted => 409,
        ConnectCode.OutOfRange => 400,
        ConnectCode.Unimplemented => 501,
        ConnectCode.Internal => 500,
        ConnectCode.Unavailable => 503,
        ConnectCode.DataLoss => 500,
        ConnectCode.Unauthenticated => 401,
        _ => 500,
    };

    /// <summary>
    /// The code for an error answered with a bare HTTP status, as Pyroscope writes its /ingest
    /// errors (pkg/util/connectgrpc, HTTPToCode): 400 and 413 invalid_argument, 429
    /// resource_exhausted, 415 and 422 unknown, …
    /// </summary>
    public static string CodeForHttpStatus(int status) => status switch
    {
        400 or 413 => ConnectCode.InvalidArgument,
        401 => ConnectCode.Unauthenticated,
        403 => ConnectCode.PermissionDenied,
        404 => ConnectCode.Unimplemented,
        412 => ConnectCode.FailedPrecondition,
        429 or 431 => ConnectCode.ResourceExhausted,
        499 => ConnectCode.Canceled,
        502 or 503 => ConnectCode.Unavailable,
        504 => ConnectCode.DeadlineExceeded,
        _ => ConnectCode.Unknown,
    };
}
