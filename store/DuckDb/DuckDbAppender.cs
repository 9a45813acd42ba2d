using DuckDB.NET.Native;

namespace GrafanaProfiles.Store.DuckDb;

/// <summary>Bulk insert into a table, a whole data chunk at a time.</summary>
internal sealed class DuckDbAppender : IDisposable
{
    private readonly DuckDBAppender _appender;
    private readonly string _table;

    internal DuckDbAppender(DuckDBAppender appender, string table)
    {
        _appender = appender;
        _table = table;
    }

    private DuckDBAppender Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_appender.IsClosed, this);
            return _appender;
        }
    }

    /// <summary>DuckDB's message for the appender's last failure.</summary>
    internal string ErrorMessage
    {
        get
        {
            if (_appender.IsInvalid)
            {
                return "unknown error";
            }
            using var error = NativeMethods.Appender.DuckDBAppenderErrorData(_appender);
            return error.IsInvalid ? "unknown error" : NativeMethods.ErrorData.DuckDBErrorDataMessage(error) ?? "unknown error";
        }
    }

    public void Append(DuckDbChunkWriter chunk)
    {
        if (NativeMethods.Appender.DuckDBAppendDataChunk(Handle, chunk.Handle) != DuckDBState.Success)
        {
            throw Error("Appending a chunk");
        }
    }

    /// <summary>
    /// Appends one row per item, <paramref name="setRow"/> writing it into <paramref name="chunk"/>
    /// at a row index; the chunk goes to the table each time it is full and once at the end, then
    /// the appender is flushed.
    /// </summary>
    public void AppendRows<T>(DuckDbChunkWriter chunk, IEnumerable<T> items, Action<DuckDbChunkWriter, int, T> setRow)
    {
        var row = 0;
        foreach (var item in items)
        {
            setRow(chunk, row, item);
            if (++row == chunk.Capacity)
            {
                chunk.RowCount = row;
                Append(chunk);
                chunk.Reset();
                row = 0;
            }
        }
        chunk.RowCount = row;
        Append(chunk);
        Flush();
    }

    public void Flush()
    {
        if (NativeMethods.Appender.DuckDBAppenderFlush(Handle) != DuckDBState.Success)
        {
            throw Error("Flushing the appender");
        }
    }

    private DuckDbException Error(string what) => new($"{what} to table '{_table}' failed: {ErrorMessage}");

    /// <summary>Destroys the appender, which flushes what is left; a failure there was already reported by <see cref="Flush"/>.</summary>
    public void Dispose() => _appender.Dispose();
}
