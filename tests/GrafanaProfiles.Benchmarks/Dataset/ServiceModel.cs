using System.Text;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Benchmarks.Dataset;

/// <summary>
/// One Go service: its function vocabulary (runtime, standard library, the third-party libraries it
/// links, its own code), a call graph over it, and the populations of distinct CPU and allocation
/// stacks that its profiles draw from with Zipf popularity. Stacks come from walks down the call
/// graph from goroutine entry chains (HTTP and gRPC servers, workers, GC, scheduler), so they share
/// prefixes the way real call trees do.
/// </summary>
internal sealed class ServiceModel
{
    public const int MinDepth = 10;
    public const int MaxDepth = 60;

    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<int>[] _calleesByLayer = [.. Enumerable.Range(0, 6).Select(_ => new List<int>())];
    private int[][] _callees = [];
    private double[][] _calleeCdf = [];
    private readonly List<int> _handlers = [];
    private readonly List<int> _workers = [];
    private readonly Dictionary<string, List<int>> _byPackage = new(StringComparer.Ordinal);
    private readonly List<string> _libraryPackages = [];
    private readonly bool _grpc;

    public ServiceModel(string name, ulong seed, int cpuStacks, int allocationStacks)
    {
        Name = name;
        var rng = new Rng(seed);
        _grpc = rng.Next(3) == 0;
        BuildVocabulary(ref rng);
        BuildCallGraph(ref rng);
        CpuStacks = Population(ref rng, cpuStacks, allocation: false);
        AllocationStacks = Population(ref rng, allocationStacks, allocation: true);
    }

    public string Name { get; }

    public List<FunctionDef> Functions { get; } = [];

    /// <summary>Whether a function is small enough for Go to inline it into its caller (its location then has two lines).</summary>
    public List<bool> Inlined { get; } = [];

    /// <summary>Distinct CPU stacks (function indexes, root first), most popular first.</summary>
    public int[][] CpuStacks { get; }

    /// <summary>Distinct allocation stacks (root first, leaf = the allocating function), most popular first.</summary>
    public int[][] AllocationStacks { get; }

    /// <summary>The line at which <paramref name="function"/> calls <paramref name="callee"/> (-1: the leaf's own line).</summary>
    public int LineOf(int function, int callee)
    {
        var h = Rng.Seed(function, callee);
        return Functions[function].StartLine + 1 + (int)(h % 60);
    }

    private int Add(string name, string file, Layer layer, string package, ref Rng rng)
    {
        if (_index.TryGetValue(name, out var existing))
        {
            return existing;
        }
        var index = Functions.Count;
        // Start lines are a function of the name, so every service gives a shared function the same identity.
        var startLine = 20 + (int)(ContentHash.XxHash64(Encoding.UTF8.GetBytes(name)) % 900);
        Functions.Add(new FunctionDef(name, file, startLine, layer, package));
        Inlined.Add(layer is Layer.Basic or Layer.Runtime && rng.Next(5) == 0);
        _index[name] = index;
        if (!_byPackage.TryGetValue(package, out var list))
        {
            _byPackage[package] = list = [];
        }
        list.Add(index);
        _calleesByLayer[(int)layer].Add(index);
        return index;
    }

    private void BuildVocabulary(ref Rng rng)
    {
        foreach (var name in FunctionCatalog.RuntimeEntries)
        {
            Add(name, FunctionCatalog.RuntimeFile(name), Layer.Entry, "entry", ref rng);
        }
        foreach (var name in FunctionCatalog.Runtime)
        {
            Add(name, FunctionCatalog.RuntimeFile(name), Layer.Runtime, "runtime", ref rng);
        }
        foreach (var (package, functions) in FunctionCatalog.Basics)
        {
            for (var i = 0; i < functions.Length; i++)
            {
                Add($"{package}.{functions[i]}", FunctionCatalog.BasicFile(package, functions[i]), Layer.Basic, package, ref rng);
            }
        }
        // Every service speaks HTTP and JSON, logs, traces and exports metrics; the rest is its own mix.
        var always = new HashSet<string>(StringComparer.Ordinal)
        {
            "net/http", "encoding/json", "go.uber.org/zap", "go.uber.org/zap/zapcore", "go.opentelemetry.io/otel/sdk/trace",
            "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp", "github.com/prometheus/client_golang/prometheus", "github.com/go-chi/chi/v5",
        };
        if (_grpc)
        {
            always.UnionWith(["google.golang.org/grpc", "google.golang.org/grpc/internal/transport", "golang.org/x/net/http2",
                "google.golang.org/protobuf/internal/impl", "google.golang.org/protobuf/proto"]);
        }
        foreach (var (package, module, functions) in FunctionCatalog.Libraries)
        {
            if (!always.Contains(package) && rng.Next(100) >= 45)
            {
                continue;
            }
            _libraryPackages.Add(package);
            for (var i = 0; i < functions.Length; i++)
            {
                Add($"{package}.{functions[i]}", FunctionCatalog.LibraryFile(package, module, functions[i]), Layer.Library, package, ref rng);
            }
        }
        var app = FunctionCatalog.AppFunctions(Name, ref rng, handlers: rng.Between(12, 20), domain: rng.Between(70, 120));
        foreach (var (name, file, isHandler) in app)
        {
            var index = Add(name, file, isHandler ? Layer.Handler : Layer.Domain, "app", ref rng);
            if (isHandler)
            {
                _handlers.Add(index);
            }
        }
        foreach (var kind in new[] { "events.(*Worker).Run", "events.(*Worker).process", "cache.(*Refresher).loop", "outbox.(*Relay).run" })
        {
            _workers.Add(Add($"github.com/acme/{Name}/internal/{kind}", "/app/internal/worker.go", Layer.Domain, "app", ref rng));
        }
        foreach (var middleware in new[] { "Logging", "Recover", "Auth", "RequestID", "Metrics" })
        {
            Add($"github.com/acme/{Name}/internal/middleware.{middleware}.func1", "/app/internal/middleware/middleware.go", Layer.Entry, "middleware", ref rng);
        }
    }

    private void BuildCallGraph(ref Rng rng)
    {
        _callees = new int[Functions.Count][];
        _calleeCdf = new double[Functions.Count][];
        for (var f = 0; f < Functions.Count; f++)
        {
            var def = Functions[f];
            var (min, max) = def.Layer switch
            {
                Layer.Handler => (3, 6),
                Layer.Domain => (1, 5),
                Layer.Library => (1, 4),
                Layer.Basic => (0, 3),
                Layer.Runtime => (0, 3),
                _ => (2, 4),
            };
            var count = rng.Between(min, max);
            var callees = new List<int>(count);
            for (var attempt = 0; callees.Count < count && attempt < 50; attempt++)
            {
                var callee = PickCallee(def, ref rng);
                if (callee != f && callee >= 0 && !callees.Contains(callee))
                {
                    callees.Add(callee);
                }
            }
            _callees[f] = [.. callees];
            // The first callee is the hot path: weights 1, 1/2, 1/3, …
            var cdf = new double[callees.Count];
            var sum = 0.0;
            for (var i = 0; i < cdf.Length; i++)
            {
                sum += 1.0 / (i + 1);
                cdf[i] = sum;
            }
            for (var i = 0; i < cdf.Length; i++)
            {
                cdf[i] /= sum;
            }
            _calleeCdf[f] = cdf;
        }
    }

    private int PickCallee(FunctionDef caller, ref Rng rng)
    {
        var roll = rng.Next(100);
        var layer = caller.Layer switch
        {
            Layer.Handler => roll < 70 ? Layer.Domain : roll < 92 ? Layer.Library : Layer.Basic,
            Layer.Domain => roll < 45 ? Layer.Domain : roll < 85 ? Layer.Library : roll < 95 ? Layer.Basic : Layer.Runtime,
            Layer.Library => roll < 65 ? Layer.Library : roll < 88 ? Layer.Basic : Layer.Runtime,
            Layer.Basic => roll < 25 ? Layer.Basic : Layer.Runtime,
            _ => Layer.Runtime,
        };
        if (caller.Layer == Layer.Runtime && roll < 50)
        {
            return -1; // half of the runtime's functions are leaves
        }
        if (caller.Layer == Layer.Library && roll < 45)
        {
            return rng.Pick(_byPackage[caller.Package]); // a library mostly calls its own internals
        }
        var candidates = _calleesByLayer[(int)layer];
        return candidates.Count == 0 ? -1 : rng.Pick(candidates);
    }

    private int Fn(string name) => _index[name];

    private int Middleware(string name) => _index[$"github.com/acme/{Name}/internal/middleware.{name}.func1"];

    /// <summary>The frames a goroutine starts with, root first.</summary>
    private List<int> EntryChain(ref Rng rng, bool allocation)
    {
        var roll = rng.Next(100);
        if (allocation && roll >= 90)
        {
            roll = rng.Next(90);
        }
        var chain = new List<int> { Fn("runtime.goexit") };
        if (roll < (_grpc ? 35 : 62))
        {
            chain.AddRange([Fn("net/http.(*conn).serve"), Fn("net/http.serverHandler.ServeHTTP"),
                Fn("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp.NewHandler.func1"),
                Fn("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp.(*middleware).serveHTTP"),
                Fn("net/http.HandlerFunc.ServeHTTP"), Fn("github.com/go-chi/chi/v5.(*Mux).ServeHTTP")]);
            foreach (var m in new[] { "RequestID", "Recover", "Logging", "Auth", "Metrics" }.Take(rng.Between(1, 5)))
            {
                chain.Add(Middleware(m));
                chain.Add(Fn("net/http.HandlerFunc.ServeHTTP"));
            }
            chain.Add(Fn("github.com/go-chi/chi/v5.(*Mux).routeHTTP"));
            chain.Add(Fn("net/http.HandlerFunc.ServeHTTP"));
            chain.Add(rng.Pick(_handlers));
        }
        else if (roll < 62)
        {
            chain.AddRange([Fn("google.golang.org/grpc.(*Server).serveStreams.func2.1"), Fn("google.golang.org/grpc.(*Server).handleStream"),
                Fn("google.golang.org/grpc.(*Server).processUnaryRPC"), Fn("google.golang.org/grpc.chainUnaryInterceptors.func1")]);
            foreach (var m in new[] { "Recover", "Metrics", "Auth" }.Take(rng.Between(1, 3)))
            {
                chain.Add(Middleware(m));
                chain.Add(Fn("google.golang.org/grpc.getChainUnaryHandler.func1"));
            }
            chain.Add(rng.Pick(_handlers));
        }
        else if (roll < 80)
        {
            var worker = rng.Pick(_workers);
            chain.Add(worker);
            chain.Add(rng.Pick(_calleesByLayer[(int)Layer.Domain]));
        }
        else if (roll < 90)
        {
            chain.AddRange([Fn("net/http.(*persistConn).readLoop"), Fn("bufio.(*Reader).Peek"), Fn("bufio.(*Reader).fill"), Fn("net.(*conn).Read"),
                Fn("net.(*netFD).Read"), Fn("internal/poll.(*FD).Read")]);
        }
        else if (roll < 96)
        {
            chain.AddRange([Fn("runtime.gcBgMarkWorker"), Fn("runtime.systemstack"), Fn("runtime.gcBgMarkWorker.func2"),
                Fn("runtime.gcDrainMarkWorkerDedicated"), Fn("runtime.gcDrain")]);
            if (rng.Next(2) == 0)
            {
                chain.AddRange([Fn("runtime.markroot"), Fn("runtime.markrootBlock"), Fn("runtime.scanblock")]);
            }
            chain.Add(Fn("runtime.scanobject"));
        }
        else
        {
            chain.Clear();
            chain.AddRange([Fn("runtime.mstart"), Fn("runtime.mstart0"), Fn("runtime.mstart1"), Fn("runtime.schedule"), Fn("runtime.findRunnable")]);
            if (rng.Next(2) == 0)
            {
                chain.AddRange([Fn("runtime.stealWork"), Fn("runtime.checkTimers"), Fn("runtime.runtimer")]);
            }
            else
            {
                chain.AddRange([Fn("runtime.netpoll"), Fn("runtime.epollwait")]);
            }
        }
        return chain;
    }

    private int[][] Population(ref Rng rng, int size, bool allocation)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stacks = new List<int[]>(size);
        for (var attempt = 0; stacks.Count < size && attempt < size * 40; attempt++)
        {
            if (Walk(ref rng, allocation) is { } stack && seen.Add(string.Join(',', stack)))
            {
                stacks.Add(stack);
            }
        }
        return [.. stacks];
    }

    /// <summary>One stack: an entry chain, then callees chosen by weight down to a target depth or a leaf.</summary>
    private int[]? Walk(ref Rng rng, bool allocation)
    {
        var stack = EntryChain(ref rng, allocation);
        // Depths of real Go service stacks: most between 15 and 40, a tail to 60.
        var target = Math.Clamp(18 + (int)Math.Abs(rng.NextGaussian() * 20), MinDepth, MaxDepth);
        var current = stack[^1];
        while (stack.Count < target)
        {
            var callees = _callees[current];
            if (callees.Length == 0)
            {
                break;
            }
            var u = rng.NextDouble();
            var i = Array.BinarySearch(_calleeCdf[current], u);
            current = callees[Math.Min(i < 0 ? ~i : i, callees.Length - 1)];
            stack.Add(current);
        }
        if (allocation)
        {
            // Go's heap profile ends at the allocating function: the runtime's malloc frames are cut.
            while (stack.Count > 0 && Functions[stack[^1]].Layer is Layer.Runtime or Layer.Entry)
            {
                stack.RemoveAt(stack.Count - 1);
            }
        }
        return stack.Count is >= MinDepth and <= MaxDepth ? [.. stack] : null;
    }
}
