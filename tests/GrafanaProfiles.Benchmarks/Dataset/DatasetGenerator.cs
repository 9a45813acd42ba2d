using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;

namespace GrafanaProfiles.Benchmarks.Dataset;

/// <summary>One pprof upload: what a Go client sends for one window of one series.</summary>
internal sealed record ProfileInput(int Service, ProfileKind Kind, long TimeNanos, PprofDecodeOptions Options, byte[] Gzip, int RawBytes, int Samples);

/// <summary>A series: one pod of one service in one version, pushing a CPU and an allocation profile every window.</summary>
internal sealed record SeriesSpec(int Service, int Index, PprofDecodeOptions Options, string Binary, DateTime From, DateTime To, double Cores, int Version);

/// <summary>The generated uploads, in arrival (time) order, and what they hold.</summary>
internal sealed class GeneratedDataset
{
    public required DateTime Day { get; init; }
    public required string MeasuredService { get; init; }
    public required IReadOnlyList<string> Services { get; init; }
    public required IReadOnlyList<SeriesSpec> Series { get; init; }
    public required IReadOnlyList<ProfileInput> Profiles { get; init; }
    public required IReadOnlyList<ServiceModel> Models { get; init; }

    /// <summary>The hour the 1 h queries read: the measured service and every other service have data in it.</summary>
    public DateTime QueryHour => DatasetGenerator.QueryHour(Day);

    public long GzipBytes => Profiles.Sum(p => (long)p.Gzip.Length);
    public long RawBytes => Profiles.Sum(p => (long)p.RawBytes);
    public long Samples => Profiles.Sum(p => (long)p.Samples);
}

/// <summary>
/// Builds the benchmark dataset, deterministically from the scale. At scale N: 8·N services; the
/// measured service (<c>checkout</c>) runs N pods for 24 h with a deploy at 14:00 (new version,
/// new pod names, shifted stack popularity); every other service runs 2 pods from 12:00 to 13:00,
/// the hour that the 1 h queries read.
/// Every pod pushes a CPU profile and an allocation profile per 10 s window. CPU load follows the
/// time of day.
/// </summary>
internal static class DatasetGenerator
{
    public const string MeasuredService = "checkout";
    public static readonly DateTime Day = new(2026, 3, 2, 0, 0, 0, DateTimeKind.Utc);

    public static DateTime QueryHour(DateTime day) => day.AddHours(12);

    private static readonly string[] ServiceNames =
    [
        "cart", "payments", "inventory", "catalog", "search", "users", "shipping", "notifications", "pricing", "recommendations", "auth", "gateway",
        "orders", "billing", "reports", "sessions", "reviews", "media", "ledger", "fraud", "loyalty", "promotions", "tax", "warehouse",
    ];

    private static readonly long[] SizeClasses = [8, 16, 24, 32, 48, 64, 80, 96, 128, 160, 208, 256, 384, 512, 768, 1024, 2048, 4096, 8192, 16384, 32768];

    /// <param name="hour">Only the profiles of this hour (the same ones the whole dataset has in it), none of the others.</param>
    public static GeneratedDataset Generate(int scale, Action<string>? progress = null, DateTime? hour = null)
    {
        var serviceCount = 8 * scale;
        var names = new List<string> { MeasuredService };
        for (var i = 0; names.Count < serviceCount; i++)
        {
            names.Add(i < ServiceNames.Length ? ServiceNames[i] : $"{ServiceNames[i % ServiceNames.Length]}-{i / ServiceNames.Length}");
        }
        var models = new ServiceModel[serviceCount];
        Parallel.For(0, serviceCount, s => models[s] = s == 0
            ? new ServiceModel(names[s], Rng.Seed(1, s), cpuStacks: 6_000, allocationStacks: 2_500)
            : new ServiceModel(names[s], Rng.Seed(1, s), cpuStacks: 2_000, allocationStacks: 800));
        var series = BuildSeries(names, scale);
        var rankMaps = new Dictionary<(int Service, int Version, ProfileKind Kind), int[]>();
        foreach (var spec in series)
        {
            foreach (var kind in new[] { ProfileKind.Cpu, ProfileKind.Allocations })
            {
                var model = models[spec.Service];
                var population = kind == ProfileKind.Cpu ? model.CpuStacks.Length : model.AllocationStacks.Length;
                rankMaps.TryAdd((spec.Service, spec.Version, kind), RankMap(population, Rng.Seed(2, spec.Service, spec.Version, (int)kind), spec.Version));
            }
        }
        var samplers = models.Select(m => (Cpu: new ZipfSampler(m.CpuStacks.Length, 1.1), Allocations: new ZipfSampler(m.AllocationStacks.Length, 1.0))).ToArray();

        var windows = new List<(SeriesSpec Series, ProfileKind Kind, long TimeNanos)>();
        foreach (var spec in series)
        {
            for (var t = spec.From; t < spec.To; t = t.AddTicks(PprofEncoder.WindowNanos / 100))
            {
                var nanos = (t - DateTime.UnixEpoch).Ticks * 100;
                windows.Add((spec, ProfileKind.Cpu, nanos));
                windows.Add((spec, ProfileKind.Allocations, nanos));
            }
        }
        if (hour is { } only)
        {
            var (from, to) = ((only - DateTime.UnixEpoch).Ticks * 100, (only.AddHours(1) - DateTime.UnixEpoch).Ticks * 100);
            windows.RemoveAll(w => w.TimeNanos < from || w.TimeNanos >= to);
        }
        windows.Sort((a, b) => (a.TimeNanos, a.Series.Service, a.Series.Index, a.Kind).CompareTo((b.TimeNanos, b.Series.Service, b.Series.Index, b.Kind)));
        progress?.Invoke($"{serviceCount} services, {series.Count} series, {windows.Count:N0} profiles to encode");

        var profiles = new ProfileInput[windows.Count];
        var done = 0;
        Parallel.For(0, windows.Count, () => new List<EncodedSample>(), (i, _, buffer) =>
        {
            var (spec, kind, nanos) = windows[i];
            var model = models[spec.Service];
            var rng = new Rng(Rng.Seed(3, spec.Service, spec.Index, nanos, (int)kind));
            buffer.Clear();
            var map = rankMaps[(spec.Service, spec.Version, kind)];
            if (kind == ProfileKind.Cpu)
            {
                CpuSamples(ref rng, model, samplers[spec.Service].Cpu, map, spec, nanos, buffer);
            }
            else
            {
                AllocationSamples(ref rng, model, samplers[spec.Service].Allocations, map, spec, nanos, buffer);
            }
            var (gzip, raw) = new PprofEncoder(model).Encode(kind, nanos, buffer, spec.Binary);
            profiles[i] = new ProfileInput(spec.Service, kind, nanos, spec.Options, gzip, raw, buffer.Count);
            if (Interlocked.Increment(ref done) % 20_000 == 0)
            {
                progress?.Invoke($"  encoded {done:N0} of {windows.Count:N0}");
            }
            return buffer;
        }, _ => { });
        return new GeneratedDataset
        {
            Day = Day,
            MeasuredService = MeasuredService,
            Services = names,
            Series = series,
            Profiles = profiles,
            Models = models,
        };
    }

    private static List<SeriesSpec> BuildSeries(List<string> names, int scale)
    {
        var series = new List<SeriesSpec>();
        var deploy = Day.AddHours(14);
        for (var pod = 0; pod < scale; pod++)
        {
            series.Add(Spec(0, series.Count, names[0], "v2.13.0", PodName(names[0], 0, pod), Day, deploy, 1.0, 0));
            series.Add(Spec(0, series.Count, names[0], "v2.14.0", PodName(names[0], 1, pod), deploy, Day.AddDays(1), 1.0, 1));
        }
        for (var s = 1; s < names.Count; s++)
        {
            var rng = new Rng(Rng.Seed(4, s));
            var cores = 0.1 + (rng.NextDouble() * 0.25);
            var version = $"v1.{rng.Between(2, 40)}.{rng.Between(0, 9)}";
            for (var pod = 0; pod < 2; pod++)
            {
                series.Add(Spec(s, series.Count, names[s], version, PodName(names[s], 0, pod), Day.AddHours(12), Day.AddHours(13), cores, 0));
            }
        }
        return series;
    }

    private static SeriesSpec Spec(int service, int index, string name, string version, string pod, DateTime from, DateTime to, double cores, int versionIndex) =>
        new(service, index, new PprofDecodeOptions
        {
            ServiceName = name,
            Labels = LabelSet.From(new Dictionary<string, string> { ["namespace"] = "shop", ["pod"] = pod, ["version"] = version }),
        }, $"/app/{name}", from, to, cores, versionIndex);

    /// <summary>Kubernetes-style pod name: deployment, replica-set hash (changes per version), pod suffix.</summary>
    private static string PodName(string service, int version, int pod)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var rng = new Rng(Rng.Seed(5, service.Length, service[0], version));
        var replicaSet = new string([.. Enumerable.Range(0, 10).Select(_ => alphabet[rng.Next(alphabet.Length)])]);
        var podRng = new Rng(Rng.Seed(6, service.Length, service[^1], version, pod));
        var suffix = new string([.. Enumerable.Range(0, 5).Select(_ => alphabet[podRng.Next(alphabet.Length)])]);
        return $"{service}-{replicaSet}-{suffix}";
    }

    /// <summary>Rank → stack. A new version shifts popularity: 5% of the top 500 ranks trade places with others.</summary>
    private static int[] RankMap(int population, ulong seed, int version)
    {
        var map = Enumerable.Range(0, population).ToArray();
        if (version == 0)
        {
            return map;
        }
        var rng = new Rng(seed);
        for (var i = 0; i < Math.Min(500, population) / 20; i++)
        {
            var a = rng.Next(Math.Min(500, population));
            var b = rng.Next(population);
            (map[a], map[b]) = (map[b], map[a]);
        }
        return map;
    }

    /// <summary>Load in cores: peaks in the afternoon, lowest at night, with noise per window.</summary>
    private static double Load(ref Rng rng, SeriesSpec spec, long nanos)
    {
        var hour = (nanos / 1e9 / 3600.0) % 24;
        var diurnal = 0.6 + (0.4 * Math.Sin(2 * Math.PI * (hour - 8) / 24));
        return spec.Cores * diurnal * Math.Exp(0.15 * rng.NextGaussian());
    }

    private static void CpuSamples(ref Rng rng, ServiceModel model, ZipfSampler zipf, int[] map, SeriesSpec spec, long nanos, List<EncodedSample> samples)
    {
        // 100 Hz per busy core over a 10 s window.
        var ticks = Math.Max(5, (int)Math.Round(Load(ref rng, spec, nanos) * 1000));
        var counts = new Dictionary<int, long>();
        var order = new List<int>();
        for (var t = 0; t < ticks; t++)
        {
            var stack = map[zipf.Sample(ref rng)];
            if (counts.TryGetValue(stack, out var c))
            {
                counts[stack] = c + 1;
            }
            else
            {
                counts[stack] = 1;
                order.Add(stack);
            }
        }
        foreach (var stack in order)
        {
            var n = counts[stack];
            samples.Add(new EncodedSample(model.CpuStacks[stack], n, n * PprofEncoder.CpuPeriodNanos, 0));
        }
    }

    private static void AllocationSamples(ref Rng rng, ServiceModel model, ZipfSampler zipf, int[] map, SeriesSpec spec, long nanos, List<EncodedSample> samples)
    {
        // One sample per 512 KiB allocated on average; busier pods allocate more.
        var draws = Math.Max(5, (int)Math.Round(Load(ref rng, spec, nanos) / spec.Cores * 250));
        var sums = new Dictionary<int, (long Objects, long Bytes)>();
        var order = new List<int>();
        for (var d = 0; d < draws; d++)
        {
            var stack = map[zipf.Sample(ref rng)];
            var size = SizeClasses[(stack * 7919) % SizeClasses.Length];
            var objects = PprofEncoder.AllocationSamplingBytes / size * (1 + rng.Next(3));
            if (!sums.TryGetValue(stack, out var sum))
            {
                order.Add(stack);
            }
            sums[stack] = (sum.Objects + objects, sum.Bytes + (objects * size));
        }
        foreach (var stack in order)
        {
            var (objects, bytes) = sums[stack];
            samples.Add(new EncodedSample(model.AllocationStacks[stack], objects, bytes, bytes / objects));
        }
    }
}
