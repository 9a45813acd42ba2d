using GrafanaProfiles.Collector.Ingest;
using GrafanaProfiles.Collector.Rules;
using GrafanaProfiles.Collector.Rules.RemoteWrite;
using GrafanaProfiles.Collector.Scrape;
using GrafanaProfiles.Collector.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Collector.Hosting;

/// <summary>Builds the collector service: Kestrel, settings, the store, the ingest APIs, health and metrics.</summary>
public static class CollectorHost
{
    public const string EnvironmentPrefix = "GP_";

    /// <summary>Loads settings: defaults, then the JSON config file, then GP_* variables, then the given overrides (command line).</summary>
    public static (CollectorSettings Settings, IConfiguration Configuration) LoadSettings(string? configFile, IReadOnlyDictionary<string, string?> overrides)
    {
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
            {
                throw new SettingsException($"The config file '{configFile}' does not exist.");
            }
            builder.AddJsonFile(Path.GetFullPath(configFile), optional: false);
        }
        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddInMemoryCollection(overrides);
        var configuration = builder.Build();
        var settings = new CollectorSettings();
        try
        {
            configuration.Bind(settings, o => o.ErrorOnUnknownConfiguration = false);
        }
        catch (InvalidOperationException e)
        {
            throw new SettingsException("A setting has a value of the wrong type: " + e.Message);
        }
        settings.Validate();
        try
        {
            var scrape = configuration.GetSection("scrape");
            settings.ScrapeJobs = scrape.Exists() ? ScrapeConfig.Resolve(ScrapeConfig.Bind(scrape), "scrape", settings.Limits.ToIngestLimits()) : [];
        }
        catch (ScrapeConfigException e)
        {
            throw new SettingsException(string.Join(Environment.NewLine, e.Errors));
        }
        try
        {
            var rules = configuration.GetSection(RecordingRulesConfig.Section);
            settings.RecordingRules = rules.Exists() ? RecordingRulesConfig.Resolve(RecordingRulesConfig.Bind(rules)) : RecordingRuleSet.Empty;
        }
        catch (RecordingRulesException e)
        {
            throw new SettingsException(string.Join(Environment.NewLine, e.Errors));
        }
        return (settings, configuration);
    }

    public static WebApplication Build(CollectorSettings settings, IConfiguration configuration)
    {
        // The collector reads its own config file (LoadSettings), not appsettings.json: the content
        // root is the executable's folder, never watched, so that the log and Parquet files written
        // under a data directory inside the working directory wake no file watcher.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.ClearProviders();
        if (settings.LogFormat == "json")
        {
            builder.Logging.AddJsonConsole(o => o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ");
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                o.UseUtcTimestamp = true;
            });
        }
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.WebHost.UseUrls(settings.Listen);
        builder.WebHost.ConfigureKestrel(k =>
        {
            // The ingest door enforces max_body_bytes itself, with a message that names it.
            k.Limits.MaxRequestBodySize = null;
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(TimeProvider.System);
        AddRecordingRules(builder.Services, settings.RecordingRules);
        builder.Services.AddSingleton<StoreService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StoreService>());
        builder.Services.AddSingleton<MetricsRegistry>();
        builder.Services.AddSingleton<CollectorMetrics>();
        // The one door of every ingest path: the HTTP endpoints and the scrape sink call it.
        builder.Services.AddSingleton(sp =>
        {
            var metrics = sp.GetRequiredService<CollectorMetrics>();
            var door = new IngestDoor(sp.GetRequiredService<StoreService>(), settings.Limits.ToIngestPolicy(settings.Auth) with { MemoryLimitBytes = settings.MemoryLimit }, metrics,
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<IngestDoor>>());
            metrics.WatchSeries(door.Series);
            metrics.WatchDoor(door);
            return door;
        });
        if (settings.ScrapeJobs.Count > 0)
        {
            builder.Services.AddSingleton<IScrapeSink, StoreScrapeSink>();
            builder.Services.AddSingleton(sp => new ScrapeManager(settings.ScrapeJobs, sp.GetRequiredService<IScrapeSink>(),
                sp.GetRequiredService<ILogger<ScrapeManager>>(), settings.Limits.ToIngestLimits(), sp.GetRequiredService<TimeProvider>()));
            builder.Services.AddHostedService(sp => sp.GetRequiredService<ScrapeManager>());
        }

        var app = builder.Build();
        // Made now, not at the first upload, so /metrics shows its limits and state from the start.
        _ = app.Services.GetRequiredService<IngestDoor>();
        if (app.Services.GetService<ScrapeManager>() is { } scraper)
        {
            app.Services.GetRequiredService<MetricsRegistry>().AddCollector(text => scraper.Health().WritePrometheus(text));
        }
        if (app.Services.GetService<RuleEvaluator>() is { } evaluator)
        {
            RuleMetrics.Register(app.Services.GetRequiredService<MetricsRegistry>(), evaluator, app.Services.GetRequiredService<RecordedValues>(),
                app.Services.GetService<RemoteWriteSender>());
        }
        MapHealth(app);
        IngestEndpoints.Map(app);
        return app;
    }

    /// <summary>
    /// The rules' evaluator is the store's flush observer (so it must exist before the store opens
    /// and replays); the recorded values feed /metrics and the remote-write queue.
    /// </summary>
    private static void AddRecordingRules(IServiceCollection services, RecordingRuleSet rules)
    {
        if (rules.Rules.Count == 0)
        {
            return;
        }
        services.AddSingleton(rules);
        services.AddSingleton(sp => StartRecordedValues(rules, sp));
        services.AddSingleton(sp => new RuleEvaluator(rules, sp.GetRequiredService<RecordedValues>(), sp.GetRequiredService<ILogger<RuleEvaluator>>()));
        services.AddSingleton<Store.Write.IFlushObserver>(sp => sp.GetRequiredService<RuleEvaluator>());
        if (rules.RemoteWrite is { } remoteWrite)
        {
            services.AddSingleton(sp => new RemoteWriteSender(remoteWrite, new RemoteWriteQueue(remoteWrite.MaxQueueSamples),
                sp.GetRequiredService<RecordedValues>(), new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) },
                sp.GetRequiredService<ILogger<RemoteWriteSender>>()));
        }
        services.AddHostedService(sp => new RulesService(sp.GetRequiredService<RecordedValues>(), sp.GetService<RemoteWriteSender>(),
            sp.GetRequiredService<TimeProvider>()));
    }

    /// <summary>
    /// The recorded values, resumed from the metrics files of the steps still open (before the store
    /// opens and replays: the evaluator, the store's flush observer, asks for them first).
    /// </summary>
    private static RecordedValues StartRecordedValues(RecordingRuleSet rules, IServiceProvider services)
    {
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var values = new RecordedValues(rules, now);
        var log = services.GetRequiredService<ILogger<RecordedValues>>();
        var dataDirectory = services.GetRequiredService<CollectorSettings>().DataDirectory;
        try
        {
            if (Directory.Exists(dataDirectory))
            {
                using var reader = new Store.Query.ProfileReader(dataDirectory, new Store.Query.ReaderOptions { Threads = 1, MemoryLimit = "256MB" });
                var points = values.Resume(reader, now);
                if (points > 0)
                {
                    log.LogInformation("Recording rules resumed {Points} points of steps not yet sealed from the metrics files.", points);
                }
            }
        }
        catch (Exception e) when (e is IOException or Store.DuckDb.DuckDbException or Store.Query.QueryException or Store.Query.QueryTimeoutException)
        {
            log.LogWarning(e, "Recording rules could not resume the open steps from the metrics files; steps flushed partly before the restart are exported with what this process flushes.");
        }
        return values;
    }

    private static void MapHealth(WebApplication app)
    {
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/ready", (StoreService store) => store.IsReady
            ? Results.Text("ready\n")
            : Results.Text(store.Failure is { } e ? $"store failed to open: {e.Message}\n" : "replaying the write-ahead log\n", statusCode: 503));
        app.MapGet("/metrics", (CollectorMetrics metrics) =>
            Results.Text(metrics.Registry.Render(), "text/plain; version=0.0.4; charset=utf-8"));
    }
}
