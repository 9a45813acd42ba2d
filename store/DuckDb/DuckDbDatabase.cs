using DuckDB.NET.Data;
using DuckDB.NET.Native;

namespace GrafanaProfiles.Store.DuckDb;

/// <summary>
/// One DuckDB database instance (in memory unless a path is given), opened through DuckDB.NET's
/// ADO.NET provider. Thread-safe: connections may be opened from any thread; each connection is used
/// by one thread at a time. The database lives while this object or any of its connections is open.
/// </summary>
public sealed class DuckDbDatabase : IDisposable
{
    private const string InMemory = ":memory:";

    /// <summary>The first connection: it opens the database, and the others are made from it.</summary>
    private readonly DuckDBConnection _root;
    private readonly bool _inMemory;
    private int _disposed;

    private DuckDbDatabase(DuckDBConnection root, bool inMemory)
    {
        _root = root;
        _inMemory = inMemory;
    }

    /// <summary>Opens a database. <paramref name="settings"/> are DuckDB start-up options (threads, memory_limit, …).</summary>
    public static DuckDbDatabase Open(string? path = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        DuckDBConnection? root = null;
        try
        {
            root = new DuckDBConnection(ConnectionString(path, settings));
            // A database that is not shared: every Open of ":memory:" is a new one.
            root.Open();
            return new DuckDbDatabase(root, path is null);
        }
        catch (Exception e) when (e is DuckDB.NET.Data.DuckDBException or InvalidOperationException)
        {
            // DuckDB's refusal of a setting's value or of the path; DuckDB.NET's connection string
            // builder refuses a setting DuckDB does not know with an InvalidOperationException.
            root?.Dispose();
            throw new DuckDbException($"Opening DuckDB database '{path ?? InMemory}' failed: {e.Message}", e);
        }
    }

    /// <summary>
    /// The ADO.NET connection string: the data source, then every setting, which DuckDB.NET passes
    /// to duckdb_open_ext as configuration. The builder writes an empty value as <c>name=</c>, which
    /// reads back as no setting at all, so an empty one (<c>temp_directory</c>: no spilling) is
    /// written quoted.
    /// </summary>
    internal static string ConnectionString(string? path, IReadOnlyDictionary<string, string>? settings)
    {
        var builder = new DuckDBConnectionStringBuilder { DataSource = path ?? InMemory };
        var empty = new List<string>();
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            if (value.Length == 0)
            {
                empty.Add(name);
            }
            else
            {
                builder[name] = value;
            }
        }
        return builder.ConnectionString + string.Concat(empty.Select(name => $";{name}=\"\""));
    }

    /// <summary>The version of the loaded libduckdb, e.g. <c>v1.5.6</c>.</summary>
    public static string LibraryVersion => NativeMethods.Startup.DuckDBLibraryVersion() ?? "unknown";

    public DuckDbConnection Connect()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        // In memory, a duplicate of the first connection reaches the same database; a file's
        // database is shared by path.
        var connection = _inMemory ? _root.Duplicate() : new DuckDBConnection(_root.ConnectionString);
        try
        {
            connection.Open();
            return new DuckDbConnection(connection);
        }
        catch (DuckDB.NET.Data.DuckDBException e)
        {
            connection.Dispose();
            throw new DuckDbException($"Connecting to the DuckDB database failed: {e.Message}", e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _root.Dispose();
        }
    }
}
