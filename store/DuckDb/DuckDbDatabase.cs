using System.Runtime.InteropServices;

namespace GrafanaProfiles.Store.DuckDb;

/// <summary>
/// One DuckDB database instance (in memory unless a path is given). Thread-safe: connections may be
/// opened from any thread; each connection is used by one thread at a time.
/// </summary>
public sealed class DuckDbDatabase : IDisposable
{
    private readonly DatabaseHandle _handle;

    private DuckDbDatabase(DatabaseHandle handle) => _handle = handle;

    /// <summary>Opens a database. <paramref name="settings"/> are DuckDB start-up options (threads, memory_limit, …).</summary>
    public static DuckDbDatabase Open(string? path = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        Native.duckdb_create_config(out var config);
        try
        {
            if (settings is not null)
            {
                foreach (var (name, value) in settings)
                {
                    if (Native.duckdb_set_config(config, name, value) != DuckDbState.Success)
                    {
                        throw new DuckDbException($"DuckDB rejected setting '{name}' = '{value}'.");
                    }
                }
            }
            if (Native.duckdb_open_ext(path, out var db, config, out var error) != DuckDbState.Success)
            {
                var message = Native.PtrToString(error) ?? "unknown error";
                if (error != IntPtr.Zero)
                {
                    Native.duckdb_free(error);
                }
                throw new DuckDbException($"Opening DuckDB database '{path ?? ":memory:"}' failed: {message}");
            }
            var handle = new DatabaseHandle();
            Marshal.InitHandle(handle, db);
            return new DuckDbDatabase(handle);
        }
        finally
        {
            Native.duckdb_destroy_config(ref config);
        }
    }

    /// <summary>The version of the loaded libduckdb, e.g. <c>v1.5.6</c>.</summary>
    public static string LibraryVersion => Native.PtrToString(Native.duckdb_library_version()) ?? "unknown";

    public DuckDbConnection Connect()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        var added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            if (Native.duckdb_connect(_handle.DangerousGetHandle(), out var conn) != DuckDbState.Success)
            {
                throw new DuckDbException("Connecting to the DuckDB database failed.");
            }
            return new DuckDbConnection(conn, _handle);
        }
        catch
        {
            _handle.DangerousRelease();
            throw;
        }
    }

    public void Dispose() => _handle.Dispose();

    internal sealed class DatabaseHandle : SafeHandle
    {
        public DatabaseHandle() : base(IntPtr.Zero, ownsHandle: true) { }
        public override bool IsInvalid => handle == IntPtr.Zero;
        protected override bool ReleaseHandle()
        {
            var h = handle;
            Native.duckdb_close(ref h);
            return true;
        }
    }
}
