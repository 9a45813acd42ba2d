using System.IO.Compression;
using Google.Protobuf;
using Pprof = GrafanaProfiles.Schema.Pprof;

namespace GrafanaProfiles.Collector.Demo;

/// <summary>
/// A simulated service: a call tree with a weight per stack, rendered as a real pprof profile
/// (CPU at 100 Hz, or allocated bytes) with some noise per window, as a Go program's runtime would.
/// </summary>
internal sealed class Workload(string service, string version, string pod, IReadOnlyList<(string Stack, double Weight)> cpu, IReadOnlyList<(string Stack, double Weight)> alloc)
{
    public string Service { get; } = service;
    public string Version { get; } = version;
    public string Pod { get; } = pod;

    /// <summary>A gzipped pprof for one window: CPU (samples/count, cpu/nanoseconds) or memory (alloc_objects, alloc_space).</summary>
    public byte[] Profile(bool memory, DateTime start, TimeSpan duration, Random random)
    {
        var profile = new Pprof.Profile();
        var strings = new Dictionary<string, long>(StringComparer.Ordinal) { [""] = 0 };
        profile.StringTable.Add("");
        long S(string s)
        {
            if (!strings.TryGetValue(s, out var i))
            {
                i = profile.StringTable.Count;
                profile.StringTable.Add(s);
                strings[s] = i;
            }
            return i;
        }
        var locations = new Dictionary<string, ulong>(StringComparer.Ordinal);
        ulong Location(string function)
        {
            if (!locations.TryGetValue(function, out var id))
            {
                id = (ulong)locations.Count + 1;
                locations[function] = id;
                var package = function.Contains('.', StringComparison.Ordinal) ? function[..function.LastIndexOf('.')] : "main";
                profile.Function.Add(new Pprof.Function { Id = id, Name = S(function), SystemName = S(function), Filename = S(package.Replace('.', '/') + ".go") });
                var location = new Pprof.Location { Id = id, Address = 0x400000 + (id * 0x40) };
                location.Line.Add(new Pprof.Line { FunctionId = id, Line_ = 10 + (long)id });
                profile.Location.Add(location);
            }
            return id;
        }
        if (memory)
        {
            profile.SampleType.Add(new Pprof.ValueType { Type = S("alloc_objects"), Unit = S("count") });
            profile.SampleType.Add(new Pprof.ValueType { Type = S("alloc_space"), Unit = S("bytes") });
            profile.PeriodType = new Pprof.ValueType { Type = S("space"), Unit = S("bytes") };
            profile.Period = 512 * 1024;
        }
        else
        {
            profile.SampleType.Add(new Pprof.ValueType { Type = S("samples"), Unit = S("count") });
            profile.SampleType.Add(new Pprof.ValueType { Type = S("cpu"), Unit = S("nanoseconds") });
            profile.PeriodType = new Pprof.ValueType { Type = S("cpu"), Unit = S("nanoseconds") };
            profile.Period = 10_000_000;
        }
        profile.TimeNanos = (start - DateTime.UnixEpoch).Ticks * 100;
        profile.DurationNanos = duration.Ticks * 100;
        foreach (var (stack, weight) in memory ? alloc : cpu)
        {
            var noisy = weight * (0.85 + (random.NextDouble() * 0.3));
            var sample = new Pprof.Sample();
            foreach (var frame in stack.Split(';').Reverse())
            {
                sample.LocationId.Add(Location(frame));
            }
            if (memory)
            {
                var bytes = (long)(noisy * 1024 * 1024);
                sample.Value.Add(Math.Max(1, bytes / 4096));
                sample.Value.Add(bytes);
            }
            else
            {
                var samples = (long)Math.Round(noisy);
                if (samples == 0)
                {
                    continue;
                }
                sample.Value.Add(samples);
                sample.Value.Add(samples * 10_000_000);
            }
            profile.Sample.Add(sample);
        }
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            profile.WriteTo(gzip);
        }
        return output.ToArray();
    }

    /// <summary>The demo's fleet: three services, several pods, and checkout v2 with a JSON encoding regression.</summary>
    public static IReadOnlyList<Workload> Fleet()
    {
        (string, double)[] CheckoutCpu(double json) =>
        [
            ("main.main;net/http.(*conn).serve;checkout.(*Handler).PlaceOrder;encoding/json.Marshal;encoding/json.(*encodeState).reflectValue", 14 * json),
            ("main.main;net/http.(*conn).serve;checkout.(*Handler).PlaceOrder;checkout.validateCart", 8),
            ("main.main;net/http.(*conn).serve;checkout.(*Handler).PlaceOrder;database/sql.(*DB).QueryContext;github.com/lib/pq.(*conn).query", 22),
            ("main.main;net/http.(*conn).serve;checkout.(*Handler).GetCart;encoding/json.Marshal;encoding/json.(*encodeState).reflectValue", 6 * json),
            ("main.main;net/http.(*conn).serve;checkout.(*Handler).GetCart;github.com/redis/go-redis.(*Client).Get", 9),
            ("runtime.gcBgMarkWorker;runtime.gcDrain;runtime.scanobject", 7),
            ("runtime.mcall;runtime.park_m;runtime.schedule;runtime.findRunnable", 3),
        ];
        (string, double)[] CheckoutAlloc(double json) =>
        [
            ("main.main;net/http.(*conn).serve;checkout.(*Handler).PlaceOrder;encoding/json.Marshal;bytes.(*Buffer).grow", 30 * json),
            ("main.main;net/http.(*conn).serve;checkout.(*Handler).PlaceOrder;checkout.newOrder", 12),
            ("main.main;net/http.(*conn).serve;net/http.(*conn).readRequest;bufio.NewReaderSize", 8),
        ];
        (string, double)[] SearchCpu =
        [
            ("main.main;net/http.(*conn).serve;search.(*Index).Query;search.tokenize;strings.Fields", 12),
            ("main.main;net/http.(*conn).serve;search.(*Index).Query;search.score;math.Log", 18),
            ("main.main;net/http.(*conn).serve;search.(*Index).Query;sort.Slice;sort.pdqsort_func", 10),
            ("runtime.gcBgMarkWorker;runtime.gcDrain;runtime.scanobject", 5),
        ];
        (string, double)[] SearchAlloc =
        [
            ("main.main;net/http.(*conn).serve;search.(*Index).Query;search.tokenize;strings.Fields", 25),
            ("main.main;net/http.(*conn).serve;search.(*Index).Query;sort.Slice;reflect.Swapper", 6),
        ];
        (string, double)[] BillingCpu =
        [
            ("main.main;billing.(*Worker).Run;billing.computeInvoice;math/big.(*Int).Mul", 16),
            ("main.main;billing.(*Worker).Run;billing.computeInvoice;crypto/sha256.block", 11),
            ("main.main;billing.(*Worker).Run;github.com/segmentio/kafka-go.(*Reader).ReadMessage", 4),
        ];
        (string, double)[] BillingAlloc =
        [
            ("main.main;billing.(*Worker).Run;billing.computeInvoice;math/big.nat.make", 14),
        ];
        return
        [
            new("checkout", "v1", "checkout-7d9f-a", CheckoutCpu(1), CheckoutAlloc(1)),
            new("checkout", "v1", "checkout-7d9f-b", CheckoutCpu(1), CheckoutAlloc(1)),
            new("checkout", "v2", "checkout-84c1-a", CheckoutCpu(3), CheckoutAlloc(2.5)),
            new("checkout", "v2", "checkout-84c1-b", CheckoutCpu(3), CheckoutAlloc(2.5)),
            new("search", "v5", "search-5b2e-a", SearchCpu, SearchAlloc),
            new("search", "v5", "search-5b2e-b", SearchCpu, SearchAlloc),
            new("billing", "v12", "billing-0f3a-a", BillingCpu, BillingAlloc),
        ];
    }
}
