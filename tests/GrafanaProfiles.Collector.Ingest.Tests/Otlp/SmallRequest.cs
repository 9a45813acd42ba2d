using System.Text;
using System.Text.Json;
using Google.Protobuf;
using GrafanaProfiles.Collector.Ingest.Otlp;
using GrafanaProfiles.Schema.Otlp.Common.V1;

namespace GrafanaProfiles.Collector.Ingest.Tests.Otlp;

/// <summary>
/// A small request with every feature the decoder maps: an eBPF-profiler-style CPU profile
/// (samples/count with a cpu period, timestamps only), an allocation profile with values,
/// inlined and unsymbolized frames, sample attributes, a trace link, resource attributes. The
/// golden files tests/testdata/otlp/small.* are this request and what it decodes to.
/// </summary>
internal static class SmallRequest
{
    public const ulong TimeUnixNano = 1_767_323_045_000_000_000; // 2026-01-02T03:04:05Z
    public const long CpuPeriod = 50_000_000; // 20 Hz
    public const ulong SpanId = 0x9a3c5e7f01b2d4e6;

    public static OtlpRequestBuilder Build()
    {
        var b = new OtlpRequestBuilder();
        var app = b.Mapping("/usr/bin/app", 0x400000, 0x500000);
        var libc = b.Mapping("/lib/x86_64-linux-gnu/libc.so.6", 0x7f0000000000, 0x7f0000200000);
        var main = b.Function("main.main", "main.main", "/src/app/main.go", 10);
        var handle = b.Function("main.handle", "main.handle", "/src/app/main.go", 20);
        var parse = b.Function("main.parse", "main.parse", "/src/app/parse.go", 5);
        var block = b.Function("crypto/sha256.block", "crypto/sha256.block", "/usr/lib/go/src/crypto/sha256/sha256block.go", 12);
        var lMain = b.Location(app, 0x401000, (main, 12));
        // main.parse is inlined into main.handle: callee first.
        var lHandle = b.Location(app, 0x402000, (parse, 7), (handle, 25));
        var lBlock = b.Location(app, 0x403000, (block, 40));
        var lMemcpy = b.Location(libc, 0x7f0000001234);
        var hashing = b.Stack(lBlock, lHandle, lMain);
        var copying = b.Stack(lMemcpy, lHandle, lMain);
        var idle = b.Stack(lMain);
        var worker1 = b.Attribute("thread.name", "worker-1");
        var worker2 = b.Attribute("thread.name", "worker-2");
        var link = b.Link([.. Enumerable.Range(1, 16).Select(i => (byte)i)], BitConverter.GetBytes(SpanId).Reverse().ToArray());

        var scope = b.Scope(("service.name", "checkout"), ("host.name", "node-1"), ("k8s.pod.name", "checkout-7d9f"));
        var cpu = b.Profile(scope, "samples", "count", "cpu", "nanoseconds", CpuPeriod);
        cpu.TimeUnixNano = TimeUnixNano;
        cpu.DurationNano = 5_000_000_000;
        cpu.ProfileId = ByteString.CopyFrom([.. Enumerable.Range(0, 16).Select(i => (byte)(0xc0 + i))]);
        cpu.Samples.Add(Timestamps(hashing, [worker1], TimeUnixNano + 1, TimeUnixNano + 2, TimeUnixNano + 3));
        var linked = Timestamps(copying, [worker1], TimeUnixNano + 4);
        linked.LinkIndex = link;
        cpu.Samples.Add(linked);
        cpu.Samples.Add(OtlpRequestBuilder.Sample(idle, 2, worker2));

        var alloc = b.Profile(scope, "alloc_space", "bytes", "space", "bytes", 524_288);
        alloc.TimeUnixNano = TimeUnixNano;
        alloc.DurationNano = 5_000_000_000;
        var allocation = OtlpRequestBuilder.Sample(hashing, 1024);
        allocation.Values.Add(2048);
        alloc.Samples.Add(allocation);
        alloc.Samples.Add(OtlpRequestBuilder.Sample(copying, 4096, b.Attribute("size.class", new AnyValue { IntValue = 4096 })));
        return b;
    }

    /// <summary>The request in OTLP/JSON, indented for people reading the golden file.</summary>
    public static byte[] Json(IMessage request)
    {
        using var document = JsonDocument.Parse(OtlpJson.Format(request));
        using var output = new MemoryStream();
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true }))
        {
            document.WriteTo(writer);
        }
        output.Write("\n"u8);
        return output.ToArray();
    }

    private static GrafanaProfiles.Schema.Otlp.Profiles.V1Development.Sample Timestamps(int stack, int[] attributes, params ulong[] timestamps)
    {
        var sample = new GrafanaProfiles.Schema.Otlp.Profiles.V1Development.Sample { StackIndex = stack };
        sample.AttributeIndices.Add(attributes);
        sample.TimestampsUnixNano.Add(timestamps);
        return sample;
    }

    public static string Text(byte[] utf8) => Encoding.UTF8.GetString(utf8);
}
