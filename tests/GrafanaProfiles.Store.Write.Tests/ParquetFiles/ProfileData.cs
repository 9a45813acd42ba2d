using GrafanaProfiles.Store.Model;
using static GrafanaProfiles.TestSupport.Batches;

namespace GrafanaProfiles.Store.Write.Tests.ParquetFiles;

/// <summary>
/// A deterministic hour of profiles, in three batches flushed one after the other: four services
/// (ASCII and non-ASCII), two profile types, three pods each, stacks of depth 1–12 over functions
/// with non-ASCII and over-long (300-byte) names, span ids on some samples. Each batch also holds
/// what it should become as rows of each table.
/// </summary>
internal static class ProfileData
{
    private static readonly string[] Services = ["api", "checkout", "ümlaut-sérvice", "日本-svc"];

    private static readonly string[] Types = [Cpu, AllocSpace];

    /// <summary>One samples row as written: the columns of <c>SamplesTable.Columns</c>.</summary>
    public readonly record struct Sample(long TimeMicros, long Duration, string Service, string ProfileType, ulong SeriesId, ulong StackId, long Value, ulong? SpanId);

    public sealed record Data(IReadOnlyList<ProfileBatch> Batches, IReadOnlyList<Sample> Samples,
        IReadOnlyDictionary<ulong, (string Service, IReadOnlyDictionary<string, string> Labels)> Series,
        IReadOnlyDictionary<ulong, ulong[]> Stacks, IReadOnlyDictionary<ulong, FunctionInfo> Functions);

    public static Data Build()
    {
        var random = new Random(25);
        var functions = Enumerable.Range(0, 40).Select(i => new FunctionInfo(
            i switch
            {
                0 => "main",
                7 => "zz." + new string('x', 300),
                11 => "aa." + new string('é', 150),
                13 => "pkg.日本語.Function",
                _ => $"github.com/acme/pkg{i % 7}.(*T{i % 3}).Method{i}",
            },
            $"sym{i}", $"/src/pkg{i % 7}/file{i % 5}.go", i * 10)).ToArray();
        var stackShapes = Enumerable.Range(0, 30)
            .Select(_ => new[] { 0 }.Concat(Enumerable.Range(0, random.Next(0, 12)).Select(_ => 1 + random.Next(functions.Length - 1))).ToArray())
            .DistinctBy(shape => string.Join(',', shape))
            .ToArray();

        var batches = new List<ProfileBatch>();
        var samples = new List<Sample>();
        var series = new Dictionary<ulong, (string, IReadOnlyDictionary<string, string>)>();
        var stacks = new Dictionary<ulong, ulong[]>();
        var usedFunctions = new Dictionary<ulong, FunctionInfo>();
        for (int flush = 0; flush < 3; flush++)
        {
            var batch = new ProfileBatch();
            for (int minute = flush * 20; minute < (flush + 1) * 20; minute += 2)
            {
                foreach (var service in Services)
                {
                    foreach (var type in Types)
                    {
                        for (int pod = 0; pod < 3; pod++)
                        {
                            var labels = L("pod", $"{service}-{pod}", "region", pod == 2 ? "eu" : "us");
                            var time = BaseTime.AddMinutes(minute).AddSeconds(pod);
                            var profile = new SeriesProfile(Nanos(time), 10_000_000_000, service, type, LabelSet.From(labels));
                            series[profile.SeriesId] = (service, labels);
                            foreach (var shape in stackShapes.Where(_ => random.Next(3) == 0))
                            {
                                var frames = shape.Select(f => batch.AddFunction(functions[f])).ToArray();
                                var stackId = batch.AddStack(frames);
                                stacks[stackId] = frames;
                                foreach (var f in shape)
                                {
                                    usedFunctions[functions[f].Id] = functions[f];
                                }

                                var value = 1 + random.Next(1_000_000);
                                ulong span = random.Next(4) == 0 ? (ulong)random.NextInt64() | (1UL << 63) : 0;
                                profile.Samples.Add(new SampleRow(stackId, value, span));
                                samples.Add(new Sample(profile.TimeNanos / 1000, profile.DurationNanos, service, type, profile.SeriesId, stackId, value, span == 0 ? null : span));
                            }

                            batch.Profiles.Add(profile);
                        }
                    }
                }
            }

            batches.Add(batch);
        }

        return new Data(batches, samples, series, stacks, usedFunctions);
    }
}
