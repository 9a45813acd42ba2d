using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Store.Pprof;

internal sealed partial class PprofConverter
{
    private enum LabelKind : byte
    {
        Unclassified = 0,
        /// <summary>Becomes a series label.</summary>
        Series,
        /// <summary><c>span_id</c>: 16 hex digits, kept per sample row.</summary>
        SpanId,
        /// <summary><c>profile_id</c>, <c>trace_id</c>: per-sample ids the store does not keep.</summary>
        Dropped,
    }

    // Per sample, reused.
    private PooledList<ulong> _locationIds = new(64);
    private PooledList<long> _values;
    private PooledList<ulong> _frames = new(64);

    // Stacks new to the batch, in the order found: id, and where their frames start in _newStackFrames.
    private PooledList<ulong> _newStacks = new(256);
    private PooledList<int> _newStackStarts = new(256);
    private PooledList<ulong> _newStackFrames = new(4096);
    /// <summary>The sample's series labels as (key, value) canonical string indexes, sorted by key.</summary>
    private PooledList<int> _labelPairs = new(8);

    // Per label string (string-table index).
    /// <summary>Canonical index + 1 (0 = not seen): the first index with the same text, so equal labels group together.</summary>
    private PooledList<int> _labelStrings;
    private PooledList<LabelKind> _labelKinds = new(0);
    private PooledList<bool> _labelValuesChecked = new(0);
    private readonly Dictionary<string, int> _labelStringIndex = new(StringComparer.Ordinal);

    // Label groups: one per distinct set of sample labels.
    private readonly Dictionary<ulong, int> _groupsByHash = [];
    private readonly List<int[]> _groupPairs = [];
    private readonly List<LabelSet> _groupLabels = [];
    private int _emptyGroup = -1;
    private int _lastGroup = -1;

    /// <summary>
    /// The per-decode dictionaries, kept per thread between decodes: they were the largest
    /// allocations of a decode (the rows' entries grow by doubling to one per stack and label
    /// set; real Go CPU profile: 124 → 48 KiB allocated per decode with <see cref="Scratch"/> and
    /// the function table's capacity set once, 110 KiB with the capacity alone).
    /// </summary>
    private sealed class Scratch
    {
        /// <summary>Past this many entries a dictionary is not kept for the next decode (bounded memory per thread).</summary>
        private const int MaxKeptEntries = 1 << 16;

        [ThreadStatic]
        private static Scratch? _spare;

        public Dictionary<ulong, (ByteRange Ids, ulong StackId)> StackCache { get; } = [];
        public Dictionary<RowKey, int> Rows { get; } = [];
        public HashSet<ulong> Stacks { get; } = [];

        public static Scratch Take()
        {
            var scratch = _spare ?? new Scratch();
            _spare = null;
            return scratch;
        }

        public void Return()
        {
            if (StackCache.Count > MaxKeptEntries || Rows.Count > MaxKeptEntries || Stacks.Count > MaxKeptEntries)
            {
                return;
            }
            StackCache.Clear();
            Rows.Clear();
            Stacks.Clear();
            _spare = this;
        }
    }

    private readonly Scratch _scratch = Scratch.Take();

    /// <summary>Hash of a sample's packed location ids → those bytes and the stack id they resolved to.</summary>
    private Dictionary<ulong, (ByteRange Ids, ulong StackId)> _stackCache => _scratch.StackCache;
    private const int StackCacheTrial = 32;
    private bool _stackCacheEnabled = true;
    private int _stackCacheLookups;
    private int _stackCacheHits;

    /// <summary>The stacks already found in this profile (each goes into the batch once).</summary>
    private HashSet<ulong> _batchStacks => _scratch.Stacks;

    // Aggregated rows: (group, stack, span) → sums of each sample type.
    private Dictionary<RowKey, int> _rows => _scratch.Rows;
    private PooledList<RowKey> _rowKeys = new(256);
    private PooledList<long> _rowValues;
    private PooledList<ulong> _sortIds = new(0);
    private PooledList<int> _sortRows = new(0);

    private readonly record struct RowKey(int Group, ulong StackId, ulong SpanId)
    {
        // Stack ids are already hashes; mixing in span and group is enough.
        public override int GetHashCode() => unchecked((int)(StackId ^ (StackId >> 32) ^ (SpanId * 0x9E3779B97F4A7C15UL) ^ (ulong)Group));
    }

    private void ReadSample(ReadOnlySpan<byte> sample, int offset, int index, ReadOnlySpan<byte> profile)
    {
        _locationIds.Clear();
        _labelPairs.Clear();
        var values = _values.Span;
        var valueCount = 0;
        ulong spanId = 0;
        // The packed location ids, kept undecoded while they are the only location_id field:
        // equal bytes mean an equal stack, so the stack cache can answer without decoding.
        var packed = default(ByteRange);
        var reader = new ProtoReader(sample, offset);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field, wireType)
            {
                case (1, WireType.LengthDelimited):
                    var ids = reader.ReadLengthDelimited(out var idsOffset);
                    FlushPackedIds(profile, ref packed);
                    if (_locationIds.Count == 0)
                    {
                        packed = new ByteRange(idsOffset, ids.Length);
                    }
                    else
                    {
                        DecodeIds(new ProtoReader(ids, idsOffset));
                    }
                    break;
                case (1, WireType.Varint):
                    FlushPackedIds(profile, ref packed);
                    _locationIds.Add(reader.ReadVarint());
                    break;
                case (2, WireType.Varint):
                    StoreValue(values, ref valueCount, reader.ReadInt64());
                    break;
                case (2, WireType.LengthDelimited):
                    var packedValues = reader.ReadMessage();
                    while (!packedValues.End)
                    {
                        StoreValue(values, ref valueCount, packedValues.ReadInt64());
                    }
                    break;
                case (3, WireType.LengthDelimited):
                    ReadLabel(profile, reader.ReadMessage(), index, ref spanId);
                    break;
                default:
                    reader.Skip(wireType, field);
                    break;
            }
        }
        if (valueCount != _typeCount)
        {
            throw PprofTables.Invalid($"sample {index} has {valueCount} values, but the profile has {_typeCount} sample types");
        }
        var stackId = ResolveStack(profile, packed, index, store: values.ContainsAnyExcept(0L));
        if (stackId is { } id)
        {
            AddRow(new RowKey(Group(profile, index), id, spanId), values, index);
        }
    }

    private void FlushPackedIds(ReadOnlySpan<byte> profile, ref ByteRange packed)
    {
        if (packed.Length > 0)
        {
            DecodeIds(new ProtoReader(Bytes(profile, packed), packed.Offset));
            packed = default;
        }
    }

    private void DecodeIds(ProtoReader ids)
    {
        while (!ids.End)
        {
            _locationIds.Add(ids.ReadVarint());
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreValue(Span<long> values, ref int count, long value)
    {
        if (count < values.Length)
        {
            values[count] = value;
        }
        count++;
    }

    /// <summary>
    /// Resolves the sample's stack, root first, and returns its id, or null when the sample has
    /// no value to store (its locations are still checked). Stacks deeper than MaxStackDepth keep
    /// the frames nearest the root, as Pyroscope does (it drops the deepest locations).
    /// </summary>
    private ulong? ResolveStack(ReadOnlySpan<byte> profile, ByteRange packed, int index, bool store)
    {
        ulong key = 0;
        var cache = packed.Length > 0 && _stackCacheEnabled;
        if (packed.Length > 0)
        {
            var bytes = Bytes(profile, packed);
            if (cache)
            {
                key = ContentHash.XxHash64(bytes);
                if (LookUpStack(profile, key, bytes) is { } cached)
                {
                    return store ? cached : null;
                }
            }
            DecodeIds(new ProtoReader(bytes, packed.Offset));
        }
        var ids = _locationIds.Span;
        var locations = _tables.LocationIndex;
        if (!store)
        {
            foreach (var id in ids)
            {
                IndexOfLocation(locations, id, index);
            }
            return null;
        }
        var limit = _limits.MaxStackDepth;
        _frames.Clear();
        // All the room the list already has (inlined locations add frames), but never longer than
        // the limit, so that the single-frame case below needs one check.
        var frames = _frames.Reserve(Math.Min(limit, Math.Max(ids.Length, _frames.Capacity)));
        var spans = _locationSpans.Span;
        var n = 0;
        // Location ids are leaf first: walk them backwards.
        for (var i = ids.Length - 1; i >= 0; i--)
        {
            var location = IndexOfLocation(locations, ids[i], index);
            var span = spans[location];
            if (span.Start < 0)
            {
                span = BuildLocationFrames(profile, location);
            }
            if (span.Count == 1 && n < frames.Length)
            {
                frames[n++] = _locationFrames[span.Start];
                continue;
            }
            var take = Math.Min(span.Count, limit - n);
            if (n + take > frames.Length)
            {
                _frames.SetCount(n);
                frames = _frames.Reserve(Math.Min(limit, n + take + i));
            }
            _locationFrames.Span.Slice(span.Start, take).CopyTo(frames[n..]);
            n += take;
            if (take < span.Count || n == limit)
            {
                // The depth limit: the frames nearest the root stay; the rest are only checked.
                for (var j = i - 1; j >= 0; j--)
                {
                    IndexOfLocation(locations, ids[j], index);
                }
                break;
            }
        }
        _frames.SetCount(n);
        var stack = _frames.Span;
        var stackId = ContentHash.Stack(stack);
        if (cache)
        {
            _stackCache.TryAdd(key, (packed, stackId));
        }
        // A stack new to this batch gets its entry in the interner after the last sample, in one
        // pass over all of them (ResolveNewStacks).
        if (_batchStacks.Add(stackId))
        {
            _newStackStarts.Add(_newStackFrames.Count);
            _newStacks.Add(stackId);
            _newStackFrames.AddRange(stack);
        }
        return stackId;
    }

    /// <summary>
    /// Gives each stack new to this batch its entry in the process's <see cref="StackInterner"/>,
    /// all at once after the samples rather than as each stack is found (see <see cref="StackInterner.GetAll"/>).
    /// </summary>
    private void ResolveNewStacks() =>
        StackInterner.GetAll(_newStacks.Span, _newStackStarts.Span, _newStackFrames.Span, _sharedStacks);

    /// <summary>
    /// Same packed location ids, same stack: on node-cpu.pb.gz (1,539 samples, V8 writes one per
    /// tick) this skips most of the per-sample work. Go writes each stack once per label set, so
    /// the cache turns itself off when fewer than a quarter of the first 32 lookups hit (on the
    /// test profiles: node-cpu 15 of 32 hit, node-heap 21, go-heap 6, go-cpu 0). With 256, a Go
    /// profile of fewer samples than that hashed and cached every one of its stacks' location ids
    /// for nothing (the scale-1 benchmark's profiles have 152 samples).
    /// </summary>
    private ulong? LookUpStack(ReadOnlySpan<byte> profile, ulong key, ReadOnlySpan<byte> ids)
    {
        ulong? stackId = null;
        if (_stackCache.TryGetValue(key, out var cached) && ids.SequenceEqual(Bytes(profile, cached.Ids)))
        {
            _stackCacheHits++;
            stackId = cached.StackId;
        }
        if (++_stackCacheLookups == StackCacheTrial && _stackCacheHits * 4 < StackCacheTrial)
        {
            _stackCacheEnabled = false;
        }
        return stackId;
    }

    private void ReadLabel(ReadOnlySpan<byte> profile, ProtoReader reader, int sampleIndex, ref ulong spanId)
    {
        long key = 0, str = 0;
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field, wireType)
            {
                case (1, WireType.Varint):
                    key = reader.ReadInt64();
                    break;
                case (2, WireType.Varint):
                    str = reader.ReadInt64();
                    break;
                default:
                    // num and num_unit: numeric labels (Go heap "bytes") are not series labels.
                    reader.Skip(wireType, field);
                    break;
            }
        }
        if (str == 0)
        {
            // pprof: a label without a string value is a numeric one.
            return;
        }
        _tables.CheckString(key, "sample", (ulong)sampleIndex, "label key");
        _tables.CheckString(str, "sample", (ulong)sampleIndex, "label value");
        switch (KindOf(profile, key, sampleIndex))
        {
            case LabelKind.SpanId:
                spanId = ParseSpanId(Bytes(profile, _tables.Strings[(int)str]), sampleIndex);
                return;
            case LabelKind.Dropped:
                return;
            default:
                break;
        }
        var value = Bytes(profile, _tables.Strings[(int)str]);
        if (!_labelValuesChecked[(int)str])
        {
            LabelChecks.CheckValue(Bytes(profile, _tables.Strings[(int)key]), value.Length, _limits, $"pprof label of sample {sampleIndex}");
            _labelValuesChecked[(int)str] = true;
        }
        if (value.IsEmpty)
        {
            // An empty value means no label, as in Prometheus.
            return;
        }
        AddPair(Canonical(profile, key), Canonical(profile, str), sampleIndex);
    }

    private LabelKind KindOf(ReadOnlySpan<byte> profile, long key, int sampleIndex)
    {
        if (_labelKinds.Count == 0)
        {
            _labelKinds.Resize(_tables.Strings.Length);
            _labelValuesChecked.Resize(_tables.Strings.Length);
        }
        ref var kind = ref _labelKinds[(int)key];
        if (kind == LabelKind.Unclassified)
        {
            var name = Bytes(profile, _tables.Strings[(int)key]);
            if (name.SequenceEqual("span_id"u8))
            {
                kind = LabelKind.SpanId;
            }
            else if (name.SequenceEqual("profile_id"u8) || name.SequenceEqual("trace_id"u8))
            {
                kind = LabelKind.Dropped;
            }
            else
            {
                LabelChecks.CheckName(name, _limits, $"pprof label of sample {sampleIndex}");
                kind = LabelKind.Series;
            }
        }
        return kind;
    }

    /// <summary>A span id: 16 hex digits (8 bytes, as OpenTelemetry writes them).</summary>
    private static ulong ParseSpanId(ReadOnlySpan<byte> hex, int sampleIndex)
    {
        ulong value = 0;
        var valid = hex.Length == 16;
        for (var i = 0; i < hex.Length && valid; i++)
        {
            var c = hex[i];
            int digit = c switch
            {
                >= (byte)'0' and <= (byte)'9' => c - '0',
                >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
                _ => -1,
            };
            valid = digit >= 0;
            value = (value << 4) | (uint)digit;
        }
        if (!valid)
        {
            var shown = System.Text.Encoding.UTF8.GetString(hex[..Math.Min(hex.Length, 64)]);
            throw PprofTables.Invalid($"the span_id label of sample {sampleIndex} is '{shown}', which is not 16 hexadecimal digits");
        }
        return value;
    }

    private int Canonical(ReadOnlySpan<byte> profile, long index)
    {
        ref var canonical = ref _labelStrings[(int)index];
        if (canonical == 0)
        {
            var text = String(profile, index);
            ref var first = ref CollectionsMarshal.GetValueRefOrAddDefault(_labelStringIndex, text, out var exists);
            if (!exists)
            {
                first = (int)index;
            }
            canonical = first + 1;
        }
        return canonical - 1;
    }

    /// <summary>Inserts a (key, value) pair keeping keys sorted; a repeated key takes the later value.</summary>
    private void AddPair(int key, int value, int sampleIndex)
    {
        var pairs = _labelPairs.Span;
        var i = 0;
        while (i < pairs.Length && pairs[i] < key)
        {
            i += 2;
        }
        if (i < pairs.Length && pairs[i] == key)
        {
            pairs[i + 1] = value;
            return;
        }
        // More distinct keys than a series may have can never be accepted; stopping here also
        // keeps a hostile sample with many labels from costing quadratic time.
        if (pairs.Length / 2 >= _limits.MaxLabelsPerSeries)
        {
            throw new ProfileRejectedException(
                RejectReason.TooManyLabels,
                $"Sample {sampleIndex} has more than {_limits.MaxLabelsPerSeries} distinct labels, over the limit max_labels_per_series={_limits.MaxLabelsPerSeries}. Use fewer labels or raise the limit.");
        }
        _labelPairs.Add(0);
        _labelPairs.Add(0);
        pairs = _labelPairs.Span;
        pairs[i..^2].CopyTo(pairs[(i + 2)..]);
        pairs[i] = key;
        pairs[i + 1] = value;
    }

    /// <summary>The group (series label set) of the sample's labels, created on first sight.</summary>
    private int Group(ReadOnlySpan<byte> profile, int sampleIndex)
    {
        var pairs = _labelPairs.Span;
        if (pairs.IsEmpty && _emptyGroup >= 0)
        {
            return _emptyGroup;
        }
        // Neighbouring samples often share labels.
        if (_lastGroup >= 0 && pairs.SequenceEqual(_groupPairs[_lastGroup]))
        {
            return _lastGroup;
        }
        _lastGroup = FindOrAddGroup(profile, pairs, sampleIndex);
        return _lastGroup;
    }

    private int FindOrAddGroup(ReadOnlySpan<byte> profile, ReadOnlySpan<int> pairs, int sampleIndex)
    {
        var hash = ContentHash.XxHash64(MemoryMarshal.AsBytes(pairs));
        if (_groupsByHash.TryGetValue(hash, out var group))
        {
            if (pairs.SequenceEqual(_groupPairs[group]))
            {
                return group;
            }
            // A hash collision: look through all groups.
            for (var g = 0; g < _groupPairs.Count; g++)
            {
                if (pairs.SequenceEqual(_groupPairs[g]))
                {
                    return g;
                }
            }
        }
        group = _groupPairs.Count;
        var labels = _options.Labels;
        if (!pairs.IsEmpty)
        {
            var added = new KeyValuePair<string, string>[pairs.Length / 2];
            for (var i = 0; i < added.Length; i++)
            {
                added[i] = new(String(profile, pairs[2 * i]), String(profile, pairs[(2 * i) + 1]));
            }
            labels = labels.With(added);
        }
        LabelChecks.CheckCount(labels, _limits, $"request labels and pprof labels of sample {sampleIndex}");
        _groupPairs.Add(pairs.ToArray());
        _groupLabels.Add(labels);
        _groupsByHash.TryAdd(hash, group);
        if (pairs.IsEmpty)
        {
            _emptyGroup = group;
        }
        return group;
    }

    private void AddRow(RowKey key, ReadOnlySpan<long> values, int sampleIndex)
    {
        ref var row = ref CollectionsMarshal.GetValueRefOrAddDefault(_rows, key, out var exists);
        if (!exists)
        {
            row = _rowKeys.Count;
            _rowKeys.Add(key);
            _rowValues.Resize(_rowValues.Count + _typeCount);
        }
        var sums = _rowValues.Span.Slice(row * _typeCount, _typeCount);
        for (var t = 0; t < sums.Length; t++)
        {
            sums[t] = AddChecked(sums[t], values[t], sampleIndex, t);
        }
    }

    private static long AddChecked(long a, long b, int sampleIndex, int typeIndex)
    {
        var sum = unchecked(a + b);
        if (((a ^ sum) & (b ^ sum)) < 0)
        {
            throw PprofTables.Invalid($"the values of sample type {typeIndex} overflow a 64-bit integer when sample {sampleIndex} is added");
        }
        return sum;
    }
}
