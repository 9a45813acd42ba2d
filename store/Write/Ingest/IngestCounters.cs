namespace GrafanaProfiles.Store.Ingest;

/// <summary>
/// How often the ingest paths of this process inflated gzip and parsed a pprof profile: an upload
/// should cost one of each (a gzipped pprof, inflated by <see cref="GzipInflater"/> and read by
/// the pprof decoder's table pass or by an API's summary walk). Hosts export them as metrics; tests
/// count with them. One interlocked increment per inflation or parse.
/// </summary>
public static class IngestCounters
{
    private static long _inflations;
    private static long _pprofParses;

    /// <summary>Inflations by <see cref="GzipInflater"/> since the process started.</summary>
    public static long Inflations => Interlocked.Read(ref _inflations);

    /// <summary>Passes over a pprof profile's protobuf since the process started.</summary>
    public static long PprofParses => Interlocked.Read(ref _pprofParses);

    internal static void CountInflation() => Interlocked.Increment(ref _inflations);

    /// <summary>Counts one pass over a pprof profile's protobuf (the decoder's, or a caller's own walk).</summary>
    public static void CountPprofParse() => Interlocked.Increment(ref _pprofParses);
}
