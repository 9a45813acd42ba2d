using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Collector.Ingest.Pyroscope;

/// <summary>Everything a folded or lines body needs besides its bytes, resolved (what the log replays).</summary>
internal sealed record FoldedOptions
{
    /// <summary>Lines format (each line one sample) rather than folded (count after the last space).</summary>
    public required bool Lines { get; init; }
    public required string ServiceName { get; init; }
    public required LabelSet Labels { get; init; }
    public required string ProfileType { get; init; }
    /// <summary>Each count is multiplied by this (nanoseconds per sample for cpu and wall).</summary>
    public required long Scale { get; init; }
    public required long TimeNanos { get; init; }
    public required long DurationNanos { get; init; }
    public required IngestLimits Limits { get; init; }
}

/// <summary>
/// Reads folded (collapsed) stacks, <c>root;caller;leaf 123</c> per line, and the lines format
/// (one stack per line, each one sample), into one series profile. See README.md, "Folded and
/// lines bodies".
/// </summary>
internal static class FoldedDecoder
{
    public static ProfileBatch Decode(ReadOnlySpan<byte> body, FoldedOptions options)
    {
        var limits = options.Limits;
        if (body.Length > limits.MaxDecompressedBytes)
        {
            throw new ProfileRejectedException(
                RejectReason.DecompressedTooLarge,
                $"The body is {body.Length} bytes, over the limit max_decompressed_bytes={limits.MaxDecompressedBytes}. Send smaller profiles (shorter upload intervals) or raise the limit.");
        }
        LabelChecks.Check(options.Labels, limits, "labels of parameter 'name'");
        LabelChecks.CheckValue("service_name"u8, Encoding.UTF8.GetByteCount(options.ServiceName), limits, "service name of parameter 'name'");
        var text = DecodeUtf8(body);
        var reader = new Reader(options);
        var lineNumber = 0;
        foreach (var range in text.AsSpan().Split('\n'))
        {
            lineNumber++;
            var line = text.AsSpan(range).TrimEnd(" \t\r");
            if (line.IsEmpty)
            {
                continue;
            }
            if (options.Lines)
            {
                reader.Add(line, 1, lineNumber);
                continue;
            }
            var space = line.LastIndexOf(' ');
            if (space < 0)
            {
                throw Invalid(lineNumber, $"'{Quote(line)}' has no count: write the stack, a space and the number of samples, e.g. 'main;work 12'");
            }
            var count = line[(space + 1)..];
            if (!long.TryParse(count, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < 0)
            {
                throw Invalid(lineNumber, $"the count '{Quote(count)}' after the last space is not a whole number of samples ≥ 0");
            }
            reader.Add(line[..space].TrimEnd(' '), value, lineNumber);
        }
        return reader.Build();
    }

    private static string DecodeUtf8(ReadOnlySpan<byte> body)
    {
        var chars = ArrayPool<char>.Shared.Rent(Math.Max(body.Length, 1));
        try
        {
            var status = Utf8.ToUtf16(body, chars, out var read, out var written, replaceInvalidSequences: false);
            if (status != OperationStatus.Done)
            {
                throw new ProfileRejectedException(
                    RejectReason.InvalidProfile,
                    $"The body is not valid UTF-8 text: the bytes at offset {read} are not UTF-8. Send stacks as UTF-8 text.");
            }
            return new string(chars, 0, written);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static ProfileRejectedException Invalid(int line, string what) =>
        new(RejectReason.InvalidProfile, $"The folded body is not valid: line {line}: {what}.");

    private static string Quote(ReadOnlySpan<char> text) => text.Length <= 64 ? text.ToString() : string.Concat(text[..64], "…");

    /// <summary>Interns frames and aggregates counts per stack.</summary>
    private sealed class Reader
    {
        private readonly FoldedOptions _options;
        private readonly IngestLimits _limits;
        private readonly ProfileBatch _batch = new();
        private readonly Dictionary<string, ulong> _functions = new(StringComparer.Ordinal);
        private readonly Dictionary<string, ulong>.AlternateLookup<ReadOnlySpan<char>> _functionsBySpan;
        private readonly Dictionary<ulong, int> _rowByStack = [];
        private readonly List<(ulong StackId, long Count)> _rows = [];
        private readonly List<ulong> _frames = new(64);

        public Reader(FoldedOptions options)
        {
            _options = options;
            _limits = options.Limits;
            _functionsBySpan = _functions.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        public void Add(ReadOnlySpan<char> stack, long count, int lineNumber)
        {
            if (count == 0)
            {
                return;
            }
            _frames.Clear();
            foreach (var range in stack.Split(';'))
            {
                var frame = stack[range];
                // Empty frames ("a;;b", a trailing ';') name nothing.
                if (frame.IsEmpty)
                {
                    continue;
                }
                // Deeper stacks keep the frames nearest the root, as the pprof decoder does.
                if (_frames.Count == _limits.MaxStackDepth)
                {
                    break;
                }
                _frames.Add(Function(frame));
            }
            var frames = CollectionsMarshal.AsSpan(_frames);
            var stackId = ContentHash.Stack(frames);
            ref var stored = ref CollectionsMarshal.GetValueRefOrAddDefault(_batch.IndexStacks(), stackId, out var known);
            if (!known)
            {
                stored = frames.ToArray();
            }
            ref var row = ref CollectionsMarshal.GetValueRefOrAddDefault(_rowByStack, stackId, out var exists);
            if (!exists)
            {
                if (_rows.Count == _limits.MaxSamplesPerProfile)
                {
                    throw new ProfileRejectedException(
                        RejectReason.TooManySamples,
                        $"The body has more than {_limits.MaxSamplesPerProfile} distinct stacks (at line {lineNumber}), over the limit max_samples_per_profile={_limits.MaxSamplesPerProfile}. Send shorter upload intervals or raise the limit.");
                }
                row = _rows.Count;
                _rows.Add((stackId, 0));
            }
            var (id, sum) = _rows[row];
            if (sum > long.MaxValue - count)
            {
                throw Invalid(lineNumber, "the counts of one stack add up to more than a 64-bit integer holds");
            }
            _rows[row] = (id, sum + count);
        }

        private ulong Function(ReadOnlySpan<char> frame)
        {
            if (_functionsBySpan.TryGetValue(frame, out var id))
            {
                return id;
            }
            var name = Symbol(frame);
            id = _batch.AddFunction(new FunctionInfo(name, name, "", 0));
            _functionsBySpan[frame] = id;
            return id;
        }

        /// <summary>At most MaxSymbolLength UTF-8 bytes; a longer name keeps its end, as the pprof decoder does.</summary>
        private string Symbol(ReadOnlySpan<char> frame)
        {
            var length = Encoding.UTF8.GetByteCount(frame);
            if (length <= _limits.MaxSymbolLength)
            {
                return frame.ToString();
            }
            var bytes = new byte[length];
            Encoding.UTF8.GetBytes(frame, bytes);
            var tail = bytes.AsSpan(bytes.Length - _limits.MaxSymbolLength);
            var skip = 0;
            while (skip < tail.Length && (tail[skip] & 0xC0) == 0x80)
            {
                skip++;
            }
            return Encoding.UTF8.GetString(tail[skip..]);
        }

        public ProfileBatch Build()
        {
            if (_rows.Count == 0)
            {
                return _batch;
            }
            var profile = new SeriesProfile(_options.TimeNanos, _options.DurationNanos, _options.ServiceName, _options.ProfileType, _options.Labels);
            profile.Samples.EnsureCapacity(_rows.Count);
            foreach (var (stackId, count) in _rows)
            {
                if (count > long.MaxValue / _options.Scale)
                {
                    throw new ProfileRejectedException(
                        RejectReason.InvalidProfile,
                        $"The folded body is not valid: a count of {count} samples times {_options.Scale} ns per sample overflows a 64-bit integer. Check the counts and sampleRate.");
                }
                profile.Samples.Add(new SampleRow(stackId, count * _options.Scale, 0));
            }
            _batch.Profiles.Add(profile);
            return _batch;
        }
    }
}
