using System.Security.Cryptography;
using GrafanaProfiles.Schema.PluginV2;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Backend.Settings;

/// <summary>
/// One <see cref="DataSourceInstance"/> per data source uid, rebuilt when its settings change (Grafana's
/// <c>lastUpdatedMS</c>, or different JSON). A replaced instance is disposed once the queries that
/// hold a lease on it have finished.
/// </summary>
public sealed class InstanceManager(PluginEnvironment environment, ILogger logger) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _instances = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _instances.Count;
            }
        }
    }

    /// <summary>
    /// The instance for the request's data source, built or rebuilt as needed. Throws
    /// <see cref="SettingsException"/> when the settings are missing or wrong.
    /// </summary>
    public Lease Acquire(PluginContext? context)
    {
        var settings = context?.DataSourceInstanceSettings
            ?? throw new SettingsException("dataSourceInstanceSettings", "The request carries no data source settings; this plugin is a data source.");
        string key = settings.Uid.Length > 0 ? settings.Uid : "id:" + settings.Id;
        ulong fingerprint = Fingerprint(settings);
        Entry? retired = null;
        Lease lease;
        lock (_gate)
        {
            if (!_instances.TryGetValue(key, out var entry) || entry.Fingerprint != fingerprint)
            {
                var parsed = PluginSettings.Parse(settings.JsonData.Span, settings.DecryptedSecureJsonData);
                environment.Check(parsed);
                var fresh = new Entry(new DataSourceInstance(key, settings.LastUpdatedMS, parsed, logger), fingerprint);
                retired = entry;
                _instances[key] = fresh;
                entry = fresh;
                logger.LogInformation("Data source {Uid} ({Name}) opened: data directory {DataDirectory}, tenant {Tenant}",
                    key, settings.Name, fresh.Instance.DataDirectory, parsed.Tenant);
            }
            lease = entry.Take();
            retired?.Retire();
        }
        return lease;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var entry in _instances.Values)
            {
                entry.Retire();
            }
            _instances.Clear();
        }
    }

    private static ulong Fingerprint(DataSourceInstanceSettings settings)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(BitConverter.GetBytes(settings.LastUpdatedMS));
        hash.AppendData(settings.JsonData.Span);
        foreach (var (k, v) in settings.DecryptedSecureJsonData.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(k + "\0" + v + "\0"));
        }
        return BitConverter.ToUInt64(hash.GetHashAndReset(), 0);
    }

    /// <summary>A query's hold on an instance; dispose when the query is done.</summary>
    public sealed class Lease : IDisposable
    {
        private readonly Entry _entry;
        private int _released;

        internal Lease(Entry entry) => _entry = entry;

        public DataSourceInstance Instance => _entry.Instance;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                _entry.Release();
            }
        }
    }

    internal sealed class Entry(DataSourceInstance instance, ulong fingerprint)
    {
        private int _leases;
        private bool _retired;
        private int _disposed;

        public DataSourceInstance Instance { get; } = instance;

        public ulong Fingerprint { get; } = fingerprint;

        public Lease Take()
        {
            Interlocked.Increment(ref _leases);
            return new Lease(this);
        }

        public void Release()
        {
            if (Interlocked.Decrement(ref _leases) == 0 && Volatile.Read(ref _retired))
            {
                DisposeOnce();
            }
        }

        public void Retire()
        {
            Volatile.Write(ref _retired, true);
            if (Volatile.Read(ref _leases) == 0)
            {
                DisposeOnce();
            }
        }

        private void DisposeOnce()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Instance.Dispose();
            }
        }
    }
}
