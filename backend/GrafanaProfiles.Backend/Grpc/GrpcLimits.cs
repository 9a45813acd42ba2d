namespace GrafanaProfiles.Backend.Grpc;

/// <summary>Limits of the gRPC layer; named so Grafana's ini (<c>GF_PLUGIN_*</c>) can raise them.</summary>
public sealed record GrpcLimits
{
    /// <summary>The length prefix of a gRPC message: 1 byte compressed flag, 4 bytes big-endian length.</summary>
    public const int MessageHeaderLength = 5;

    /// <summary>
    /// <c>max_receive_message_size</c>: largest request message accepted, before and after gzip
    /// (the Go SDK's default is 16 MiB).
    /// </summary>
    public int MaxReceiveMessageSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>Largest response message sent (Grafana's client accepts up to 2 GiB).</summary>
    public int MaxSendMessageSize { get; init; } = int.MaxValue - MessageHeaderLength;
}
