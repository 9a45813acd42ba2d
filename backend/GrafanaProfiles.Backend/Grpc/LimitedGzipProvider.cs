using System.IO.Compression;
using Grpc.Core;
using Grpc.Net.Compression;

namespace GrafanaProfiles.Backend.Grpc;

/// <summary>
/// <c>grpc-encoding: gzip</c> for request messages (Grafana's client may compress), inflated to at most
/// <see cref="GrpcLimits.MaxReceiveMessageSize"/>: Grpc.AspNetCore's own gzip provider inflates without
/// a bound, so a 16 MiB request could otherwise grow into gigabytes. A corrupt body is the caller's
/// fault (<c>Internal</c>, as grpc-go answers), not the plugin's.
/// </summary>
public sealed class LimitedGzipProvider(int maxMessageSize) : ICompressionProvider
{
    public string EncodingName => "gzip";

    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) =>
        new GZipStream(stream, compressionLevel ?? CompressionLevel.Fastest, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream stream) =>
        new LimitedInflater(new GZipStream(stream, CompressionMode.Decompress), maxMessageSize);

    /// <summary>Reads through the gzip stream and fails the call once the output passes the limit.</summary>
    private sealed class LimitedInflater(GZipStream inner, int limit) : Stream
    {
        private long _produced;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _produced;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int read;
            try
            {
                read = inner.Read(buffer);
            }
            catch (InvalidDataException e)
            {
                throw new RpcException(new Status(StatusCode.Internal, "The gzip-compressed request message is corrupt: " + e.Message));
            }
            _produced += read;
            if (_produced > limit)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted,
                    $"Decompressed request message larger than max ({limit} bytes); the limit is the plugin's max_receive_message_size (GF_PLUGIN_MAX_RECEIVE_MESSAGE_SIZE)."));
            }
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
