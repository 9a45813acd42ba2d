using Google.Protobuf;
using GrafanaProfiles.Collector.Ingest.Push;
using GrafanaProfiles.Schema.Pyroscope.Push.V1;
using GrafanaProfiles.Schema.Pyroscope.Types.V1;
using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Fuzz.Targets;

/// <summary>
/// The push decoder (PushDecoder, <c>/push.v1.PusherService/Push</c>): every input is read as binary
/// protobuf and as JSON. Seeds are push requests carrying the real pprof files, in both codecs.
/// </summary>
internal sealed class PushTarget : FuzzTarget
{
    public override string Name => "push";

    public override IReadOnlyList<byte[]> Seeds()
    {
        var seeds = new List<byte[]>();
        foreach (var files in new[] { new[] { "go-mutex.pb.gz" }, ["node-cpu.pb.gz", "go-goroutine.pb.gz"], ["go-heap.pb.gz"] })
        {
            var request = Request(files.Select(f => Repository.Read("pprof/" + f)));
            seeds.Add(request.ToByteArray());
            seeds.Add(System.Text.Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(request)));
        }
        // A raw (not gzipped) profile too, so mutations inside the base64 reach the pprof decoder.
        var raw = Request([Mutator.Gunzip(Repository.Read("pprof/go-goroutine.pb.gz"))]);
        seeds.Add(raw.ToByteArray());
        seeds.Add(System.Text.Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(raw)));
        seeds.AddRange(Repository.CorpusFiles(Name));
        return seeds;
    }

    internal static PushRequest Request(IEnumerable<byte[]> profiles)
    {
        var request = new PushRequest();
        var i = 0;
        foreach (var profile in profiles)
        {
            var series = new RawProfileSeries();
            series.Labels.Add(new LabelPair { Name = "__name__", Value = "process_cpu" });
            series.Labels.Add(new LabelPair { Name = "service_name", Value = "fuzz-" + i++ });
            series.Labels.Add(new LabelPair { Name = "env", Value = "fuzz \"quoted\" é" });
            series.Samples.Add(new RawSample { RawProfile = ByteString.CopyFrom(profile), ID = "0b5e0d1c-9a3f-4a5e-8c3a-1f2e3d4c5b6a" });
            request.Series.Add(series);
        }
        return request;
    }

    public override Outcome Run(byte[] input)
    {
        var proto = Decode(PushDecoder.ProtoContentType, input);
        var json = Decode(PushDecoder.JsonContentType, input);
        return proto == Outcome.Accepted || json == Outcome.Accepted ? Outcome.Accepted : Outcome.Refused;
    }

    private static Outcome Decode(string contentType, byte[] input)
    {
        try
        {
            PushDecoder.Decode(contentType, input, IngestLimits.Default, FixedTime.Clock);
            return Outcome.Accepted;
        }
        catch (ProfileRejectedException)
        {
            return Outcome.Refused;
        }
    }
}
