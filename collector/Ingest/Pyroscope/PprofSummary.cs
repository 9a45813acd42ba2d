using System.Text;
using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest.Pyroscope;

/// <summary>
/// What the /ingest rules need to know of a pprof profile before it is decoded: its sample type
/// names (they choose the profile name) and whether its function ids are all zero (an old .NET
/// agent's defect). A light walk over the top-level fields of the raw (inflated) protobuf; it
/// returns null for anything malformed and leaves the rejection to the decoder.
/// </summary>
internal sealed record PprofSummary(IReadOnlyList<string> SampleTypes, int Functions, bool FunctionIdsAllZero, int Locations)
{
    public static PprofSummary? TryRead(ReadOnlySpan<byte> profile)
    {
        IngestCounters.CountPprofParse();
        var typeIndexes = new List<long>();
        var strings = new List<(int Offset, int Length)>();
        var functions = 0;
        var locations = 0;
        var allZero = true;
        var reader = new Reader(profile);
        while (!reader.End)
        {
            if (!reader.TryTag(out var field, out var wireType))
            {
                return null;
            }
            if (wireType != 2)
            {
                if (!reader.TrySkip(wireType))
                {
                    return null;
                }
                continue;
            }
            if (!reader.TryLength(out var offset, out var length))
            {
                return null;
            }
            var message = profile.Slice(offset, length);
            switch (field)
            {
                case 1:
                    typeIndexes.Add(VarintField(message, 1) ?? 0);
                    break;
                case 4:
                    locations++;
                    break;
                case 5:
                    functions++;
                    allZero &= (VarintField(message, 1) ?? 0) == 0;
                    break;
                case 6:
                    strings.Add((offset, length));
                    break;
                default:
                    break;
            }
        }
        var names = new string[typeIndexes.Count];
        var utf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);
        for (var i = 0; i < names.Length; i++)
        {
            if (typeIndexes[i] < 0 || typeIndexes[i] >= strings.Count)
            {
                return null;
            }
            var (offset, length) = strings[(int)typeIndexes[i]];
            try
            {
                names[i] = utf8.GetString(profile.Slice(offset, length));
            }
            catch (DecoderFallbackException)
            {
                return null;
            }
        }
        return new PprofSummary(names, functions, allZero, locations);
    }

    /// <summary>The last value of varint field <paramref name="number"/> in a message, or null.</summary>
    private static long? VarintField(ReadOnlySpan<byte> message, int number)
    {
        long? value = null;
        var reader = new Reader(message);
        while (!reader.End)
        {
            if (!reader.TryTag(out var field, out var wireType))
            {
                return null;
            }
            if (field == number && wireType == 0)
            {
                if (!reader.TryVarint(out var v))
                {
                    return null;
                }
                value = (long)v;
            }
            else if (!reader.TrySkip(wireType))
            {
                return null;
            }
        }
        return value;
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public readonly bool End => _position >= _data.Length;

        public bool TryTag(out int field, out int wireType)
        {
            field = 0;
            wireType = 0;
            if (!TryVarint(out var tag) || tag >> 3 is 0 or > int.MaxValue)
            {
                return false;
            }
            field = (int)(tag >> 3);
            wireType = (int)(tag & 7);
            return true;
        }

        public bool TryVarint(out ulong value)
        {
            value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_position >= _data.Length)
                {
                    return false;
                }
                var b = _data[_position++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return true;
                }
            }
            return false;
        }

        public bool TryLength(out int offset, out int length)
        {
            offset = 0;
            length = 0;
            if (!TryVarint(out var n) || n > (ulong)(_data.Length - _position))
            {
                return false;
            }
            offset = _position;
            length = (int)n;
            _position += length;
            return true;
        }

        public bool TrySkip(int wireType)
        {
            switch (wireType)
            {
                case 0:
                    return TryVarint(out _);
                case 1:
                    _position += 8;
                    return _position <= _data.Length;
                case 2:
                    return TryLength(out _, out _);
                case 5:
                    _position += 4;
                    return _position <= _data.Length;
                default:
                    // Groups (3, 4) do not occur in pprof; 6 and 7 are not wire types.
                    return false;
            }
        }
    }
}
