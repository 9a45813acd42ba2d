using GrafanaProfiles.Store.Query;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Backend.Settings;

/// <summary>
/// One configured data source (one Grafana data source uid): its settings and the store reader over
/// its data directory. Built once per settings version and shared by all queries of the data source.
/// </summary>
public sealed class DataSourceInstance : IDisposable
{
    public DataSourceInstance(string uid, long settingsVersion, PluginSettings settings, ILogger? log = null)
    {
        Uid = uid;
        SettingsVersion = settingsVersion;
        Settings = settings;
        DataDirectory = Path.GetFullPath(settings.DataDirectory);
        Reader = new ProfileReader(DataDirectory, new ReaderOptions
        {
            MemoryLimit = settings.MemoryLimit,
            QueryTimeout = settings.QueryTimeout,
            MinStep = settings.MinStep,
            UseRollups = settings.UseRollups,
        }, log);
    }

    public string Uid { get; }

    /// <summary>Grafana's <c>lastUpdatedMS</c> of the settings this instance was built from.</summary>
    public long SettingsVersion { get; }

    public PluginSettings Settings { get; }

    /// <summary>The absolute data directory.</summary>
    public string DataDirectory { get; }

    /// <summary>The directory of this data source's tenant: the only files its queries may read.</summary>
    public string TenantDirectory => Path.Combine(DataDirectory, $"tenant={Settings.Tenant}");

    public ProfileReader Reader { get; }

    public void Dispose() => Reader.Dispose();
}
