using System.Text;

namespace GrafanaProfiles.Collector.Ingest.Tests.Support;

/// <summary>
/// A multipart/form-data body byte for byte as Go's mime/multipart writes it (the Pyroscope Go
/// SDK's upload: CreateFormFile per part, then Close): a 60-hex-digit boundary, CRLF line ends,
/// each part headed by Content-Disposition with name and filename and
/// Content-Type: application/octet-stream.
/// </summary>
internal sealed class GoMultipart
{
    private readonly List<byte> _body = [];
    private bool _first = true;

    public string Boundary { get; } = "3f1c2a9b7e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d";

    /// <summary>The Content-Type header Go's FormDataContentType gives.</summary>
    public string ContentType => "multipart/form-data; boundary=" + Boundary;

    public GoMultipart File(string name, string filename, byte[] content)
    {
        var head = (_first ? "" : "\r\n") + $"--{Boundary}\r\n"
            + $"Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\n";
        _first = false;
        _body.AddRange(Encoding.ASCII.GetBytes(head));
        _body.AddRange(content);
        return this;
    }

    public byte[] Close()
    {
        _body.AddRange(Encoding.ASCII.GetBytes($"\r\n--{Boundary}--\r\n"));
        return _body.ToArray();
    }
}
