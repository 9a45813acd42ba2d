using System.Globalization;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Pprof;
using GrafanaProfiles.Store.Write;

// Usage: crash-writer <data-dir> <pprof-file> <count>
// Appends <count> copies of the profile (one per 10-second window, pod label p<i%4>), printing
// "ACK <i>" after each acknowledgement, then "DONE", then waits to be killed. It never flushes.
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: crash-writer <data-dir> <pprof-file> <count>");
    return 2;
}
var options = new StoreOptions { DataDirectory = args[0], WriterId = "crash", FlushInterval = TimeSpan.FromDays(1) };
var writer = await ProfileWriter.OpenAsync(options, PprofWalCodec.Decoders);
var bytes = await File.ReadAllBytesAsync(args[1]);
var count = int.Parse(args[2], CultureInfo.InvariantCulture);
var start = new DateTime(2026, 11, 22, 12, 0, 0, DateTimeKind.Utc);
for (var i = 0; i < count; i++)
{
    await PprofWalCodec.AppendAsync(writer, "default", bytes, new PprofDecodeOptions
    {
        ServiceName = "crash",
        Labels = LabelSet.From(new Dictionary<string, string> { ["pod"] = $"p{i % 4}" }),
        FromUnixNanos = (start.AddSeconds(i * 10) - DateTime.UnixEpoch).Ticks * 100,
    });
    Console.WriteLine($"ACK {i}");
}
Console.WriteLine("DONE");
await Task.Delay(Timeout.Infinite);
return 0;
