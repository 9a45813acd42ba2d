namespace GrafanaProfiles.Store.DuckDb;

/// <summary>Bulk insert into a table, a whole data chunk at a time.</summary>
public sealed class DuckDbAppender : IDisposable
{
    private IntPtr _appender;
    private readonly string _table;

    internal DuckDbAppender(IntPtr appender, string table)
    {
        _appender = appender;
        _table = table;
    }

    private IntPtr Handle => _appender != IntPtr.Zero ? _appender : throw new ObjectDisposedException(nameof(DuckDbAppender));

    public void Append(DuckDbChunkWriter chunk)
    {
        if (Native.duckdb_append_data_chunk(Handle, chunk.Handle) != DuckDbState.Success)
        {
            throw Error("Appending a chunk");
        }
    }

    public void Flush()
    {
        if (Native.duckdb_appender_flush(Handle) != DuckDbState.Success)
        {
            throw Error("Flushing the appender");
        }
    }

    private DuckDbException Error(string what) =>
        new($"{what} to table '{_table}' failed: {Native.PtrToString(Native.duckdb_appender_error(Handle)) ?? "unknown error"}");

    public void Dispose()
    {
        if (_appender != IntPtr.Zero)
        {
            // Destroy flushes what is left; a failure there was already reported by Flush.
            Native.duckdb_appender_destroy(ref _appender);
            _appender = IntPtr.Zero;
        }
    }
}
