namespace GrafanaProfiles.Benchmarks.Dataset;

/// <summary>Where a function sits in a Go service's call tree; calls go from a layer to the same or a deeper one.</summary>
internal enum Layer
{
    /// <summary>Goroutine entry frames (runtime.goexit, net/http.(*conn).serve, grpc server loops).</summary>
    Entry,
    /// <summary>Request handlers of the service.</summary>
    Handler,
    /// <summary>The service's own domain code (services, repositories, clients).</summary>
    Domain,
    /// <summary>Libraries with their own internals (encoding/json, pgx, grpc, zap, …).</summary>
    Library,
    /// <summary>Small standard packages (bytes, strings, strconv, reflect, sync, fmt, …).</summary>
    Basic,
    /// <summary>The Go runtime and system calls.</summary>
    Runtime,
}

/// <summary>A function as a Go binary's symbol table names it.</summary>
internal sealed record FunctionDef(string Name, string File, int StartLine, Layer Layer, string Package);

/// <summary>
/// Realistic Go function names: the standard library, common third-party libraries and the runtime
/// (shared by all services, as they are in real fleets), plus per-service application code.
/// </summary>
internal static class FunctionCatalog
{
    private const string GoRoot = "/usr/local/go/src/";
    private const string ModCache = "/root/go/pkg/mod/";

    /// <summary>Library packages and their functions; a service links a subset of them.</summary>
    public static readonly (string Package, string Module, string[] Functions)[] Libraries =
    [
        ("encoding/json", "", ["Marshal", "Unmarshal", "(*decodeState).object", "(*decodeState).value", "(*decodeState).array", "(*decodeState).literalStore",
            "(*decodeState).unmarshal", "(*encodeState).marshal", "(*encodeState).reflectValue", "structEncoder.encode", "mapEncoder.encode",
            "sliceEncoder.encode", "(*Decoder).Decode", "checkValid", "(*scanner).step", "stateInString", "typeFields", "cachedTypeFields"]),
        ("database/sql", "", ["(*DB).QueryContext", "(*DB).query", "(*DB).conn", "(*DB).ExecContext", "(*Rows).Next", "(*Rows).Scan", "convertAssignRows",
            "(*Tx).ExecContext", "(*DB).BeginTx", "(*driverConn).releaseConn", "withLock", "ctxDriverQuery"]),
        ("github.com/jackc/pgx/v5/pgconn", "github.com/jackc/pgx/v5@v5.5.5/pgconn/", ["(*PgConn).ExecParams", "(*PgConn).receiveMessage", "(*PgConn).peekMessage",
            "(*ResultReader).NextRow", "(*ResultReader).Read", "(*PgConn).flushWithPotentialWriteReadDeadlock", "(*MultiResultReader).NextResult"]),
        ("github.com/jackc/pgx/v5/pgproto3", "github.com/jackc/pgx/v5@v5.5.5/pgproto3/", ["(*Frontend).Receive", "(*chunkReader).Next", "(*DataRow).Decode",
            "(*Bind).Encode", "(*RowDescription).Decode"]),
        ("github.com/jackc/pgx/v5/stdlib", "github.com/jackc/pgx/v5@v5.5.5/stdlib/", ["(*Conn).QueryContext", "(*Rows).Next", "(*Conn).ExecContext"]),
        ("github.com/redis/go-redis/v9", "github.com/redis/go-redis/v9@v9.5.1/", ["(*Client).Process", "(*baseClient).process", "(*baseClient).withConn",
            "(*baseClient)._process", "cmdable.Get", "cmdable.Set", "(*StringCmd).readReply", "(*Pipeline).Exec", "(*baseClient).pipelineProcessCmds"]),
        ("github.com/redis/go-redis/v9/internal/proto", "github.com/redis/go-redis/v9@v9.5.1/internal/proto/", ["(*Reader).ReadReply", "(*Reader).readLine",
            "(*Writer).WriteArgs", "(*Reader).readStringReply"]),
        ("go.uber.org/zap", "go.uber.org/zap@v1.27.0/", ["(*Logger).Info", "(*Logger).Debug", "(*Logger).check", "(*SugaredLogger).log", "(*Logger).Error"]),
        ("go.uber.org/zap/zapcore", "go.uber.org/zap@v1.27.0/zapcore/", ["(*CheckedEntry).Write", "(*ioCore).Write", "(*jsonEncoder).EncodeEntry",
            "(*jsonEncoder).AppendString", "(*jsonEncoder).safeAddString", "(*lockedWriteSyncer).Write", "(*ObjectEncoder).AddString", "Field.AddTo"]),
        ("google.golang.org/protobuf/internal/impl", "google.golang.org/protobuf@v1.33.0/internal/impl/", ["(*MessageInfo).marshal", "(*MessageInfo).unmarshalPointer",
            "(*MessageInfo).sizePointer", "consumeStringValidateUTF8", "appendStringValidateUTF8", "(*MessageInfo).marshalAppendPointer", "consumeMessageInfo"]),
        ("google.golang.org/protobuf/proto", "google.golang.org/protobuf@v1.33.0/proto/", ["MarshalOptions.marshal", "UnmarshalOptions.unmarshal", "Size", "Marshal"]),
        ("google.golang.org/grpc", "google.golang.org/grpc@v1.62.1/", ["(*Server).handleStream", "(*Server).processUnaryRPC", "(*Server).sendResponse",
            "(*ClientConn).Invoke", "invoke", "(*clientStream).SendMsg", "(*clientStream).RecvMsg", "recvAndDecompress", "recv", "encode",
            "chainUnaryInterceptors.func1", "getChainUnaryHandler.func1"]),
        ("google.golang.org/grpc/internal/transport", "google.golang.org/grpc@v1.62.1/internal/transport/", ["(*http2Server).operateHeaders", "(*http2Server).HandleStreams",
            "(*loopyWriter).run", "(*loopyWriter).processData", "(*bufWriter).Flush", "(*http2Client).reader", "(*controlBuffer).get", "(*recvBufferReader).Read"]),
        ("golang.org/x/net/http2", "golang.org/x/net@v0.22.0/http2/", ["(*Framer).ReadFrame", "(*Framer).WriteData", "(*Framer).writeHeaders", "readFrameHeader",
            "(*Framer).endWrite"]),
        ("net/http", "", ["(*Client).Do", "(*Client).do", "(*Transport).RoundTrip", "(*Transport).roundTrip", "(*persistConn).readLoop", "(*persistConn).writeLoop",
            "(*persistConn).roundTrip", "(*response).Write", "(*response).finishRequest", "(*chunkWriter).Write", "Header.writeSubset", "(*conn).readRequest",
            "readRequest", "(*Request).write", "ReadResponse"]),
        ("crypto/tls", "", ["(*Conn).Read", "(*Conn).Write", "(*Conn).readRecord", "(*Conn).readRecordOrCCS", "(*Conn).writeRecordLocked", "(*halfConn).decrypt",
            "(*halfConn).encrypt", "(*Conn).HandshakeContext", "(*clientHandshakeStateTLS13).handshake"]),
        ("crypto/aes", "", ["(*gcmAsm).Seal", "(*gcmAsm).Open", "gcmAesEnc", "gcmAesDec"]),
        ("crypto/sha256", "", ["(*digest).Write", "block", "(*digest).checkSum", "Sum256"]),
        ("compress/gzip", "", ["(*Writer).Write", "(*Reader).Read", "NewWriterLevel", "(*Writer).Close"]),
        ("compress/flate", "", ["(*compressor).deflate", "(*compressor).write", "(*decompressor).huffmanBlock", "(*decompressor).Read", "(*huffmanBitWriter).writeBlock",
            "(*compressor).findMatch", "NewWriter"]),
        ("go.opentelemetry.io/otel/sdk/trace", "go.opentelemetry.io/otel/sdk@v1.24.0/trace/", ["(*tracer).Start", "(*recordingSpan).End", "(*batchSpanProcessor).OnEnd",
            "(*recordingSpan).SetAttributes", "(*tracer).newSpan", "(*batchSpanProcessor).processQueue", "(*recordingSpan).snapshot"]),
        ("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp", "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp@v0.49.0/",
            ["(*middleware).serveHTTP", "(*Transport).RoundTrip", "(*bodyWrapper).Read", "NewHandler.func1"]),
        ("github.com/prometheus/client_golang/prometheus", "github.com/prometheus/client_golang@v1.19.0/prometheus/", ["(*histogram).Observe", "(*counter).Inc",
            "(*HistogramVec).WithLabelValues", "(*MetricVec).GetMetricWithLabelValues", "(*metricMap).getOrCreateMetricWithLabelValues", "(*Registry).Gather",
            "processMetric"]),
        ("github.com/go-chi/chi/v5", "github.com/go-chi/chi/v5@v5.0.12/", ["(*Mux).ServeHTTP", "(*Mux).routeHTTP", "(*node).FindRoute", "(*node).findRoute"]),
        ("regexp", "", ["(*Regexp).FindStringSubmatch", "(*Regexp).doExecute", "(*Regexp).backtrack", "(*Regexp).doOnePass", "(*Regexp).MatchString", "(*machine).step",
            "(*Regexp).ReplaceAllString"]),
        ("html/template", "", ["(*Template).Execute", "(*escaper).escape", "htmlEscaper", "(*state).walk"]),
        ("github.com/golang-jwt/jwt/v5", "github.com/golang-jwt/jwt/v5@v5.2.1/", ["(*Parser).ParseWithClaims", "(*Parser).ParseUnverified", "(*SigningMethodRSA).Verify",
            "(*Token).SignedString"]),
        ("crypto/rsa", "", ["VerifyPKCS1v15", "SignPKCS1v15", "decrypt", "(*PrivateKey).Precompute"]),
        ("math/big", "", ["nat.expNN", "nat.montgomery", "addMulVVW", "nat.div", "mulAddVWW"]),
    ];

    /// <summary>Small standard packages that everything calls.</summary>
    public static readonly (string Package, string[] Functions)[] Basics =
    [
        ("bytes", ["(*Buffer).Write", "(*Buffer).WriteString", "(*Buffer).grow", "(*Buffer).WriteByte", "(*Buffer).tryGrowByReslice", "growSlice", "IndexByte", "Equal"]),
        ("strings", ["(*Builder).WriteString", "(*Builder).grow", "Index", "Split", "genSplit", "Join", "ToLower", "Replace", "TrimSpace", "HasPrefix", "EqualFold", "Fields"]),
        ("strconv", ["Itoa", "FormatInt", "formatBits", "AppendInt", "ParseInt", "ParseFloat", "Quote", "appendQuotedWith", "fmtF", "AppendFloat"]),
        ("fmt", ["Sprintf", "Fprintf", "(*pp).doPrintf", "(*pp).printArg", "(*fmt).fmtInteger", "(*pp).printValue", "(*buffer).writeString", "Errorf"]),
        ("reflect", ["Value.Field", "Value.Interface", "valueInterface", "(*rtype).Elem", "Value.Index", "New", "copyVal", "Value.SetString", "unsafe_New", "typedmemmove"]),
        ("sync", ["(*Mutex).Lock", "(*Mutex).Unlock", "(*Mutex).lockSlow", "(*Pool).Get", "(*Pool).Put", "(*Pool).getSlow", "(*RWMutex).RLock", "(*Once).Do", "(*Map).Load"]),
        ("sort", ["Sort", "pdqsort", "insertionSort", "Slice", "Strings", "Search"]),
        ("time", ["Now", "Since", "Time.Format", "Time.AppendFormat", "(*Timer).Reset", "Parse", "appendInt"]),
        ("context", ["WithCancel", "WithTimeout", "(*cancelCtx).Done", "propagateCancel", "(*valueCtx).Value", "value"]),
        ("bufio", ["(*Reader).Read", "(*Reader).fill", "(*Writer).Flush", "(*Writer).Write", "(*Reader).ReadSlice", "(*Reader).Peek"]),
        ("io", ["ReadAll", "ReadFull", "ReadAtLeast", "Copy", "copyBuffer"]),
        ("unicode/utf8", ["ValidString", "DecodeRuneInString", "RuneCountInString", "EncodeRune"]),
        ("encoding/base64", ["(*Encoding).Encode", "(*Encoding).DecodeString", "(*Encoding).decodeQuantum"]),
        ("encoding/binary", ["Read", "(*littleEndian).Uint64", "AppendUvarint"]),
        ("math/rand", ["(*Rand).Int63", "(*rngSource).Uint64", "Intn"]),
    ];

    /// <summary>The runtime and system calls: the leaves of most CPU stacks.</summary>
    public static readonly string[] Runtime =
    [
        "runtime.mallocgc", "runtime.memmove", "runtime.memclrNoHeapPointers", "runtime.mapaccess1_faststr", "runtime.mapaccess2_faststr", "runtime.mapassign_faststr",
        "runtime.mapaccess2", "runtime.mapassign", "runtime.growslice", "runtime.newobject", "runtime.makeslice", "runtime.makemap", "runtime.concatstrings",
        "runtime.slicebytetostring", "runtime.stringtoslicebyte", "runtime.gcWriteBarrier", "runtime.wbBufFlush", "runtime.wbBufFlush1", "runtime.bulkBarrierPreWrite",
        "runtime.typedmemmove", "runtime.heapBitsSetType", "runtime.nextFreeFast", "runtime.(*mcache).nextFree", "runtime.(*mcache).refill",
        "runtime.(*mcentral).cacheSpan", "runtime.(*mcentral).grow", "runtime.(*mheap).alloc", "runtime.(*mheap).allocSpan", "runtime.(*mspan).init",
        "runtime.sweepone", "runtime.(*sweepLocked).sweep", "runtime.aeshashbody", "runtime.memequal", "runtime.cmpstring", "runtime.selectgo", "runtime.chansend",
        "runtime.chanrecv", "runtime.chanrecv1", "runtime.lock2", "runtime.unlock2", "runtime.procyield", "runtime.futex", "runtime.futexsleep",
        "runtime.futexwakeup", "runtime.notewakeup", "runtime.wakep", "runtime.ready", "runtime.goready", "runtime.casgstatus", "runtime.nanotime1",
        "runtime.usleep", "runtime.madvise", "runtime.asyncPreempt", "runtime.morestack", "runtime.newstack", "runtime.copystack", "runtime.deductAssistCredit",
        "runtime.gcAssistAlloc", "runtime.gcAssistAlloc1", "runtime.convTstring", "runtime.convT64", "runtime.assertE2I2", "runtime.getitab",
        "runtime.mapiternext", "runtime.mapiterinit", "runtime.findObject", "runtime.greyobject", "runtime.scanobject", "runtime.scanblock",
        "runtime.markBits.setMarked", "runtime.pageIndexOf", "runtime.spanOf", "runtime.(*gcWork).tryGet", "runtime.(*gcWork).put",
        "syscall.Syscall", "syscall.read", "syscall.write", "internal/runtime/syscall.Syscall6", "internal/poll.(*FD).Read", "internal/poll.(*FD).Write",
        "internal/poll.ignoringEINTRIO", "internal/poll.(*pollDesc).wait", "internal/poll.runtime_pollWait", "runtime.netpollblock", "runtime.gopark",
        "runtime.mcall", "runtime.park_m", "runtime.schedule", "runtime.findRunnable", "runtime.netpoll", "runtime.epollwait", "runtime.stopm",
        "runtime.notesleep", "runtime.runqgrab", "runtime.stealWork", "runtime.checkTimers", "runtime.runtimer", "runtime.execute", "runtime.gogo",
        "net.(*conn).Read", "net.(*conn).Write", "net.(*netFD).Read", "net.(*netFD).Write",
    ];

    /// <summary>Runtime functions that are goroutine roots or scheduler/GC internals, never called from application code.</summary>
    public static readonly string[] RuntimeEntries =
    [
        "runtime.goexit", "runtime.main", "runtime.mstart", "runtime.mstart0", "runtime.mstart1", "runtime.systemstack", "runtime.gcBgMarkWorker",
        "runtime.gcBgMarkWorker.func2", "runtime.gcDrain", "runtime.gcDrainMarkWorkerDedicated", "runtime.markroot", "runtime.markrootBlock",
        "runtime.bgsweep", "runtime.bgscavenge", "runtime.sysmon", "runtime.(*scavengerState).run", "runtime.(*pageAlloc).scavenge",
        "net/http.(*conn).serve", "net/http.serverHandler.ServeHTTP", "net/http.HandlerFunc.ServeHTTP", "net/http.(*ServeMux).ServeHTTP",
        "net/http.(*Server).Serve", "google.golang.org/grpc.(*Server).serveStreams.func2.1", "google.golang.org/grpc.(*Server).serveStreams.func2",
        "main.main", "main.run",
    ];

    private static readonly string[] AppPackages =
    [
        "api", "handlers", "orders", "cart", "payments", "inventory", "users", "auth", "store", "cache", "events", "pricing", "search", "catalog", "shipping",
        "notifications", "billing", "sessions", "recommendations", "reports",
    ];

    private static readonly string[] AppTypes = ["(*Server)", "(*Service)", "(*Repository)", "(*Handler)", "(*Client)", "(*Worker)", "(*Cache)", ""];

    private static readonly string[] Verbs =
    [
        "Get", "List", "Create", "Update", "Delete", "Validate", "Process", "Handle", "Fetch", "Load", "Save", "Compute", "Apply", "Resolve", "Build",
        "Render", "Encode", "Decode", "Publish", "Consume", "Merge", "Refresh", "Check", "Sync",
    ];

    private static readonly string[] Nouns =
    [
        "Order", "Cart", "Item", "User", "Session", "Price", "Quote", "Event", "Batch", "Page", "Token", "Invoice", "Stock", "Discount", "Address",
        "Shipment", "Payment", "Receipt", "Rule", "Profile", "Query", "Result", "Report", "Feed",
    ];

    public static string LibraryFile(string package, string module, string function)
    {
        var file = FileStem(package, function);
        return module.Length == 0 ? $"{GoRoot}{package}/{file}.go" : $"{ModCache}{module}{file}.go";
    }

    public static string BasicFile(string package, string function) => $"{GoRoot}{package}/{FileStem(package, function)}.go";

    public static string RuntimeFile(string name)
    {
        var dot = name.LastIndexOf('.');
        var package = name[..dot].Replace("(*", "", StringComparison.Ordinal);
        var pkg = package.Contains('(', StringComparison.Ordinal) ? package[..package.IndexOf('(', StringComparison.Ordinal)] : package;
        var stem = pkg.EndsWith("runtime", StringComparison.Ordinal) ? RuntimeStem(name) : "fd_unix";
        return $"{GoRoot}{pkg.TrimEnd('.')}/{stem}.go";
    }

    private static string RuntimeStem(string name) => name switch
    {
        _ when name.Contains("malloc", StringComparison.Ordinal) || name.Contains("mcache", StringComparison.Ordinal) => "malloc",
        _ when name.Contains("map", StringComparison.Ordinal) => "map_faststr",
        _ when name.Contains("gc", StringComparison.OrdinalIgnoreCase) || name.Contains("scan", StringComparison.Ordinal) || name.Contains("mark", StringComparison.OrdinalIgnoreCase) => "mgcmark",
        _ when name.Contains("chan", StringComparison.Ordinal) || name.Contains("select", StringComparison.Ordinal) => "chan",
        _ when name.Contains("futex", StringComparison.Ordinal) || name.Contains("lock", StringComparison.Ordinal) || name.Contains("note", StringComparison.Ordinal) => "lock_futex",
        _ when name.Contains("sched", StringComparison.Ordinal) || name.Contains("park", StringComparison.Ordinal) || name.Contains("Runnable", StringComparison.Ordinal) => "proc",
        _ when name.Contains("mem", StringComparison.Ordinal) => "memmove_amd64",
        _ => "runtime2",
    };

    /// <summary>Methods live in a file named after their receiver type, functions in one named after the package (as Go code is laid out).</summary>
    private static string FileStem(string package, string function)
    {
        if (function.StartsWith('(') || function.Contains('.', StringComparison.Ordinal))
        {
            var receiver = function.TrimStart('(', '*');
            var end = receiver.IndexOfAny([')', '.']);
            return receiver[..end].ToLowerInvariant();
        }
        return package[(package.LastIndexOf('/') + 1)..].Replace(".", "", StringComparison.Ordinal);
    }

    /// <summary>Application functions of one service: package-qualified methods under its module path.</summary>
    public static List<(string Name, string File, bool IsHandler)> AppFunctions(string service, ref Rng rng, int handlers, int domain)
    {
        var result = new List<(string, string, bool)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var module = $"github.com/acme/{service}";
        while (result.Count < handlers + domain)
        {
            var isHandler = result.Count < handlers;
            var package = isHandler ? "api" : rng.Pick(AppPackages);
            var type = isHandler ? "(*Server)" : rng.Pick(AppTypes);
            var method = rng.Pick(Verbs) + rng.Pick(Nouns) + (isHandler ? "" : rng.Next(4) == 0 ? "s" : "");
            var qualified = type.Length == 0 ? $"{module}/internal/{package}.{method}" : $"{module}/internal/{package}.{type}.{method}";
            if (rng.Next(10) == 0 && !isHandler)
            {
                qualified += ".func1"; // closures are everywhere in Go stacks
            }
            if (seen.Add(qualified))
            {
                var file = $"/app/internal/{package}/{(type.Length == 0 ? package : type.Trim('(', '*', ')').ToLowerInvariant())}.go";
                result.Add((qualified, file, isHandler));
            }
        }
        return result;
    }
}
