namespace GrafanaProfiles.Backend.Grpc;

/// <summary>gRPC status codes (grpc/doc/statuscodes.md), sent as the <c>grpc-status</c> trailer.</summary>
public enum StatusCode
{
    OK = 0,
    Cancelled = 1,
    Unknown = 2,
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    NotFound = 5,
    AlreadyExists = 6,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    FailedPrecondition = 9,
    Aborted = 10,
    OutOfRange = 11,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    DataLoss = 15,
    Unauthenticated = 16,
}

/// <summary>Ends a call with a gRPC status other than OK; the message goes to the client as <c>grpc-message</c>.</summary>
public sealed class RpcException : Exception
{
    public RpcException(StatusCode status, string message) : base(message) => Status = status;

    public RpcException() : this(StatusCode.Unknown, "The call failed.") { }

    public RpcException(string message) : this(StatusCode.Unknown, message) { }

    public RpcException(string message, Exception inner) : base(message, inner) => Status = StatusCode.Unknown;

    public StatusCode Status { get; }
}
