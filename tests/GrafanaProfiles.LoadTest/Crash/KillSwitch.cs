namespace GrafanaProfiles.LoadTest.Crash;

/// <summary>
/// Watches the data directory (inotify through FileSystemWatcher, every subdirectory) and, once
/// armed with a moment and a process, sends that process SIGKILL from the watcher's own thread the
/// instant a matching file change is reported: no hop through a queue or the thread pool, so the
/// kill lands while the operation that made the change is still going. Reads are watched in the
/// log's folder only (<c>wal/</c>, IN_ACCESS), from the first moment that asks for them on: in the
/// Parquet directories they would flood the watcher with every query's and compaction's reads.
/// </summary>
internal sealed partial class KillSwitch : IDisposable
{
    private readonly FileSystemWatcher _watcher;
    private FileSystemWatcher? _logReads;
    private readonly string _root;
    private readonly Lock _lock = new();
    private (KillMoment Moment, int Pid, TaskCompletionSource<string> Fired)? _armed;

    public KillSwitch(string dataDirectory)
    {
        _root = Path.GetFullPath(dataDirectory);
        _watcher = new FileSystemWatcher(_root)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName,
            InternalBufferSize = 64 * 1024,
        };
        _watcher.Created += (_, e) => Seen(FileChange.Created, e.FullPath);
        _watcher.Deleted += (_, e) => Seen(FileChange.Deleted, e.FullPath);
        _watcher.Renamed += (_, e) => Seen(FileChange.RenamedTo, e.FullPath);
        _watcher.Error += (_, e) => Console.Error.WriteLine($"crash: the data directory's watcher lost events: {e.GetException().Message}");
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>Kills <paramref name="pid"/> at the next change that matches <paramref name="moment"/>; the task gives the changed path (relative).</summary>
    public Task<string> Arm(KillMoment moment, int pid)
    {
        var fired = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (moment.Change == FileChange.Read && _logReads is null)
        {
            var log = Path.Combine(_root, "wal");
            Directory.CreateDirectory(log);
            _logReads = new FileSystemWatcher(log)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.LastAccess,
                InternalBufferSize = 64 * 1024,
            };
            _logReads.Changed += (_, e) => Seen(FileChange.Read, e.FullPath);
            _logReads.Error += (_, e) => Console.Error.WriteLine($"crash: the log folder's watcher lost events: {e.GetException().Message}");
            _logReads.EnableRaisingEvents = true;
        }
        lock (_lock)
        {
            _armed = (moment, pid, fired);
        }
        return fired.Task;
    }

    /// <summary>Stops waiting for the armed moment; true if it had not fired yet.</summary>
    public bool Disarm()
    {
        lock (_lock)
        {
            var wasArmed = _armed is not null;
            _armed = null;
            return wasArmed;
        }
    }

    private void Seen(FileChange change, string fullPath)
    {
        if (_armed is null)
        {
            return;
        }
        var relative = Path.GetRelativePath(_root, fullPath).Replace(Path.DirectorySeparatorChar, '/');
        lock (_lock)
        {
            if (_armed is not { } armed || !armed.Moment.Matches(change, relative))
            {
                return;
            }
            _ = Posix.kill(armed.Pid, Posix.SigKill);
            _armed = null;
            armed.Fired.TrySetResult(relative);
        }
    }

    public void Dispose()
    {
        _watcher.Dispose();
        _logReads?.Dispose();
    }

    internal static partial class Posix
    {
        public const int SigKill = 9;
        public const int SigTerm = 15;

        [System.Runtime.InteropServices.LibraryImport("libc", SetLastError = true)]
        internal static partial int kill(int pid, int signal);
    }
}
